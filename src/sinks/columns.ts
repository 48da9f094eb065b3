/**
 * The columns of table and csv output: one definition each, so the two formats and `--fields`
 * cannot drift apart.
 */
import { formatEventTime } from '../cloudtrail/event-time.js';
import { displayKey } from '../cloudtrail/key-reference.js';
import { shortPrincipal } from '../cloudtrail/principal.js';
import { errorCode, text, type JsonObject } from '../cloudtrail/record.js';
import type { TrailRecord } from '../reader/trail-record.js';

export interface Column {
  id: string;
  header: string;
  value(record: JsonObject, origin: TrailRecord): string;
}

export const COLUMNS: readonly Column[] = [
  { id: 'time', header: 'time (UTC)', value: (r) => formatEventTime(r.eventTime) },
  { id: 'event', header: 'event', value: (r) => text(r, 'eventName') ?? '' },
  { id: 'principal', header: 'principal', value: (r) => shortPrincipal(r) },
  { id: 'key', header: 'key', value: (r) => displayKey(r) },
  { id: 'region', header: 'region', value: (r) => text(r, 'awsRegion') ?? '' },
  { id: 'source-ip', header: 'source IP', value: (r) => text(r, 'sourceIPAddress') ?? '' },
  { id: 'error', header: 'error', value: (r) => errorCode(r) ?? '' },
  { id: 'account', header: 'account', value: (r) => text(r, 'recipientAccountId') ?? '' },
  { id: 'principal-arn', header: 'principal ARN', value: (r) => text(r, 'userIdentity', 'arn') ?? '' },
  { id: 'source', header: 'source', value: (r) => text(r, 'eventSource') ?? '' },
  { id: 'user-agent', header: 'user agent', value: (r) => text(r, 'userAgent') ?? '' },
  { id: 'event-id', header: 'event ID', value: (r) => text(r, 'eventID') ?? '' },
  { id: 'error-message', header: 'error message', value: (r) => text(r, 'errorMessage') ?? '' },
  { id: 'file', header: 'file', value: (_r, origin) => origin.file },
  // Who is behind the session: filled in by the command, which alone holds the issuing calls
  // (src/cli/read-run.ts completeOrigins); see `withOrigins`.
  { id: 'origin', header: 'origin', value: () => '' },
];

/** The columns with `origin` made to say who is behind each record's session. */
export function withOrigins(columns: readonly Column[], originLabel: (record: JsonObject) => string): Column[] {
  return columns.map((c) => (c.id === 'origin' ? { ...c, value: (r: JsonObject) => originLabel(r) } : c));
}

export const DEFAULT_COLUMNS = ['time', 'event', 'principal', 'key', 'region', 'source-ip', 'error'];

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
