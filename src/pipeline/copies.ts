/**
 * The pipeline stage that drops copies: a record whose event (src/cloudtrail/fingerprint.ts) was
 * already taken earlier in the run, as when a delivery file is stored under two names. Every
 * command sees the same records whatever it does with them, so every command counts the same.
 * What it remembers is a 64-bit hash per record taken, in a compact set (src/util/hash64-set.ts)
 * with a cap: past the cap, copies of records not yet remembered are let through, and the run
 * says from where.
 */
import { eventFingerprintHash } from '../cloudtrail/fingerprint.js';
import type { TrailRecord } from '../reader/trail-record.js';
import { Hash64Set } from '../util/hash64-set.js';

/** Distinct records remembered: every record of a ~20 GB trail; the set then holds ~190 MB. */
export const COPIES_REMEMBERED = 20_000_000;

/**
 * A record's fingerprint: the one noted where it was read (a worker, or a reader that did not parse
 * it), else hashed from its parse; null when it has no eventID.
 */
export function fingerprintOf(record: TrailRecord): [hi: number, lo: number] | null {
  return record.fingerprint !== undefined ? record.fingerprint : (eventFingerprintHash(record.record) ?? null);
}

export class CopyFilter {
  /** Copies dropped so far. */
  dropped = 0;
  /** Where the cap was reached: copies of records after this place may pass. */
  fullAt: { file: string; line: number } | undefined;
  private readonly seen: Hash64Set;

  constructor(cap = COPIES_REMEMBERED) {
    this.seen = new Hash64Set(cap);
  }

  /** True for a copy of a record taken before (and counts it); false for a record to take. */
  isCopy(record: TrailRecord): boolean {
    const hash = fingerprintOf(record);
    if (!hash) return false;
    const verdict = this.seen.add(hash[0], hash[1]);
    if (verdict === 'seen') {
      this.dropped++;
      return true;
    }
    if (verdict === 'full') this.fullAt ??= { file: record.file, line: record.line };
    return false;
  }

  get cap(): number {
    return this.seen.maxEntries;
  }
}
