/** Printing a summary: table (one screen for a human) or json (one document, stable layout). */
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import { formatEventTime } from '../cloudtrail/event-time.js';
import { stableJson } from './aggregators/stable-json.js';
import { SummaryAggregator, type SummaryResult, type TopTable } from './aggregators/summary.js';
import { activityChart, DEFAULT_WIDTH, type ChartStyle } from './activity-chart.js';
import type { Output } from './output.js';
import { defineFormats, type FormatContext, type InputTotals, type RecordSink } from './sink.js';
import { terminalSafe } from './terminal-safe.js';

export interface SummaryDocument extends SummaryResult {
  input: InputTotals;
  top: number;
}

/** Wide enough for a role ARN; longer values are cut with an ellipsis. */
const MAX_CELL = 80;

export function fit(value: string): string {
  const safe = terminalSafe(value);
  return safe.length > MAX_CELL ? `${safe.slice(0, MAX_CELL - 1)}…` : safe;
}

export const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;
const count = (n: number): string => n.toLocaleString('en-US');

export function newTable(headers: string[], color: ChalkInstance, rightAligned: number[] = []): Table.Table {
  return new Table({
    head: headers.map((h) => color.bold(h)),
    style: { head: [], border: [], compact: true },
    colAligns: headers.map((_, i) => (rightAligned.includes(i) ? 'right' : 'left')),
  });
}

type TopField = 'eventNames' | 'principals' | 'keys' | 'sourceIps' | 'regions' | 'errorCodes';

const TOP_TABLES: Array<[TopField, string, string]> = [
  ['eventNames', 'event names', 'event'],
  ['principals', 'principals', 'principal'],
  ['keys', 'keys', 'key'],
  ['sourceIps', 'source IPs', 'source IP'],
  ['regions', 'regions', 'region'],
  ['errorCodes', 'error codes', 'error code'],
];

function printTop(out: Output, title: string, header: string, t: TopTable, matched: number, cap: number, color: ChalkInstance): void {
  const shown = t.rows.length < t.distinct ? `, top ${t.rows.length}` : '';
  out.write(`\n${color.bold(title)} (${count(t.distinct)} distinct${shown})\n`);
  if (t.rows.length === 0) {
    out.write(color.dim('(none)') + '\n');
    return;
  }
  const table = newTable([header, 'count', 'share'], color, [1, 2]);
  // From the counts, not from `share` (already rounded to 4 decimals): rounded once, 27/38 is 71.1%.
  for (const row of t.rows) table.push([fit(row.value), count(row.count), percent(row.count / matched)]);
  out.write(table.toString() + '\n');
  if (t.capped) {
    out.write(color.yellow(`cap reached: only the first ${count(cap)} distinct values are counted; ${count(t.other)} records with later new values are counted as (other)`) + '\n');
  }
}

function printTable(out: Output, doc: SummaryDocument, color: ChalkInstance, chart: ChartStyle): void {
  const matched = doc.records;
  out.write(
    `${color.bold('files')} ${count(doc.input.files)}   ${color.bold('records read')} ${count(doc.input.recordsRead)}   ` +
      `${color.bold('matched')} ${count(matched)}   ${color.bold('duplicates dropped')} ${count(doc.input.duplicates)}\n`,
  );
  if (matched === 0) {
    out.write(color.dim('(no matching records)') + '\n');
    return;
  }
  const { first, last, unreadable } = doc.timeSpan;
  const span = first !== null && last !== null ? `${formatEventTime(first)} → ${formatEventTime(last)}` : 'unknown';
  out.write(`${color.bold('time span')} ${span}${unreadable ? ` (${count(unreadable)} records without a readable eventTime)` : ''}\n`);
  const share = (n: number) => `${count(n)} (${percent(n / matched)})`;
  out.write(
    `${color.bold('read-only')} ${share(doc.readOnly.readOnly)}   ${color.bold('mutating')} ${share(doc.readOnly.mutating)}` +
      (doc.readOnly.unknown ? `   ${color.bold('not marked')} ${share(doc.readOnly.unknown)}` : '') +
      `   ${color.bold('errors')} ${share(doc.errors)}\n`,
  );
  const activity = activityChart(doc.activity, chart);
  if (activity.length > 0) out.write(`\n${activity.join('\n')}\n`);
  for (const [field, title, header] of TOP_TABLES) {
    printTop(out, title, header, doc[field], matched, doc.caps.distinctValues, color);
  }

  const d = doc.destructiveOrPolicy;
  out.write(`\n${color.bold('destructive and policy events')} (${count(d.total)})\n`);
  if (d.listed.length === 0) {
    out.write(color.dim('(none)') + '\n');
    return;
  }
  const table = newTable(['time (UTC)', 'event', 'principal', 'key', 'region', 'source IP', 'error'], color);
  for (const e of d.listed) {
    const cells = [formatEventTime(e.time ?? ''), e.event, e.principal, e.key, e.region, e.sourceIp, e.error ?? ''].map(fit);
    const paint = e.error ? color.red : color.yellow;
    table.push(cells.map((c) => paint(c)));
  }
  out.write(table.toString() + '\n');
  if (d.omitted > 0) {
    out.write(color.yellow(`only the earliest ${count(d.listed.length)} are listed; ${count(d.omitted)} more (kmstrail filter --event <name> shows them all)`) + '\n');
  }
}

export interface SummarySettings {
  /** Rows in each top table. */
  top: number;
}

/** Counts every record as it comes; prints the document at the end. */
function summarySink(print: (out: Output, doc: SummaryDocument, color: ChalkInstance, chart: ChartStyle) => void) {
  return ({ out, color, columns, ascii }: FormatContext, { top }: SummarySettings): RecordSink => {
    const chart = { width: columns ?? DEFAULT_WIDTH, ascii: ascii === true, color };
    const summary = new SummaryAggregator();
    return {
      write: (record) => summary.add(record.record),
      end(totals) {
        const result = summary.result(top);
        const tables = [result.eventNames, result.principals, result.keys, result.sourceIps, result.regions, result.errorCodes];
        print(out, { ...result, input: totals, top }, color, chart);
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
