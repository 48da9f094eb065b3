/**
 * Real trails hold the same event more than once (a delivery file stored under two names, a tree
 * copied twice). eventID alone is not enough to call two records the same: cross-account events are
 * delivered to both accounts under one eventID, and published examples reuse IDs. So a duplicate
 * is the same eventID with the same time, name, outcome and recipient account.
 */
import { errorCode, text, type JsonObject } from './record.js';

/** The identity of the event a record describes, or undefined when it has no eventID. */
export function eventFingerprint(record: JsonObject): string | undefined {
  const id = text(record, 'eventID');
  if (!id) return undefined;
  return [
    id,
    text(record, 'eventTime') ?? '',
    text(record, 'eventName') ?? '',
    errorCode(record) ?? '',
    text(record, 'recipientAccountId') ?? '',
  ].join('\u0000');
}
