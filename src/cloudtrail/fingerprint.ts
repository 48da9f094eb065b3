/**
 * Real trails hold the same event more than once (a delivery file stored under two names, a tree
 * copied twice, at-least-once delivery). eventID alone is not enough to call two records the same:
 * cross-account events are delivered to both accounts under one eventID, and published examples
 * reuse IDs. So a copy is the same eventID with the same time, name, outcome and recipient account.
 */
import { Hasher } from '../util/hash64.js';
import { text, type JsonObject } from './record.js';

/** The top-level fields that make two records the same event (an empty errorCode is no errorCode). */
export const IDENTITY_KEYS = ['eventID', 'eventTime', 'eventName', 'errorCode', 'recipientAccountId'] as const;
export type IdentityKey = (typeof IDENTITY_KEYS)[number];

/**
 * A record's identity (IDENTITY_KEYS) as a 64-bit hash ([hi, lo]): what the pipeline remembers of each record to
 * recognise its copies, 8 bytes instead of a string. Undefined when the record has no eventID
 * (it can then never be called a copy).
 */
export function eventFingerprintHash(record: JsonObject): [hi: number, lo: number] | undefined {
  if (!text(record, 'eventID')) return undefined;
  return identityHash((hasher, key) => hasher.add(text(record, key) ?? ''));
}

/**
 * `eventFingerprintHash` of a record with an eventID, whose fields `add` adds to the hasher as
 * their text ('' when absent or not a string): how a reader that did not parse the record adds
 * them from its bytes.
 */
export function identityHash(add: (hasher: Hasher, key: IdentityKey) => void): [hi: number, lo: number] {
  const hasher = new Hasher();
  for (const key of IDENTITY_KEYS) add(hasher, key);
  return hasher.digest();
}
