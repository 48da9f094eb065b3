/**
 * The copy filter: a record of an event already taken (same eventID, time, name, outcome and
 * recipient account) is dropped, whichever command runs; records that only share an eventID are
 * different events; past its cap it lets records through and says from where.
 */
import { describe, expect, it } from 'vitest';
import { eventFingerprintHash } from '../../../src/cloudtrail/fingerprint.js';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { CopyFilter } from '../../../src/pipeline/copies.js';
import type { TrailRecord } from '../../../src/reader/trail-record.js';
import { Hash64Set } from '../../../src/util/hash64-set.js';
import { hash64 } from '../../../src/util/hash64.js';
import { derive, loadRecords, K } from '../fixtures.js';

const at = (record: JsonObject, line = 1): TrailRecord => ({ record, raw: undefined, file: 'f.json', offset: 0, line });

describe('CopyFilter', () => {
  const pair = loadRecords(K).filter((r) => r.eventID === 'b79603d5-4cde-46fc-819c-a7cf547b9df4');

  it('drops copies of one event, keeps events that only share an eventID (the KMS guide reuses one for two calls)', () => {
    expect(pair).toHaveLength(2);
    const copies = new CopyFilter();
    const kept = [...pair, ...pair, pair[0]].filter((r) => !copies.isCopy(at(r)));
    expect(kept).toEqual(pair);
    expect(copies.dropped).toBe(3);
  });

  it('cross-account deliveries of one eventID are two events; a record without eventID is never a copy', () => {
    const copies = new CopyFilter();
    const other = derive(pair[0], { recipientAccountId: '444455556666' });
    const anonymous = derive(pair[0], { eventID: undefined });
    expect([pair[0], other, anonymous, anonymous].map((r) => copies.isCopy(at(r)))).toEqual([false, false, false, false]);
  });

  it('a fingerprint worked out by a worker thread counts the same as one worked out here', () => {
    const copies = new CopyFilter();
    expect(copies.isCopy({ ...at(pair[0]), fingerprint: eventFingerprintHash(pair[0]) })).toBe(false);
    expect(copies.isCopy(at(pair[0]))).toBe(true);
  });

  it('past its cap it remembers no more, lets those records through, and says where that began', () => {
    const copies = new CopyFilter(2);
    const records = Array.from({ length: 4 }, (_, i) => derive(pair[0], { eventID: `id-${i}` }));
    expect(records.map((r, i) => copies.isCopy(at(r, i + 1)))).toEqual([false, false, false, false]);
    expect(copies.fullAt).toEqual({ file: 'f.json', line: 3 });
    // Those remembered are still recognised; the later ones pass again.
    expect(copies.isCopy(at(records[1]))).toBe(true);
    expect(copies.isCopy(at(records[3]))).toBe(false);
  });
});

describe('Hash64Set', () => {
  it('answers new, then seen, for every key; exact over a million distinct keys', () => {
    const set = new Hash64Set();
    const n = 1_000_000;
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      const [hi, lo] = hash64(`event-${i}`);
      if (set.add(hi, lo) !== 'new') wrong++;
    }
    for (let i = 0; i < n; i += 3) {
      const [hi, lo] = hash64(`event-${i}`);
      if (set.add(hi, lo) !== 'seen') wrong++;
    }
    expect(wrong).toBe(0);
    expect(set.size).toBe(n);
    // 8 bytes a slot, at most 90% full, and never more than twice what the keys need.
    expect(set.bytes).toBeGreaterThanOrEqual((n * 8) / 0.9);
    expect(set.bytes).toBeLessThan(n * 8 * 2);
  });

  it('keys differing in one bit, and the all-zero key, are all distinct', () => {
    const set = new Hash64Set();
    const keys: Array<[number, number]> = [[0, 0], [0, 1], [1, 0], [0x80000000, 0], [0, 0x80000000], [0xffffffff, 0xffffffff]];
    expect(keys.map(([hi, lo]) => set.add(hi, lo))).toEqual(['new', 'new', 'new', 'new', 'new', 'new']);
    expect(keys.map(([hi, lo]) => set.add(hi, lo))).toEqual(['seen', 'seen', 'seen', 'seen', 'seen', 'seen']);
  });
});
