/**
 * The report's per-key timelines: for each chosen key, the events that changed it or were refused
 * (every record not marked read-only, and every failed call), in eventTime order, and the
 * successful read-only calls (Decrypt, DescribeKey, ... often millions) counted by operation.
 * A record belongs to a key when it names it by ID or ARN, as `kmstrail timeline --key <ARN>`
 * matches it, so a timeline can be followed up in the terminal.
 */
import { keyReferences, parseKeyReference, sameKey, type KeyReference } from '../../cloudtrail/key-reference.js';
import { errorCode, readOnlyFlag, text, type JsonObject } from '../../cloudtrail/record.js';
import { CappedCounter, type CountRow } from './capped-counter.js';
import { Timeline, type TimelineEntry } from './timeline.js';

/** Events listed per key; the earliest are kept. */
export const EVENTS_LISTED_PER_KEY = 500;
/** More distinct event names than KMS has APIs only happens with --all-sources or crafted input. */
const OPERATIONS_PER_KEY = 1_000;

export interface KeyTimeline {
  /** The key's ARN, as the inventory names it. */
  key: string;
  /** Events not marked read-only and failed calls, earliest first. */
  entries: TimelineEntry[];
  /** Such events past the listed ones. */
  omitted: number;
  /** Successful read-only calls, not listed: how many, by operation. */
  readOnly: { total: number; operations: CountRow[] };
}

/** Is this event part of a key's story (listed), or a routine successful read (counted)? */
export function listedInKeyTimeline(record: JsonObject): boolean {
  return readOnlyFlag(record) !== true || errorCode(record) !== undefined;
}

interface Followed {
  ref: KeyReference;
  timeline: Timeline;
  reads: CappedCounter;
  readTotal: number;
}

export class KeyTimelines {
  /** By key ID: only records naming one of these IDs are looked at further. */
  private readonly byId = new Map<string, Followed[]>();
  private readonly followed: Followed[] = [];

  /** `keys`: ARNs (or IDs) of the keys to follow. */
  constructor(keys: readonly string[], listCap: number = EVENTS_LISTED_PER_KEY) {
    for (const key of keys) {
      const ref = parseKeyReference(key);
      if (ref?.keyId === undefined) continue;
      const followed: Followed = { ref, timeline: new Timeline(listCap), reads: new CappedCounter(OPERATIONS_PER_KEY), readTotal: 0 };
      this.followed.push(followed);
      this.byId.set(ref.keyId, [...(this.byId.get(ref.keyId) ?? []), followed]);
    }
  }

  add(record: JsonObject): void {
    if (this.followed.length === 0) return;
    const refs = keyReferences(record);
    const hit = new Set<Followed>();
    for (const ref of refs) {
      if (ref.keyId === undefined) continue;
      for (const followed of this.byId.get(ref.keyId) ?? []) if (sameKey(followed.ref, ref)) hit.add(followed);
    }
    if (hit.size === 0) return;
    const listed = listedInKeyTimeline(record);
    for (const followed of hit) {
      if (listed) followed.timeline.add(record);
      else {
        followed.readTotal++;
        followed.reads.add(text(record, 'eventName') ?? '(none)');
      }
    }
  }

  result(): KeyTimeline[] {
    return this.followed.map((f) => ({
      key: f.ref.given,
      entries: f.timeline.entries(),
      omitted: f.timeline.omitted,
      readOnly: { total: f.readTotal, operations: f.reads.top() },
    }));
  }
}
