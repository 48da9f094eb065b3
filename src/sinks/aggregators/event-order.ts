/**
 * Ordering records by when they happened. Trails arrive out of order (many files, many regions),
 * so "latest" must come from eventTime, and the result must not depend on which file was read
 * first: records in the same second are ordered by a tie-break made of their own fields.
 */
import { parseEventTime } from '../../cloudtrail/event-time.js';
import { principalArn, shortPrincipal } from '../../cloudtrail/principal.js';
import { text, type JsonObject } from '../../cloudtrail/record.js';

export interface Stamp {
  /** ms since the epoch; -Infinity when eventTime is missing or unreadable (older than anything). */
  ms: number;
  tie: string;
}

export function stampOf(record: JsonObject): Stamp {
  const eventName = text(record, 'eventName');
  return {
    ms: parseEventTime(record.eventTime) ?? -Infinity,
    tie: [LIFECYCLE[eventName ?? ''] ?? 1, eventName, text(record, 'eventID'), text(record, 'requestID'), principalLabel(record)].join('\u0000'),
  };
}

/**
 * In one second, a key is made before anything is done with it (the SANS lab's root made a key
 * and its alias in the same second) and deleted after: the tie-break starts with this rank, then
 * goes by name, as no file's order can be trusted across files.
 */
const LIFECYCLE: Record<string, number> = { CreateKey: 0, ReplicateKey: 0, DeleteKey: 2, DeleteExpiredKeyMaterial: 2 };

export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  return a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0;
}

/** `2024-03-01T10:00:00Z` (milliseconds only when not zero); null for an unknown time. */
export function isoTime(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace(/\.000Z$/, 'Z') : null;
}

/**
 * Who made the call, as one value to count: the ARN when there is one (unambiguous across
 * accounts), else the short name (an AWS service, "AWS Internal").
 */
export function principalLabel(record: JsonObject): string {
  return principalArn(record) || shortPrincipal(record) || '(unknown)';
}
