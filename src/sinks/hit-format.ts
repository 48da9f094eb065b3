/**
 * Printing detection hits: table (grouped by rule, for people: printed at the end), jsonl (one hit
 * per line, as they are found, for machines), json (one document: every hit, streamed, then the
 * same groups as the table); and the rule list for --list-rules.
 */
import type { ChalkInstance } from 'chalk';
import { formatEventTime } from '../cloudtrail/event-time.js';
import { UTC, type TimeZone } from '../util/time-zone.js';
import { formatDuration } from '../rules/activity-rules.js';
import type { RuleChoice } from '../rules/catalog.js';
import { Detector } from '../rules/detector.js';
import type { Hit, Rule, RuleSettings, Severity } from '../rules/rule.js';
import { SEVERITIES } from '../rules/rule.js';
import type { SigmaRule } from '../rules/sigma/sigma-rule.js';
import { HitGroups, type HitGroup } from './aggregators/hit-groups.js';
import type { Output } from './output.js';
import { defineFormats, type FormatContext, type RecordSink } from './sink.js';
import { wrappedTable, writeProse } from './wrapped-table.js';

export interface HitSink {
  write(hit: Hit): void;
  end(): void;
}

/** Principals and keys shown per rule in the grouped table (and the json groups). */
export const TOP_PER_RULE = 3;

/** Fixed keys in a fixed order, null when absent, so scripts can rely on the shape. */
export function hitObject(h: Hit) {
  return {
    rule: h.rule,
    severity: h.severity,
    title: h.title,
    source: h.source ?? 'builtin',
    tags: h.tags ?? [],
    time: h.time,
    eventName: h.eventName,
    eventID: h.eventId ?? null,
    principal: h.principal,
    principalAccount: h.principalAccount ?? null,
    origin: h.origin ?? null,
    key: h.key ?? null,
    keyAccount: h.keyAccount ?? null,
    region: h.region ?? null,
    reason: h.reason,
    group: h.group ?? null,
    count: h.count ?? null,
    records: h.records ?? null,
    firstTime: h.firstTime ?? null,
    lastTime: h.lastTime ?? null,
    ruleFile: h.ruleFile ?? null,
    file: h.file ?? null,
    line: h.line ?? null,
  };
}

export const hitJson = (h: Hit): string => JSON.stringify(hitObject(h));

/** What a hit's line starts and ends with when its rule is this one (the rule's own fields). */
interface RuleText {
  severity: Severity;
  title: string;
  source: Hit['source'];
  tags: Hit['tags'];
  ruleFile: string | undefined;
  /** `{"rule":…,"severity":…,"title":…,"source":…,"tags":[…],"time":` */
  head: string;
  /** `,"ruleFile":…,"file":` */
  tail: string;
}

const json = JSON.stringify;
const orNull = (value: unknown): string => (value === undefined ? 'null' : json(value));

/**
 * `hitJson`, byte for byte, for a stream of hits: the fields a hit takes from its rule (most of
 * the line, tags and all) are turned to JSON once per rule, not once per hit. One Sigma rule can
 * match every assumed-role call in a trail, and serialising its hits was a tenth of `detect`.
 * A hit missing a text every hit has (its key would be left out, not printed as null) takes
 * `hitJson` itself.
 */
export function hitJsonWriter(): (h: Hit) => string {
  const rules = new Map<string, RuleText>();
  let file: string | undefined;
  let fileJson = 'null';
  const ruleText = (h: Hit): RuleText => {
    let r = rules.get(h.rule);
    // A rule id names one rule, but two rule files may share one: the cached text is checked.
    if (r === undefined || r.severity !== h.severity || r.title !== h.title || r.source !== h.source || r.tags !== h.tags || r.ruleFile !== h.ruleFile) {
      r = {
        severity: h.severity,
        title: h.title,
        source: h.source,
        tags: h.tags,
        ruleFile: h.ruleFile,
        head: `{"rule":${json(h.rule)},"severity":${json(h.severity)},"title":${json(h.title)},"source":${json(h.source ?? 'builtin')},"tags":${json(h.tags ?? [])},"time":`,
        tail: `,"ruleFile":${orNull(h.ruleFile)},"file":`,
      };
      rules.set(h.rule, r);
    }
    return r;
  };
  const plain = (h: Hit): boolean =>
    typeof h.rule === 'string' &&
    typeof h.severity === 'string' &&
    typeof h.title === 'string' &&
    typeof h.time === 'string' &&
    typeof h.eventName === 'string' &&
    typeof h.principal === 'string' &&
    typeof h.reason === 'string';
  return (h) => {
    if (!plain(h)) return hitJson(h);
    const r = ruleText(h);
    if (h.file !== file) {
      file = h.file;
      fileJson = orNull(file);
    }
    return (
      r.head +
      json(h.time) +
      ',"eventName":' +
      json(h.eventName) +
      ',"eventID":' +
      orNull(h.eventId) +
      ',"principal":' +
      json(h.principal) +
      ',"principalAccount":' +
      orNull(h.principalAccount) +
      ',"origin":' +
      orNull(h.origin) +
      ',"key":' +
      orNull(h.key) +
      ',"keyAccount":' +
      orNull(h.keyAccount) +
      ',"region":' +
      orNull(h.region) +
      ',"reason":' +
      json(h.reason) +
      ',"group":' +
      orNull(h.group) +
      ',"count":' +
      orNull(h.count) +
      ',"records":' +
      orNull(h.records) +
      ',"firstTime":' +
      orNull(h.firstTime) +
      ',"lastTime":' +
      orNull(h.lastTime) +
      r.tail +
      fileJson +
      ',"line":' +
      orNull(h.line) +
      '}'
    );
  };
}

function painter(color: ChalkInstance, severity: Severity): ((s: string) => string) | undefined {
  return severity === 'critical' || severity === 'high' ? color.red : severity === 'medium' ? color.yellow : undefined;
}

const count = (n: number) => n.toLocaleString('en-US');

/** `12 hits of 3 rules: 0 critical, 10 high, ...`: every level, always, so the line reads the same each time. */
function totalsLine(groups: HitGroups): string {
  const levels = [...SEVERITIES].reverse().map((s) => `${count(groups.bySeverity[s])} ${s}`);
  return `${count(groups.hits)} hit${groups.hits === 1 ? '' : 's'} of ${count(groups.rules)} rule${groups.rules === 1 ? '' : 's'}: ${levels.join(', ')}`;
}

/**
 * An IAM, STS or KMS ARN without its fixed `arn:aws:iam::` / `arn:aws:kms:` start, so the part
 * that differs fits a table cell: `123456789012:user/alice`, `us-east-1:123456789012:key/1234...`.
 */
const shortArn = (value: string) => value.replace(/^arn:aws[a-z-]*:(?:(?:iam|sts)::|kms:)/, '');

/** `12× alice`, most frequent first, and how many more there were. */
function topLines(t: HitGroup['principals']): string[] {
  const lines = t.top.map((row) => `${count(row.count)}× ${shortArn(row.value)}`);
  const more = t.distinct - t.top.length;
  if (more > 0) lines.push(`+${count(more)} more${t.capped ? ' (and more not counted)' : ''}`);
  return lines;
}

function groupObject(g: HitGroup) {
  return {
    rule: g.rule,
    title: g.title,
    severity: g.severity,
    source: g.source,
    tags: g.tags,
    hits: g.hits,
    firstSeen: g.firstSeen,
    lastSeen: g.lastSeen,
    principals: g.principals,
    keys: g.keys,
  };
}

/** Hit printers, one per format. */
export const HIT_PRINTERS = {
  /** One row per rule, printed at the end: thousands of hits of one rule are one row. */
  table(out: Output, color: ChalkInstance, terminalColumns?: number, zone: TimeZone = UTC): HitSink {
    const groups = new HitGroups();
    return {
      write: (h) => groups.add(h),
      end() {
        if (groups.hits === 0) {
          out.write(color.dim('(no hits)') + '\n');
          return;
        }
        // severity, rule, hits and seen take about 95 columns with the borders; principals and keys
        // share the rest, up to what a key ARN and its count need (when not on a terminal: that).
        const side = Math.max(24, Math.min(68, Math.floor(((terminalColumns ?? Infinity) - 95) / 2)));
        const table = wrappedTable(
          out,
          [
            // On a narrow terminal the keys leave first, then the principals; times are never cut.
            { header: 'severity', min: 8 },
            { header: 'rule', wrap: 36, min: 18 },
            { header: 'hits', align: 'right' },
            { header: ['first / last', `(${zone.name})`], min: Number.MAX_SAFE_INTEGER },
            { header: 'top principals', wrap: side, min: 14, drop: 1 },
            { header: 'top keys', wrap: side, min: 20, drop: 2 },
          ],
          color,
        );
        for (const g of groups.result(TOP_PER_RULE)) {
          const seen = [g.firstSeen, g.lastSeen].filter((t): t is string => t !== null).map((t) => formatEventTime(t, zone));
          table.row(
            [
              g.severity,
              [g.rule, g.title],
              count(g.hits),
              seen.length === 2 && seen[0] === seen[1] ? [seen[0]] : seen,
              topLines(g.principals),
              g.keys.distinct === 0 ? ['-'] : topLines(g.keys),
            ],
            painter(color, g.severity),
          );
        }
        table.end();
        writeProse(out, `${totalsLine(groups)} (one line per hit: --format jsonl)`);
      },
    };
  },
  /** `{"hits": [...], "rules": [...], "totals": {...}}`: the hits as found, then the groups. */
  json(out: Output): HitSink {
    const groups = new HitGroups();
    const hitLine = hitJsonWriter();
    return {
      write(h) {
        out.write((groups.hits === 0 ? '{"hits":[\n' : ',\n') + hitLine(h));
        groups.add(h);
      },
      end() {
        const rules = groups.result(TOP_PER_RULE).map(groupObject);
        const totals = { hits: groups.hits, rules: groups.rules, bySeverity: groups.bySeverity };
        out.write(
          (groups.hits === 0 ? '{"hits":[' : '\n') +
            `],\n"rules":${JSON.stringify(rules, null, 2)},\n"totals":${JSON.stringify(totals)}}\n`,
        );
      },
    };
  },
  jsonl(out: Output): HitSink {
    const hitLine = hitJsonWriter();
    return { write: (h) => out.write(hitLine(h) + '\n'), end: () => {} };
  },
} satisfies Record<string, (out: Output, color: ChalkInstance, terminalColumns?: number) => HitSink>;

export interface DetectSettings {
  rules: RuleChoice;
  settings: RuleSettings;
  /** Told of each hit before it is printed (`--fail-on` watches them). */
  onHit?(hit: Hit): void;
}

/** What --stats says of a detection run. */
function detectStats(detector: Detector): string[] {
  const s = detector.stats;
  const n = (x: number) => x.toLocaleString('en-US');
  const parts: string[] = [];
  if (s.builtinRules > 0) parts.push(`${s.builtinRules} built-in rules judged ${n(s.kmsEvents)} KMS events`);
  if (s.sigmaRules > 0) {
    parts.push(`${s.sigmaRules} Sigma rules judged ${n(s.sigmaRecords)} records (${n(s.sigmaEvaluations)} rule evaluations after the event-name index)`);
  }
  const lines = [`detect: ${parts.join('; ')}; ${n(s.hits)} hits`];
  if (s.late > 0 || s.evicted > 0) {
    lines.push(
      `detect: Sigma correlations: ${n(s.late)} events later than their window could wait for, ` +
        `${n(s.evicted)} undecided windows dropped at the group limit`,
    );
  }
  return lines;
}

/** Feeds every record to the built-in and Sigma rules; prints their hits in the chosen format. */
function detectionSink(printer: (typeof HIT_PRINTERS)[keyof typeof HIT_PRINTERS]) {
  return ({ out, color, columns, zone }: FormatContext, { rules, settings, onHit }: DetectSettings): RecordSink => {
    const hits = printer(out, color, columns, zone);
    const detector = new Detector(rules, settings, (hit) => {
      onHit?.(hit);
      hits.write(hit);
    });
    return {
      write: (record) => detector.feed(record.record, record),
      end() {
        detector.end();
        hits.end();
        return { stats: detectStats(detector) };
      },
    };
  };
}

export const DETECT_FORMATS = defineFormats<DetectSettings>()({
  table: detectionSink(HIT_PRINTERS.table),
  json: detectionSink(HIT_PRINTERS.json),
  jsonl: detectionSink(HIT_PRINTERS.jsonl),
});

export type HitFormat = keyof typeof DETECT_FORMATS;

/** A rule as --list-rules shows it: the same keys for built-in and Sigma rules. */
interface ListedRule {
  id: string;
  severity: Severity;
  title: string;
  source: 'builtin' | 'sigma';
  kind: string;
  tags: readonly string[];
  description: string;
  defaults: string | null;
  file: string | null;
}

function builtinListed(r: Rule, settings: RuleSettings): ListedRule {
  return {
    id: r.id,
    severity: r.severity,
    title: r.title,
    source: 'builtin',
    kind: 'detection',
    tags: r.tags ?? [],
    description: r.description,
    defaults: r.defaults?.(settings) ?? null,
    file: null,
  };
}

function sigmaListed(r: SigmaRule): ListedRule {
  let kind = 'detection';
  let defaults: string | null = null;
  if (r.kind === 'correlation') {
    kind = `correlation ${r.type}`;
    const condition = Object.entries(r.condition).map(([k, v]) => `${k} ${v}`).join(', ');
    const by = r.groupBy.length > 0 ? ` by ${r.groupBy.join(', ')}` : '';
    defaults = `${condition}${r.field ? ` distinct ${r.field}` : ''} within ${formatDuration(r.timespanMs)}${by}; rules: ${r.rules.map((b) => `'${b.title}'`).join(', ')}`;
  }
  return {
    id: r.ruleId,
    severity: r.level,
    title: r.title,
    source: 'sigma',
    kind,
    tags: r.tags,
    description: r.description ?? '',
    defaults,
    file: r.file,
  };
}

/** --list-rules in the chosen format: the built-in rules, then the Sigma rules in load order. */
export function printRules(
  out: Output,
  choice: RuleChoice,
  settings: RuleSettings,
  format: HitFormat,
  color: ChalkInstance,
): void {
  const rules = [...choice.builtin.map((r) => builtinListed(r, settings)), ...choice.sigma.map(sigmaListed)];
  if (format === 'jsonl') {
    for (const r of rules) out.write(JSON.stringify(r) + '\n');
  } else if (format === 'json') {
    out.write(JSON.stringify(rules, null, 2) + '\n');
  } else {
    // The title, and under it the description, share the room a narrow screen leaves; a Sigma
    // rule's ID (a UUID) wraps after its dashes rather than taking half of it.
    const table = wrappedTable(
      out,
      [{ header: 'rule', wrap: 36, min: 13 }, { header: 'severity' }, { header: 'title / description', wrap: 100, min: 50 }],
      color,
    );
    for (const r of rules) {
      const defaults = r.defaults ? ` ${r.source === 'sigma' ? 'Correlates' : 'Defaults'}: ${r.defaults}.` : '';
      const tags = r.tags.length > 0 ? ` Tags: ${r.tags.join(', ')}.` : '';
      const from = r.file ? ` (${r.file})` : '';
      // A rule file's description may hold line breaks: prose here, re-wrapped to the column.
      const description = `${r.description}${defaults}${tags}${from}`.replace(/\s+/g, ' ').trim();
      table.row([r.id, r.severity, [r.title, description]], painter(color, r.severity));
    }
    table.end();
  }
}
