/**
 * The columns of table and csv output: one definition each, so the two formats and `--fields`
 * cannot drift apart. Each column says how it gives way on a narrow terminal (`fit`, see
 * wrapped-table.ts): the table fits the screen, csv always has every value whole.
 */
import { formatEventTime, isoEventTime } from '../cloudtrail/event-time.js';
import { displayKey } from '../cloudtrail/key-reference.js';
import { shortPrincipal } from '../cloudtrail/principal.js';
import { errorCode, text, type JsonObject } from '../cloudtrail/record.js';
import type { TrailRecord } from '../reader/trail-record.js';
import { UTC, type TimeZone } from '../util/time-zone.js';
import type { TableColumn } from './wrapped-table.js';

/** How a time is written: the table's `2024-03-01 10:00:00Z` or csv's ISO 8601, in the chosen zone. */
export type TimeText = (value: unknown) => string;

export interface Column {
  /** The `--fields` name, and the csv header. */
  id: string;
  /** The table header. */
  header: string;
  /** The header names the time zone: `time (UTC)`. */
  zoned?: boolean;
  /** Narrow terminals: how the column gives way (wrapped-table.ts). */
  fit: Omit<TableColumn, 'header'>;
  value(record: JsonObject, origin: TrailRecord, time: TimeText): string;
}

/** Times are never cut, so a time column is as wide as its values. */
const WHOLE = Number.MAX_SAFE_INTEGER;

// At 80 columns the default table is time, event, principal and key at their minimums: an event
// whole up to 19 (ScheduleKeyDeletion, GenerateDataKeyPair), a key still telling its first 8 hex digits.
export const COLUMNS: readonly Column[] = [
  { id: 'time', header: 'time', zoned: true, fit: { min: WHOLE }, value: (r, _o, time) => time(r.eventTime) },
  { id: 'event', header: 'event', fit: { min: 19 }, value: (r) => text(r, 'eventName') ?? '' },
  { id: 'principal', header: 'principal', fit: { min: 14, drop: 1 }, value: (r) => shortPrincipal(r) },
  { id: 'key', header: 'key', fit: { min: 12, drop: 3 }, value: (r) => displayKey(r) },
  { id: 'region', header: 'region', fit: { min: 9, drop: 5 }, value: (r) => text(r, 'awsRegion') ?? '' },
  { id: 'source-ip', header: 'source IP', fit: { min: 15, drop: 4 }, value: (r) => text(r, 'sourceIPAddress') ?? '' },
  { id: 'error', header: 'error', fit: { min: 12, drop: 2 }, value: (r) => errorCode(r) ?? '' },
  { id: 'account', header: 'account', fit: { min: 12, drop: 6 }, value: (r) => text(r, 'recipientAccountId') ?? '' },
  { id: 'principal-arn', header: 'principal ARN', fit: { min: 20, drop: 3, cut: 'start' }, value: (r) => text(r, 'userIdentity', 'arn') ?? '' },
  { id: 'source', header: 'source', fit: { min: 12, drop: 6 }, value: (r) => text(r, 'eventSource') ?? '' },
  { id: 'user-agent', header: 'user agent', fit: { min: 12, drop: 7 }, value: (r) => text(r, 'userAgent') ?? '' },
  { id: 'event-id', header: 'event ID', fit: { min: 12, drop: 7 }, value: (r) => text(r, 'eventID') ?? '' },
  { id: 'error-message', header: 'error message', fit: { min: 16, drop: 7 }, value: (r) => text(r, 'errorMessage') ?? '' },
  { id: 'file', header: 'file', fit: { min: 12, drop: 8 }, value: (_r, origin) => origin.file },
  // Who is behind the session: filled in by the command, which alone holds the issuing calls
  // (src/cli/read-run.ts completeOrigins); see `withOrigins`.
  { id: 'origin', header: 'origin', fit: { min: 12, drop: 2 }, value: () => '' },
];

/** The columns with `origin` made to say who is behind each record's session. */
export function withOrigins(columns: readonly Column[], originLabel: (record: JsonObject) => string): Column[] {
  return columns.map((c) => (c.id === 'origin' ? { ...c, value: (r: JsonObject) => originLabel(r) } : c));
}

export const DEFAULT_COLUMNS = ['time', 'event', 'principal', 'key', 'region', 'source-ip', 'error'];

/** The column of an id (`--fields` names): for tables that show the same values from elsewhere. */
export function columnOf(id: string): Column {
  const column = COLUMNS.find((c) => c.id === id);
  if (!column) throw new Error(`no column '${id}'`);
  return column;
}

/** The table's header and fit of a column, the zone named in a time header. */
export function tableColumn(column: Column, zone: TimeZone = UTC): TableColumn {
  return { header: column.zoned ? zonedHeader(column.header, zone) : column.header, ...column.fit };
}

/** `time (UTC)`, `time (Europe/Paris)`: tables say which clock their times are on. */
export function zonedHeader(header: string, zone: TimeZone): string {
  return `${header} (${zone.name})`;
}

/** The table's spelling of times in a zone. */
export const tableTime =
  (zone: TimeZone = UTC): TimeText =>
  (value) =>
    formatEventTime(value, zone);

/** csv's spelling of times in a zone: ISO 8601, for scripts and spreadsheets. */
export const isoTime =
  (zone: TimeZone = UTC): TimeText =>
  (value) =>
    isoEventTime(value, zone);

/** Resolves `--fields a,b`; returns the unknown name when there is one. */
export function selectColumns(ids: readonly string[]): Column[] | { unknown: string } {
  const chosen: Column[] = [];
  for (const id of ids) {
    const column = COLUMNS.find((c) => c.id === id.toLowerCase());
    if (!column) return { unknown: id };
    chosen.push(column);
  }
  return chosen;
}
