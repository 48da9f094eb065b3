/**
 * The activity histogram: bucket sizes and their alignment, the choice of size from the span, the
 * roll-up when the fine histogram is full, and the series, against counts made here by plain
 * flooring of the times (the ladder is written out again here, not imported).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActivityHistogram, bucketSizeAt, bucketStart, chooseLevel, MAX_BUCKETS, rollUp } from '../../../../src/sinks/aggregators/activity.js';
import { loadRecords, shuffled } from '../../fixtures.js';
import { HAVE_SANS, sansKmsRecords } from '../../sans-records.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** The ladder as the README states it, in ms; past 4w sizes double. */
const LADDER = [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 6 * HOUR, DAY, WEEK, 4 * WEEK];
const MONDAY_1970 = Date.UTC(1970, 0, 5);

const at = (iso: string) => Date.parse(iso);

/** Counts per bucket of `size` ms (weeks and up from Mondays), by flooring each time: the reference. */
function reference(times: readonly number[], size: number): Map<number, number> {
  const origin = size >= WEEK ? MONDAY_1970 : 0;
  const counts = new Map<number, number>();
  for (const t of times) {
    const start = origin + Math.floor((t - origin) / size) * size;
    counts.set(start, (counts.get(start) ?? 0) + 1);
  }
  return counts;
}

/** The size the README's rule picks: the smallest of the ladder whose buckets over the span are at most 48. */
function expectedSize(times: readonly number[], finest = 0): number {
  const first = Math.min(...times);
  const last = Math.max(...times);
  for (let level = finest; ; level++) {
    const size = level < LADDER.length ? LADDER[level] : 4 * WEEK * 2 ** (level - LADDER.length + 1);
    const origin = size >= WEEK ? MONDAY_1970 : 0;
    const buckets = Math.floor((last - origin) / size) - Math.floor((first - origin) / size) + 1;
    if (buckets <= 48) return size;
  }
}

function histogram(times: ReadonlyArray<number | undefined>, cap?: number): ActivityHistogram {
  const h = new ActivityHistogram(cap);
  for (const t of times) h.add(t);
  return h;
}

describe('bucket sizes', () => {
  it('are the ladder 1m 5m 15m 1h 6h 1d 1w 4w, then doubling weeks', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((l) => bucketSizeAt(l).label)).toEqual(['1m', '5m', '15m', '1h', '6h', '1d', '1w', '4w', '8w', '16w']);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((l) => bucketSizeAt(l).ms)).toEqual(LADDER);
  });

  it('each divides the next, and their buckets nest (rolling up moves whole buckets)', () => {
    for (let level = 0; level < 12; level++) {
      const small = bucketSizeAt(level);
      const big = bucketSizeAt(level + 1);
      expect(big.ms % small.ms).toBe(0);
      // A small bucket's first and last millisecond fall in the same big bucket.
      for (const t of [at('2021-07-30T16:59:59Z'), at('1969-12-31T23:00:00Z'), at('2024-02-29T12:34:56Z')]) {
        const start = bucketStart(t, small);
        expect(bucketStart(start, big)).toBe(bucketStart(start + small.ms - 1, big));
      }
    }
  });

  it('days start at midnight UTC, weeks on Mondays, hours on the hour', () => {
    const t = at('2024-03-06T17:42:13.500Z'); // a Wednesday
    expect(new Date(bucketStart(t, bucketSizeAt(0))).toISOString()).toBe('2024-03-06T17:42:00.000Z');
    expect(new Date(bucketStart(t, bucketSizeAt(2))).toISOString()).toBe('2024-03-06T17:30:00.000Z');
    expect(new Date(bucketStart(t, bucketSizeAt(3))).toISOString()).toBe('2024-03-06T17:00:00.000Z');
    expect(new Date(bucketStart(t, bucketSizeAt(4))).toISOString()).toBe('2024-03-06T12:00:00.000Z');
    expect(new Date(bucketStart(t, bucketSizeAt(5))).toISOString()).toBe('2024-03-06T00:00:00.000Z');
    expect(new Date(bucketStart(t, bucketSizeAt(6))).toISOString()).toBe('2024-03-04T00:00:00.000Z');
    expect(new Date(bucketStart(t, bucketSizeAt(6))).getUTCDay()).toBe(1);
  });
});

describe('the size chosen from the span', () => {
  const cases: Array<[string, string, string]> = [
    ['2024-03-01T10:00:00Z', '2024-03-01T10:00:00Z', '1m'],
    ['2024-03-01T10:00:00Z', '2024-03-01T10:47:59Z', '1m'],
    ['2024-03-01T10:00:00Z', '2024-03-01T10:48:00Z', '5m'],
    ['2024-03-01T10:00:00Z', '2024-03-01T13:59:59Z', '5m'],
    ['2024-03-01T10:00:00Z', '2024-03-01T21:00:00Z', '15m'],
    ['2024-03-01T00:00:00Z', '2024-03-02T23:59:59Z', '1h'],
    ['2024-03-01T00:00:00Z', '2024-03-03T00:00:00Z', '6h'],
    ['2024-03-01T00:00:00Z', '2024-03-12T23:59:59Z', '6h'],
    ['2024-03-01T00:00:00Z', '2024-04-15T00:00:00Z', '1d'],
    ['2024-01-01T00:00:00Z', '2024-10-01T00:00:00Z', '1w'],
    ['2021-01-01T00:00:00Z', '2024-06-01T00:00:00Z', '4w'],
    ['2014-11-04T00:50:30Z', '2022-12-23T19:26:54Z', '16w'],
  ];
  for (const [first, last, size] of cases) {
    it(`${first} to ${last}: ${size}`, () => {
      expect(bucketSizeAt(chooseLevel(at(first), at(last), 0, MAX_BUCKETS)).label).toBe(size);
      expect(histogram([at(first), at(last)]).series().bucket).toBe(size);
    });
  }

  it('never below the resolution the counts are held at', () => {
    expect(bucketSizeAt(chooseLevel(at('2024-03-01T10:00:00Z'), at('2024-03-01T10:05:00Z'), 3, MAX_BUCKETS)).label).toBe('1h');
  });
});

describe('the series', () => {
  it('has every bucket from the first to the last, empty ones at 0, counting every timed record once', () => {
    const times = ['2024-03-01T10:05:00Z', '2024-03-01T10:59:59Z', '2024-03-01T13:00:00Z', '2024-03-01T13:30:00Z', '2024-03-01T13:30:00Z'].map(at);
    const s = histogram([...times, undefined, undefined]).series(4);
    expect(s.bucket).toBe('1h');
    expect(s.bucketSeconds).toBe(3600);
    expect(s.buckets).toEqual([
      { start: '2024-03-01T10:00:00Z', count: 2 },
      { start: '2024-03-01T11:00:00Z', count: 0 },
      { start: '2024-03-01T12:00:00Z', count: 0 },
      { start: '2024-03-01T13:00:00Z', count: 3 },
    ]);
    expect(s.timed).toBe(5);
    expect(s.untimed).toBe(2);
    expect(s.busiest).toEqual(['2024-03-01T13:00:00Z', '2024-03-01T10:00:00Z']);
  });

  it('marks at most three busiest buckets, ties to the earlier', () => {
    const times = ['10:00', '10:01', '11:00', '11:01', '12:00', '12:01', '13:00', '14:00', '14:01', '14:02'].map((t) => at(`2024-03-01T${t}:00Z`));
    expect(histogram(times).series(6).busiest).toEqual(['2024-03-01T14:00:00Z', '2024-03-01T10:00:00Z', '2024-03-01T11:00:00Z']);
  });

  it('no time at all: no buckets, everything untimed', () => {
    const s = histogram([undefined, undefined, undefined]).series();
    expect(s.buckets).toEqual([]);
    expect(s.busiest).toEqual([]);
    expect({ timed: s.timed, untimed: s.untimed }).toEqual({ timed: 0, untimed: 3 });
    expect(histogram([]).series()).toMatchObject({ buckets: [], timed: 0, untimed: 0 });
  });

  it('rollUp adds up the buckets that nest into one', () => {
    const counts = new Map([
      [at('2024-03-01T10:00:00Z'), 2],
      [at('2024-03-01T10:59:00Z'), 3],
      [at('2024-03-01T11:00:00Z'), 1],
    ]);
    expect([...rollUp(counts, bucketSizeAt(3))]).toEqual([
      [at('2024-03-01T10:00:00Z'), 5],
      [at('2024-03-01T11:00:00Z'), 1],
    ]);
  });

  it('equals flooring the times into the size the span calls for, in any order, with any cap (property)', () => {
    const time = fc.integer({ min: at('1990-01-01T00:00:00Z'), max: at('2030-01-01T00:00:00Z') });
    const spread = fc.oneof(
      fc.array(time, { minLength: 1, maxLength: 300 }),
      // clustered: minutes to days apart, where the small sizes are chosen
      fc.tuple(time, fc.array(fc.integer({ min: 0, max: 3 * DAY }), { minLength: 1, maxLength: 300 })).map(([base, offsets]) => offsets.map((o) => base + o)),
    );
    fc.assert(
      fc.property(spread, fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 20 }), (times, cap, untimed) => {
        const h = new ActivityHistogram(cap);
        for (const t of times) h.add(t);
        for (let i = 0; i < untimed; i++) h.add(undefined);
        const s = h.series();
        const held = h.resolution.ms;
        const size = expectedSize(times, LADDER.indexOf(held) >= 0 ? LADDER.indexOf(held) : LADDER.length);
        expect(s.bucketSeconds * 1000).toBe(Math.max(size, held));
        const counts = reference(times, s.bucketSeconds * 1000);
        expect(s.buckets.filter((b) => b.count > 0).map((b) => [Date.parse(b.start), b.count])).toEqual(
          [...counts].sort((a, b) => a[0] - b[0]),
        );
        expect(s.buckets.length).toBeLessThanOrEqual(MAX_BUCKETS);
        expect(s.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(times.length);
        expect(s.untimed).toBe(untimed);
        // Consecutive starts, one size apart.
        for (let i = 1; i < s.buckets.length; i++) expect(Date.parse(s.buckets[i].start) - Date.parse(s.buckets[i - 1].start)).toBe(s.bucketSeconds * 1000);
      }),
      { numRuns: 300 },
    );
  });

  it('holds at most `cap` fine buckets, rolling up when full', () => {
    const h = new ActivityHistogram(10);
    for (let m = 0; m < 100; m++) h.add(at('2024-03-01T00:00:00Z') + m * 7 * MINUTE);
    // 100 records 7 minutes apart over 693 minutes: 100 minutes, 100 5-minute buckets, 47 of 15
    // minutes and 12 hours are all more than 10; two buckets of 6h hold them.
    expect(h.resolution.label).toBe('6h');
    expect(h.series().buckets.reduce((sum, b) => sum + b.count, 0)).toBe(100);
  });
});

describe('on real records', () => {
  it('kms-docs: the same series whatever the order the records come in', () => {
    const times = loadRecords('kms-docs.json').map((r) => (typeof r.eventTime === 'string' ? Date.parse(r.eventTime) : undefined));
    const s = histogram(times).series();
    expect(histogram(shuffled(times, 7)).series()).toEqual(s);
    expect(s.timed + s.untimed).toBe(times.length);
  });

  it.skipIf(!HAVE_SANS)('SANS lab KMS records: per-hour counts of 2021-07-30 are the hours of their eventTime', () => {
    const day = sansKmsRecords().filter((r) => typeof r.eventTime === 'string' && r.eventTime.startsWith('2021-07-30'));
    const s = histogram(day.map((r) => Date.parse(r.eventTime as string))).series();
    expect(s.bucket).toBe('1h');
    const hours = new Map<string, number>();
    for (const r of day) {
      const hour = `${(r.eventTime as string).slice(0, 13)}:00:00Z`;
      hours.set(hour, (hours.get(hour) ?? 0) + 1);
    }
    expect(s.buckets.filter((b) => b.count > 0).map((b) => [b.start, b.count])).toEqual([...hours].sort());
    expect(s.busiest[0]).toBe('2021-07-30T16:00:00Z');
  });
});
