/** Printing a summary: table (one screen for a human) or json (one document, stable layout). */
import type { ChalkInstance } from 'chalk';
import { formatEventTime } from '../cloudtrail/event-time.js';
import { UTC, type TimeZone } from '../util/time-zone.js';
import { stableJson } from './aggregators/stable-json.js';
import type { Origin } from '../cloudtrail/origins.js';
import type { JsonObject } from '../cloudtrail/record.js';
import { SummaryAggregator, type OriginRow, type OriginTable, type PrincipalGrouping, type SummaryResult, type TopTable } from './aggregators/summary.js';
import { activityChart, DEFAULT_WIDTH, type ChartStyle } from './activity-chart.js';
import { columnOf, tableColumn } from './columns.js';
import type { Output } from './output.js';
import { defineFormats, type FormatContext, type InputTotals, type RecordSink } from './sink.js';
import { wrappedTable, writeFields, writeProse, type TableColumn } from './wrapped-table.js';

export interface SummaryDocument extends SummaryResult {
  input: InputTotals;
  top: number;
}

export const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;
const count = (n: number): string => n.toLocaleString('en-US');

type TopField = 'eventNames' | 'principals' | 'keys' | 'sourceIps' | 'regions' | 'errorCodes';

const TOP_TABLES: Array<[TopField, string, string]> = [
  ['eventNames', 'event names', 'event'],
  ['principals', 'principals', 'principal'],
  ['keys', 'keys', 'key'],
  ['sourceIps', 'source IPs', 'source IP'],
  ['regions', 'regions', 'region'],
  ['errorCodes', 'error codes', 'error code'],
];

/** Tables whose values are mostly ARNs, whose end says most. */
const ARN_TABLES: ReadonlySet<TopField | 'origins'> = new Set(['principals']);

function printTop(out: Output, field: TopField | 'origins', title: string, header: string, t: TopTable, matched: number, cap: number, color: ChalkInstance): void {
  const shown = t.rows.length < t.distinct ? `, top ${t.rows.length}` : '';
  out.write(`\n${color.bold(title)} (${count(t.distinct)} distinct${shown})\n`);
  if (t.rows.length === 0) {
    out.write(color.dim('(none)') + '\n');
    return;
  }
  const table = wrappedTable(
    out,
    [
      // The values are what the table is about: never left out, cut last. An origin wraps rather
      // than cut: one subject through two providers differs only at its end.
      field === 'origins' ? { header, min: 24, wrap: true } : { header, min: 24, cut: ARN_TABLES.has(field) ? 'start' : 'end' },
      { header: 'count', align: 'right' },
      { header: 'share', align: 'right' },
    ],
    color,
  );
  // From the counts, not from `share` (already rounded to 4 decimals): rounded once, 27/38 is 71.1%.
  for (const row of t.rows) table.row([row.value, count(row.count), percent(row.count / matched)]);
  table.end();
  if (t.capped) {
    writeProse(out, `cap reached: only the first ${count(cap)} distinct values are counted; ${count(t.other)} records with later new values are counted as (other)`, color.yellow);
  }
}

/**
 * What the origins table says of each row: the short name, its kind (and provider). Where two
 * rows would read the same (two accounts' users of one name, two accounts' `Admin` roles), both
 * name their identity in full instead, its account included.
 */
export function originTexts(rows: readonly OriginRow[]): string[] {
  const text = (r: OriginRow, name: string) => `${name} (${r.kind}${r.provider ? `, ${r.provider}` : ''})`;
  const short = rows.map((r) => text(r, r.value));
  const times = new Map<string, number>();
  for (const s of short) times.set(s, (times.get(s) ?? 0) + 1);
  return rows.map((r, i) => (times.get(short[i])! > 1 && r.identity ? text(r, r.kind === 'unresolved' ? `? → ${r.identity}` : r.identity) : short[i]));
}

/** Who is behind the principals' sessions: the identity, its kind (and provider), and how many records. */
function printOrigins(out: Output, t: OriginTable, matched: number, cap: number, color: ChalkInstance): void {
  const texts = originTexts(t.rows);
  const rows = t.rows.map((r, i) => ({ ...r, value: texts[i] }));
  printTop(out, 'origins', 'origins (who is behind the sessions)', 'origin', { ...t, rows }, matched, cap, color);
}

/** The destructive events list: filter's default columns, giving way on a narrow screen as they do there. */
function listedColumns(zone: TimeZone): TableColumn[] {
  return ['time', 'event', 'principal', 'key', 'region', 'source-ip', 'error'].map((id) => tableColumn(columnOf(id), zone));
}

/**
 * A listed principal (an ARN, as json gives it) as filter's table names it: a role session as
 * role/session, a user by name, so that a cut keeps the role rather than a session number; a root
 * user keeps its account, as several accounts' roots may act in one trail.
 */
export function listedPrincipal(label: string): string {
  const m = /^arn:[^:]*:(?:iam|sts)::(\d*):(.+)$/.exec(label);
  if (!m) return label;
  if (m[2] === 'root') return `${m[1]}:root`;
  return m[2].replace(/^(?:assumed-role|user|role|federated-user)\//, '');
}

function printTable(out: Output, doc: SummaryDocument, color: ChalkInstance, zone: TimeZone, chart: ChartStyle): void {
  const matched = doc.records;
  writeFields(
    out,
    [
      ['files', count(doc.input.files)],
      ['records read', count(doc.input.recordsRead)],
      ['matched', count(matched)],
      ['duplicates dropped', count(doc.input.duplicates)],
    ],
    color,
  );
  if (matched === 0) {
    out.write(color.dim('(no matching records)') + '\n');
    return;
  }
  const { first, last, unreadable } = doc.timeSpan;
  const span = first !== null && last !== null ? [`${formatEventTime(first, zone)} →`, formatEventTime(last, zone)] : ['unknown'];
  writeFields(out, [['time span', unreadable ? [...span, `(${count(unreadable)} records without a readable eventTime)`] : span]], color);
  const share = (n: number) => `${count(n)} (${percent(n / matched)})`;
  writeFields(
    out,
    [
      ['read-only', share(doc.readOnly.readOnly)],
      ['mutating', share(doc.readOnly.mutating)],
      ...(doc.readOnly.unknown ? [['not marked', share(doc.readOnly.unknown)] as const] : []),
      ['errors', share(doc.errors)],
    ],
    color,
  );
  const activity = activityChart(doc.activity, chart);
  if (activity.length > 0) out.write(`\n${activity.join('\n')}\n`);
  for (const [field, title, header] of TOP_TABLES) {
    const byRole = field === 'principals' && doc.principalsBy === 'role';
    printTop(out, field, byRole ? 'principals, role sessions by role' : title, byRole ? 'principal or role' : header, doc[field], matched, doc.caps.distinctValues, color);
    if (field === 'principals' && doc.origins) printOrigins(out, doc.origins, matched, doc.caps.distinctValues, color);
  }

  const d = doc.destructiveOrPolicy;
  out.write(`\n${color.bold('destructive and policy events')} (${count(d.total)})\n`);
  if (d.listed.length === 0) {
    out.write(color.dim('(none)') + '\n');
    return;
  }
  const table = wrappedTable(out, listedColumns(zone), color);
  for (const e of d.listed) {
    table.row([formatEventTime(e.time ?? '', zone), e.event, listedPrincipal(e.principal), e.key, e.region, e.sourceIp, e.error ?? ''], e.error ? color.red : color.yellow);
  }
  table.end();
  if (d.omitted > 0) {
    writeProse(out, `only the earliest ${count(d.listed.length)} are listed; ${count(d.omitted)} more (--top, or kmstrail filter --event <name>, shows more)`, color.yellow);
  }
}

export interface SummarySettings {
  /** Rows in each top table, and destructive events listed. */
  top: number;
  /** Principals as named, or role sessions rolled up to their role. */
  principalsBy?: PrincipalGrouping;
  /** Who is behind a record's session: given, the summary counts origins too. */
  originOf?: (record: JsonObject) => Origin;
}

/** Counts every record as it comes; prints the document at the end. */
function summarySink(print: (out: Output, doc: SummaryDocument, color: ChalkInstance, zone: TimeZone, chart: ChartStyle) => void) {
  return ({ out, color, zone, columns, ascii }: FormatContext, { top, principalsBy, originOf }: SummarySettings): RecordSink => {
    const chart = { width: columns ?? DEFAULT_WIDTH, ascii: ascii === true, color, zone };
    const summary = new SummaryAggregator(undefined, top, principalsBy, originOf);
    return {
      write: (record) => summary.add(record.record),
      end(totals) {
        const result = summary.result(top);
        const tables = [result.eventNames, result.principals, result.keys, result.sourceIps, result.regions, result.errorCodes, ...(result.origins ? [result.origins] : [])];
        print(out, { ...result, input: totals, top }, color, zone ?? UTC, chart);
        if (!tables.some((t) => t.capped)) return;
        return { warnings: [`warning: more than ${result.caps.distinctValues.toLocaleString('en-US')} distinct values in a table: later new values are counted as (other)`] };
      },
    };
  };
}

export const SUMMARY_FORMATS = defineFormats<SummarySettings>()({
  table: summarySink(printTable),
  json: summarySink((out, doc) => out.write(stableJson(doc, 2) + '\n')),
});

export type SummaryFormat = keyof typeof SUMMARY_FORMATS;
