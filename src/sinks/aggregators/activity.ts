/**
 * Activity over time: how many records fell in each time bucket, for the charts of `summary`,
 * `timeline` and `report`. Only counts are held, per bucket of a fine resolution (a minute to
 * start with). A trail that spans years at minute resolution would need millions of buckets, so
 * when the fine histogram holds more than `cap` buckets it is rolled up to the next size of the
 * ladder; at the end it is rolled up once more to the size that draws the whole span in at most
 * `maxBuckets` buckets. Every size of the ladder divides the next, and buckets are aligned on UTC
 * (days at midnight, weeks on Mondays), so rolling up moves whole buckets and the counts are exact
 * whatever the order the records arrive in.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** 1970-01-05, the first Monday after the epoch: weeks start on Mondays, as ISO 8601 weeks do. */
const MONDAY = 4 * DAY;

export interface BucketSize {
  /** As people write it: `1m`, `15m`, `6h`, `1d`, `1w`. */
  label: string;
  ms: number;
  /** Where buckets of this size start, modulo `ms` (0 is the epoch, midnight UTC). */
  origin: number;
}

/** The sizes the charts use, smallest first; past the last, sizes double (8w, 16w, ...). */
export const BUCKET_LADDER: readonly BucketSize[] = [
  { label: '1m', ms: MINUTE, origin: 0 },
  { label: '5m', ms: 5 * MINUTE, origin: 0 },
  { label: '15m', ms: 15 * MINUTE, origin: 0 },
  { label: '1h', ms: HOUR, origin: 0 },
  { label: '6h', ms: 6 * HOUR, origin: 0 },
  { label: '1d', ms: DAY, origin: 0 },
  { label: '1w', ms: WEEK, origin: MONDAY },
  { label: '4w', ms: 4 * WEEK, origin: MONDAY },
];

/** Buckets drawn at most: one terminal screen of rows, two days of hours, 48 days of days. */
export const MAX_BUCKETS = 48;
/** Fine buckets held at most while counting (each a Map entry): 69 days of minutes. */
export const FINE_BUCKET_CAP = 100_000;
/** How many of the busiest buckets are marked. */
export const BUSIEST_MARKED = 3;

/** The size at `level` of the ladder, doubling past its end so that any span fits. */
export function bucketSizeAt(level: number): BucketSize {
  if (level < BUCKET_LADDER.length) return BUCKET_LADDER[level];
  const top = BUCKET_LADDER[BUCKET_LADDER.length - 1];
  const weeks = (top.ms / WEEK) * 2 ** (level - BUCKET_LADDER.length + 1);
  return { label: `${weeks}w`, ms: weeks * WEEK, origin: MONDAY };
}

/** The start (ms) of the bucket of this size that holds `ms`. */
export function bucketStart(ms: number, size: BucketSize): number {
  return size.origin + Math.floor((ms - size.origin) / size.ms) * size.ms;
}

/** The same counts in buckets of `to` (a size `from` divides), as a new map. */
export function rollUp(counts: ReadonlyMap<number, number>, to: BucketSize): Map<number, number> {
  const out = new Map<number, number>();
  for (const [start, count] of counts) {
    const key = bucketStart(start, to);
    out.set(key, (out.get(key) ?? 0) + count);
  }
  return out;
}

/**
 * The smallest level, from `finest` up, at which the span from `first` to `last` (ms) takes at
 * most `maxBuckets` buckets.
 */
export function chooseLevel(first: number, last: number, finest: number, maxBuckets: number): number {
  for (let level = finest; ; level++) {
    const size = bucketSizeAt(level);
    if ((bucketStart(last, size) - bucketStart(first, size)) / size.ms + 1 <= maxBuckets) return level;
  }
}

export interface ActivityBucket {
  /** ISO 8601, UTC. */
  start: string;
  count: number;
}

export interface ActivitySeries {
  /** The bucket size, `1h` say. */
  bucket: string;
  bucketSeconds: number;
  /** Every bucket from the first record's to the last one's, empty ones included, in time order. */
  buckets: ActivityBucket[];
  /** Records counted in the buckets: with `untimed`, every record the histogram was given. */
  timed: number;
  /** Records without a readable eventTime: in no bucket. */
  untimed: number;
  /** The starts of the busiest buckets (at most three), busiest first; ties go to the earlier. */
  busiest: string[];
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

export class ActivityHistogram {
  private level = 0;
  private counts = new Map<number, number>();
  private timed = 0;
  private untimed = 0;

  constructor(private readonly cap: number = FINE_BUCKET_CAP) {}

  /** One record, by its eventTime in ms (undefined when it has no readable one). */
  add(ms: number | undefined): void {
    if (ms === undefined || !Number.isFinite(ms)) {
      this.untimed++;
      return;
    }
    this.timed++;
    const start = bucketStart(ms, bucketSizeAt(this.level));
    const held = this.counts.get(start);
    if (held !== undefined) {
      this.counts.set(start, held + 1);
      return;
    }
    this.counts.set(start, 1);
    while (this.counts.size > this.cap) this.counts = rollUp(this.counts, bucketSizeAt(++this.level));
  }

  /** The size the counts are held at now (it grows only when the cap is reached). */
  get resolution(): BucketSize {
    return bucketSizeAt(this.level);
  }

  series(maxBuckets: number = MAX_BUCKETS): ActivitySeries {
    if (this.counts.size === 0) {
      const size = bucketSizeAt(this.level);
      return { bucket: size.label, bucketSeconds: size.ms / 1000, buckets: [], timed: 0, untimed: this.untimed, busiest: [] };
    }
    let first = Infinity;
    let last = -Infinity;
    for (const start of this.counts.keys()) {
      if (start < first) first = start;
      if (start > last) last = start;
    }
    const size = bucketSizeAt(chooseLevel(first, last, this.level, maxBuckets));
    const counts = rollUp(this.counts, size);
    const buckets: ActivityBucket[] = [];
    for (let start = bucketStart(first, size); start <= last; start += size.ms) {
      buckets.push({ start: iso(start), count: counts.get(start) ?? 0 });
    }
    const busiest = buckets
      .filter((b) => b.count > 0)
      .sort((a, b) => b.count - a.count || (a.start < b.start ? -1 : 1))
      .slice(0, BUSIEST_MARKED)
      .map((b) => b.start);
    return { bucket: size.label, bucketSeconds: size.ms / 1000, buckets, timed: this.timed, untimed: this.untimed, busiest };
  }
}
