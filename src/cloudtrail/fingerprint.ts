/**
 * Real trails hold the same event more than once (a delivery file stored under two names, a tree
 * copied twice, at-least-once delivery). eventID alone is not enough to call two records the same:
 * cross-account events are delivered to both accounts under one eventID, and published examples
 * reuse IDs. So a copy is the same eventID with the same time, name, outcome and recipient account.
 */
import { Hasher } from '../util/hash64.js';
import { errorCode, text, type JsonObject } from './record.js';

/** The fields that make two records the same event, or undefined when the record has no eventID. */
function identity(record: JsonObject): string[] | undefined {
  const id = text(record, 'eventID');
  if (!id) return undefined;
  return [id, text(record, 'eventTime') ?? '', text(record, 'eventName') ?? '', errorCode(record) ?? '', text(record, 'recipientAccountId') ?? ''];
}

/** The identity of the event a record describes, as text; undefined when it has no eventID. */
export function eventFingerprint(record: JsonObject): string | undefined {
  return identity(record)?.join('\u0000');
}

/**
 * The same identity as a 64-bit hash ([hi, lo]): what the pipeline remembers of each record to
 * recognise its copies, 8 bytes instead of a string. Undefined when the record has no eventID
 * (it can then never be called a copy).
 */
export function eventFingerprintHash(record: JsonObject): [hi: number, lo: number] | undefined {
  const fields = identity(record);
  if (!fields) return undefined;
  const hasher = new Hasher();
  for (const field of fields) hasher.add(field);
  return hasher.digest();
}
