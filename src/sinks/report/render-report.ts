/**
 * The report as one self-contained HTML page: inline style, inline SVG, no script, no font, no
 * image, no link that loads anything, and a content security policy that forbids all of them, so
 * the file opens offline and a value that escaped escaping still could not run. Each section is a
 * function of the model; numbers carry `data-` attributes with their exact values for scripts and
 * tests, and the text shows them as the terminal does (`12,345`, `18.2%`).
 */
import { formatEventTime } from '../../cloudtrail/event-time.js';
import { UTC, type TimeZone } from '../../util/time-zone.js';
import { DESTRUCTIVE_OR_POLICY_EVENTS } from '../../cloudtrail/events.js';
import type { KeyRow } from '../aggregators/key-inventory.js';
import type { KeyTimeline } from '../aggregators/key-timelines.js';
import type { OriginTable } from '../aggregators/origin-tally.js';
import type { TopTable } from '../aggregators/summary.js';
import { bucketLabel } from '../activity-chart.js';
import { count, html, shorten, trusted, type Html } from './html.js';
import type { ReportModel } from './report-model.js';
import { activitySvg, barsSvg } from './svg-chart.js';

const POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `
:root { --fg: #1d2733; --muted: #5c6b7a; --line: #d9e0e7; --bar: #4c78a8; --hot: #d9534f; --bg: #fff; --soft: #f5f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header, main, nav { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; }
nav { position: sticky; top: 0; background: var(--bg); border-bottom: 1px solid var(--line); padding-top: 8px; padding-bottom: 8px; z-index: 1; display: flex; flex-wrap: wrap; gap: 2px 14px; }
nav a { color: var(--bar); text-decoration: none; }
/* A link's target lands below the sticky nav, not under it. */
[id] { scroll-margin-top: 48px; }
.meta, .note { color: var(--muted); }
.meta code { white-space: pre-wrap; overflow-wrap: anywhere; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; margin: 12px 0; }
.tile { background: var(--soft); border-radius: 6px; padding: 10px 12px; }
.tile .n { font-size: 20px; font-weight: 600; }
.tile .l { color: var(--muted); font-size: 12px; }
.problems { border-left: 4px solid var(--hot); background: var(--soft); padding: 4px 12px; margin: 12px 0; }
.problems ul { margin: 4px 0; padding-left: 18px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; background: var(--soft); }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.v, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; overflow-wrap: anywhere; }
td.t { white-space: nowrap; font-variant-numeric: tabular-nums; }
.mono.key { white-space: nowrap; word-break: normal; }
table.small { font-size: 12.5px; }
.wide { overflow-x: auto; }
.nowrap { white-space: nowrap; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); gap: 0 24px; }
.grid2 > * { min-width: 0; }
svg.chart { width: 100%; height: auto; display: block; margin: 8px 0; }
svg .bar { fill: var(--bar); }
svg .busiest { fill: var(--hot); }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
svg text.label { fill: var(--fg); font-family: ui-monospace, Menlo, Consolas, monospace; }
svg text.peak { fill: var(--hot); font-weight: 600; }
.sev { display: inline-block; min-width: 64px; text-align: center; border-radius: 4px; padding: 0 6px; color: #fff; font-size: 12px; font-weight: 600; }
.sev-critical, .sev-high { background: #c9302c; } .sev-medium { background: #d58512; } .sev-low { background: #5b8db8; } .sev-informational { background: #7a8793; }
.state-warn { color: #b85c00; font-weight: 600; }
tr.failed td { color: #b52b27; }
tr.destructive td { background: #fff7e6; }
details summary { cursor: pointer; color: var(--bar); }
footer { max-width: 1200px; margin: 40px auto; padding: 0 24px; color: var(--muted); font-size: 12px; }
/* A phone: the nav wraps to several lines, so it scrolls away with the page instead of covering it. */
@media (max-width: 600px) {
  header, main, nav { padding: 0 12px; }
  nav { position: static; }
  [id] { scroll-margin-top: 0; }
  th, td { padding: 3px 5px; }
}
/* Paper has no horizontal scroll: every column must fit the page, so long values may break. */
@media print {
  nav { display: none; }
  [id] { scroll-margin-top: 0; }
  body { font-size: 11px; }
  header, main { max-width: none; padding: 0; }
  .wide { overflow: visible; }
  table, table.small, td.v, .mono { font-size: 9.5px; }
  th, td { padding: 2px 4px; }
  .mono.key, td.t, .nowrap { white-space: normal; overflow-wrap: anywhere; }
  td, th { overflow-wrap: anywhere; }
  tr, .tile, svg.chart { break-inside: avoid; }
}
`;

const percent = (n: number, of: number) => `${of === 0 ? '0.0' : ((n / of) * 100).toFixed(1)}%`;
/**
 * The clock the page's times are on (--tz). The page is rendered in one synchronous call, which
 * sets it first: threading it through every section and helper would say nothing more.
 */
let zone: TimeZone = UTC;
const time = (iso: string | null | undefined) => (iso ? formatEventTime(iso, zone) : '');
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

function tile(label: string, value: string, metric: string, exact?: number): Html {
  return html`<div class="tile" data-metric="${metric}"${exact === undefined ? '' : html` data-value="${exact}"`}><div class="n">${value}</div><div class="l">${label}</div></div>`;
}

/**
 * Longest value a top table shows whole. Values are the logs' text (a user agent is the caller's
 * own): 20 records with 2 MB user agents made a 37 MB page that took 34 s to open.
 */
const MAX_PAGE_VALUE = 2000;

function pageValue(value: string): string {
  return value.length > MAX_PAGE_VALUE ? `${value.slice(0, MAX_PAGE_VALUE)}… (${count(value.length - MAX_PAGE_VALUE)} more characters)` : value;
}

function topTable(name: string, title: string, header: string, t: TopTable, records: number): Html {
  const shown = t.rows.length < t.distinct ? `, top ${t.rows.length}` : '';
  const body =
    t.rows.length === 0
      ? html`<p class="note">(none)</p>`
      : html`<table class="top" data-table="${name}"><thead><tr><th>${header}</th><th class="num">count</th><th class="num">share</th></tr></thead><tbody>
${t.rows.map((r) => html`<tr><td class="v">${pageValue(r.value)}</td><td class="num" data-count="${r.count}">${count(r.count)}</td><td class="num">${percent(r.count, records)}</td></tr>\n`)}</tbody></table>`;
  const capped = t.capped ? html`<p class="note">Cap reached: ${count(t.other)} records with later new values are counted as (other).</p>` : '';
  return html`<div class="top-block"><h3>${title} <span class="note">(${count(t.distinct)} distinct${shown})</span></h3>${body}${capped}</div>`;
}

/** The input was damaged or partly unreadable: said where the numbers are, with the lines the run told. */
function inputProblems(m: ReportModel): Html | string {
  const p = m.inputProblems;
  if (p.total === 0) return '';
  const more = p.total - p.lines.length;
  return html`<div class="problems" id="input-problems"><p><strong>${plural(p.total, 'input problem')}</strong>: the numbers here are those of what could be read.</p>
<ul>${p.lines.map((line) => html`<li class="mono">${line}</li>`)}</ul>${more > 0 ? html`<p class="note">${plural(more, 'more problem')}: the run's standard error has them (<code>--stats</code> counts them).</p>` : ''}</div>`;
}

function summarySection(m: ReportModel): Html {
  const s = m.summary;
  const span = s.timeSpan.first && s.timeSpan.last ? `${time(s.timeSpan.first)} → ${time(s.timeSpan.last)}` : 'unknown';
  return html`<section id="summary"><h2>Summary</h2>
<div class="tiles">
${tile('files read', count(m.input.files), 'files', m.input.files)}
${tile('records read', count(m.input.recordsRead), 'records-read', m.input.recordsRead)}
${tile('records matched', count(s.records), 'records', s.records)}
${tile('copies dropped', count(m.input.duplicates), 'duplicates', m.input.duplicates)}
${tile('read-only', count(s.readOnly.readOnly), 'read-only', s.readOnly.readOnly)}
${tile('mutating', count(s.readOnly.mutating), 'mutating', s.readOnly.mutating)}
${s.readOnly.unknown ? tile('not marked read-only or mutating', count(s.readOnly.unknown), 'not-marked', s.readOnly.unknown) : ''}
${tile('failed calls', count(s.errors), 'errors', s.errors)}
${tile('destructive or policy events', count(s.destructiveOrPolicy.total), 'destructive', s.destructiveOrPolicy.total)}
${tile('detection hits', count(m.detections.hits), 'hits', m.detections.hits)}
${tile('keys', count(m.keys.inventory.keys.length), 'keys', m.keys.inventory.keys.length)}
${m.inputProblems.total > 0 ? tile('input problems', count(m.inputProblems.total), 'input-problems', m.inputProblems.total) : ''}
</div>
${inputProblems(m)}
<p>Time span: <span class="mono" data-metric="time-span">${span}</span>${s.timeSpan.unreadable ? ` (${plural(s.timeSpan.unreadable, 'record')} without a readable eventTime)` : ''}</p>
</section>`;
}

function activitySection(m: ReportModel): Html {
  const a = m.summary.activity;
  if (a.buckets.length === 0) {
    const why = m.summary.records === 0 ? 'No record matched.' : 'No matched record has a readable eventTime.';
    return html`<section id="activity"><h2>Activity over time</h2><p class="note">${why}</p></section>`;
  }
  const rank = new Map(a.busiest.map((start, i) => [start, i + 1]));
  return html`<section id="activity"><h2>Activity over time</h2>
<p class="note">Matched records per ${a.bucket} (${zone.name}): ${plural(a.timed, 'record')} in ${a.buckets.length} buckets${
    a.untimed ? `; ${plural(a.untimed, 'record')} without a readable eventTime, in none` : ''
  }. The busiest ${a.busiest.length === 1 ? 'bucket is' : `${a.busiest.length} buckets are`} in red.</p>
${activitySvg(a, zone)}
<details><summary>The counts per bucket</summary>
<table data-table="activity"><thead><tr><th>bucket start (${zone.name})</th><th class="num">records</th><th>busiest</th></tr></thead><tbody>
${a.buckets.map((b) => html`<tr><td class="t">${bucketLabel(b.start, a.bucketSeconds, zone)}</td><td class="num" data-count="${b.count}">${count(b.count)}</td><td>${rank.has(b.start) ? `#${rank.get(b.start)}` : ''}</td></tr>\n`)}
</tbody></table></details>
</section>`;
}

function originsBlock(origins: OriginTable): Html {
  return html`<section id="origins"><h2>Origins</h2>
<p class="note">Who is really behind the records' sessions: each origin, the chain of credentials from it to the principal the records name, and how many records (${count(origins.distinct)} distinct origin and chain pairs${
    origins.other ? `; ${plural(origins.other, 'record')} past the cap, in no row` : ''
  }).</p>
${
  origins.rows.length === 0
    ? html`<p class="note">(none)</p>`
    : html`<table data-table="origins"><thead><tr><th>origin</th><th>chain</th><th class="num">records</th></tr></thead><tbody>
${origins.rows.map((r) => html`<tr><td class="v">${r.origin}</td><td class="v">${r.chain}</td><td class="num" data-count="${r.records}">${count(r.records)}</td></tr>\n`)}</tbody></table>`
}
</section>`;
}

function whoSection(m: ReportModel): Html {
  const s = m.summary;
  return html`<section id="principals"><h2>Who: principals and user agents</h2>
${s.principals.rows.length > 0 ? barsSvg(s.principals.rows.map((r) => ({ label: r.value, count: r.count })), 'Top principals by records') : ''}
<div class="grid2">${topTable('principals', 'principals', 'principal', s.principals, s.records)}${topTable('user-agents', 'user agents', 'user agent', m.userAgents, s.records)}</div>
</section>
${m.origins ? originsBlock(m.origins) : ''}`;
}

function whatSection(m: ReportModel): Html {
  const s = m.summary;
  return html`<section id="events"><h2>What: events, keys, places, errors</h2>
${s.eventNames.rows.length > 0 ? barsSvg(s.eventNames.rows.map((r) => ({ label: r.value, count: r.count })), 'Top event names by records') : ''}
<div class="grid2">
${topTable('event-names', 'event names', 'event', s.eventNames, s.records)}
${topTable('keys', 'keys', 'key', s.keys, s.records)}
${topTable('source-ips', 'source IPs', 'source IP', s.sourceIps, s.records)}
${topTable('regions', 'regions', 'region', s.regions, s.records)}
${topTable('error-codes', 'error codes', 'error code', s.errorCodes, s.records)}
</div></section>`;
}

const WARN_STATES = /^(PendingDeletion|PendingReplicaDeletion|Deleted|Disabled|PendingImport)$/;

const day = (iso: string | null | undefined) => time(iso).slice(0, 10);

/** `user/Alice` for `arn:aws:iam::111122223333:user/Alice`: the account is in the key's row already. */
const shortBy = (principal: string) => /^arn:[^:]*:[^:]*:[^:]*:[^:]*:(.+)$/.exec(principal)?.[1] ?? principal;

function stateCell(row: KeyRow): Html {
  if (!row.state) return html`<td class="note">unknown</td>`;
  const deletes = row.state.deletionDate ? html`<br><span class="note">deletes ${day(row.state.deletionDate)}</span>` : '';
  return html`<td data-state="${row.state.value}"><span class="${WARN_STATES.test(row.state.value) ? 'state-warn' : ''}">${row.state.value}</span>${deletes}<br><span class="note">${day(row.state.at)} ${row.state.event}</span></td>`;
}

function by(mark: { at: string | null; by: string } | null): Html | string {
  return mark ? html`<span class="nowrap">${day(mark.at)}</span><br><span class="note v" title="${mark.by}">${shortBy(mark.by)}</span>` : '';
}

function keysSection(m: ReportModel): Html {
  const rows = m.keys.inventory.keys;
  const shown = rows.slice(0, m.keys.shown);
  return html`<section id="keys"><h2>Keys</h2>
<p class="note">Every key the matched records name, its state as far as the logs show (by eventTime; failed calls change nothing), as <code>kmstrail keys</code> rebuilds it.${
    shown.length < rows.length ? ` The first ${count(shown.length)} of ${count(rows.length)} are shown; kmstrail keys lists them all.` : ''
  }</p>
${
  rows.length === 0
    ? html`<p class="note">(no keys in the matched records)</p>`
    : html`<div class="wide"><table class="small" data-table="key-inventory"><thead><tr><th>key, account, region, aliases</th><th>state</th><th>created</th><th>policy changed</th><th>rotation</th><th class="num">grants +/\u2212</th><th>first / last seen</th><th class="num">events</th><th class="num">principals</th></tr></thead><tbody>
${shown.map(
  (r) => html`<tr data-key-arn="${r.arn ?? ''}"><td><span class="mono key">${r.keyId ?? '(key not in logs)'}</span><br><span class="note">${r.account ?? '?'} ${r.region ?? '?'}</span>${r.aliases.map((a) => html`<br><span class="mono">${a.name}${a.current ? '' : ' (former)'}</span>`)}</td>
${stateCell(r)}<td>${by(r.created)}</td><td>${by(r.policyChanged)}</td>
<td>${r.rotation ? html`${r.rotation.enabled ? 'enabled' : 'disabled'}<br><span class="note">${day(r.rotation.at)}</span>` : ''}</td>
<td class="num">${r.grants.created + r.grants.retired + r.grants.revoked > 0 ? `+${r.grants.created} −${r.grants.retired + r.grants.revoked}` : ''}</td>
<td class="t">${day(r.firstSeen)}<br>${day(r.lastSeen)}</td>
<td class="num" data-count="${r.events}">${count(r.events)}${r.errors ? html`<br><span class="note">${count(r.errors)} failed</span>` : ''}</td>
<td class="num">${r.principals.distinct}${r.principals.capped ? '+' : ''}</td></tr>\n`,
)}</tbody></table></div>`
}
</section>`;
}

function detectionsSection(m: ReportModel): Html {
  const d = m.detections;
  return html`<section id="detections"><h2>Detections</h2>
<p class="note">${plural(d.rules, 'built-in rule')} over ${plural(d.events, 'KMS event')}${
    d.sigmaRules > 0 ? `, ${plural(d.sigmaRules, 'Sigma rule')} over ${plural(d.sigmaRecords, 'record')}` : ''
  }: ${plural(d.hits, 'hit')}, grouped by rule, most severe first; the earliest hits of each rule are listed (<code>kmstrail detect</code> prints them all).</p>
${d.groups.length === 0 ? html`<p class="note">(no hits)</p>` : ''}
${d.groups.map(
  (g) => html`<article class="rule" data-rule="${g.rule}" data-hits="${g.hits}">
<h3><span class="sev sev-${g.severity}">${g.severity}</span> ${g.rule} ${g.title} <span class="note">(${plural(g.hits, 'hit')})</span></h3>
<div class="wide"><table class="small"><thead><tr><th>time (${zone.name})</th><th>event</th><th>principal</th><th>key</th><th>reason</th></tr></thead><tbody>
${g.listed.map((h) => html`<tr><td class="t">${time(h.time)}</td><td>${h.eventName}</td><td class="v">${h.principal}</td><td class="v">${h.key ?? ''}</td><td>${h.reason}</td></tr>\n`)}
</tbody></table></div>${g.omitted > 0 ? html`<p class="note">${plural(g.omitted, 'more hit')} of this rule not listed.</p>` : ''}
</article>`,
)}
</section>`;
}

function destructiveSection(m: ReportModel): Html {
  const d = m.summary.destructiveOrPolicy;
  return html`<section id="destructive"><h2>Destructive and policy events</h2>
<p class="note">${[...DESTRUCTIVE_OR_POLICY_EVENTS].join(', ')}: ${plural(d.total, 'event')}${
    d.omitted > 0 ? `, the earliest ${count(d.listed.length)} listed` : ''
  }.</p>
${
  d.listed.length === 0
    ? html`<p class="note">(none)</p>`
    : html`<div class="wide"><table class="small" data-table="destructive"><thead><tr><th>time (${zone.name})</th><th>event</th><th>principal</th><th>key</th><th>region</th><th>source IP</th><th>outcome</th></tr></thead><tbody>
${d.listed.map(
  (e) => html`<tr class="${e.error ? 'failed' : ''}"><td class="t">${time(e.time)}</td><td>${e.event}</td><td class="v">${e.principal}</td><td class="v">${e.key}</td><td>${e.region}</td><td class="v">${e.sourceIp}</td><td>${e.error ?? 'ok'}</td></tr>\n`,
)}</tbody></table></div>`
}
</section>`;
}

function keyTimeline(t: KeyTimeline, row: KeyRow | undefined): Html {
  const aliases = row?.aliases.map((a) => a.name).join(', ') ?? '';
  const reads = t.readOnly.operations.map((o) => `${o.value} ${count(o.count)}`).join(', ');
  return html`<article class="key-timeline" data-key="${t.key}" data-listed="${t.entries.length}">
<h3 class="mono">${row?.keyId ?? t.key}${aliases ? html` <span class="note">${aliases}</span>` : ''}${row?.state ? html` <span class="${WARN_STATES.test(row.state.value) ? 'state-warn' : ''}">${row.state.value}</span>` : ''}</h3>
<p class="note mono">${t.key}</p>
<div class="wide"><table class="small"><thead><tr><th>time (${zone.name})</th><th>actor</th><th>action</th><th>outcome</th><th>details</th></tr></thead><tbody>
${t.entries.map(
  (e) => html`<tr class="${e.errorCode ? 'failed' : DESTRUCTIVE_OR_POLICY_EVENTS.has(e.eventName) ? 'destructive' : ''}"><td class="t">${time(e.time)}</td><td class="v">${e.actorArn ? html`<span title="${e.actorArn}">${e.actor}</span>` : e.actor}</td><td>${e.eventName}</td><td>${e.errorCode ?? 'ok'}</td><td class="v">${shorten(e.details, 600)}</td></tr>\n`,
)}</tbody></table></div>
${t.omitted > 0 ? html`<p class="note">${plural(t.omitted, 'later event')} not listed.</p>` : ''}
${t.readOnly.total > 0 ? html`<p class="note">Also ${plural(t.readOnly.total, 'successful read-only call')}, not listed: ${reads}.</p>` : ''}
</article>`;
}

function timelinesSection(m: ReportModel): Html {
  const t = m.timelines;
  const intro = html`<p class="note">For each key with destructive or policy events: the calls that changed it and the calls that failed, in time order (successful read-only calls are counted below each). <code>kmstrail timeline --key &lt;ARN&gt;</code> gives the whole story of one key.</p>`;
  if ('unavailable' in t) return html`<section id="timelines"><h2>Key timelines</h2>${intro}<p class="note">${t.unavailable}</p></section>`;
  const rows = new Map(m.keys.inventory.keys.map((r) => [r.arn, r]));
  return html`<section id="timelines"><h2>Key timelines</h2>${intro}
${t.keys.length === 0 ? html`<p class="note">(no key with destructive or policy events)</p>` : ''}
${t.keys.map((k) => keyTimeline(k, rows.get(k.key)))}
${t.more > 0 ? html`<p class="note">${plural(t.more, 'more key')} with destructive or policy events not shown.</p>` : ''}
</section>`;
}

function notesSection(m: ReportModel): Html {
  return html`<footer id="notes">
${m.warnings.length > 0 ? html`<p><strong>Warnings:</strong></p><ul>${m.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : ''}
<p>Made by kmstrail at ${m.generatedAt}. Copies of one event are counted once (${plural(m.input.duplicates, 'copy', 'copies')} dropped). Counts are those of <code>kmstrail summary --format json</code>, <code>keys</code> and <code>detect</code> with the same options. Values from the logs are shown as text: control characters as visible escapes.</p>
</footer>`;
}

export function renderReport(m: ReportModel): string {
  zone = m.zone ?? UTC;
  try {
    return page(m).text;
  } finally {
    zone = UTC;
  }
}

function page(m: ReportModel): Html {
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${trusted(POLICY)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${m.title}</title>
<style>${trusted(STYLE)}</style>
</head><body>
<header><h1>${m.title}</h1>
<p class="meta">Generated ${m.generatedAt} by <code>${m.command}</code></p></header>
<nav><a href="#summary">Summary</a><a href="#activity">Activity</a><a href="#principals">Principals</a>${m.origins ? html`<a href="#origins">Origins</a>` : ''}<a href="#events">Events</a><a href="#keys">Keys</a><a href="#detections">Detections</a><a href="#destructive">Destructive</a><a href="#timelines">Timelines</a></nav>
<main>
${summarySection(m)}
${activitySection(m)}
${whoSection(m)}
${whatSection(m)}
${keysSection(m)}
${detectionsSection(m)}
${destructiveSection(m)}
${timelinesSection(m)}
</main>
${notesSection(m)}
</body></html>
`;
}
