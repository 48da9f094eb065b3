/**
 * Correlation windows: event_count, value_count, temporal and temporal_ordered, per group, over
 * base-rule matches that arrive in time order.
 *
 * What a hit is (the specification says "within the timespan" and no more): for each group, take
 * its matching events in time order; a window starts at an event and holds every later event up to
 * start + timespan (inclusive). If the window's measure meets the condition, it is a hit and its
 * events are used up (the next window starts after them); if not, the next window starts at the
 * next event, or, with an upper bound (lt, lte, eq), at the first event after the failed window's
 * span (see failFront). Measures: event_count counts events, value_count counts distinct values of `field`
 * (exact text; an event without the field takes no part), temporal counts the distinct base rules
 * seen, temporal_ordered the length of the longest prefix of the rule list found in time order
 * (one event advances it by one step at most; equal times count as in order).
 *
 * Streaming this exactly in bounded memory: a group keeps the events of its open window. Once a
 * condition with only lower bounds (gt, gte) is met the window is certain to be a hit: from then on
 * only a count, the distinct values and the first eventIDs are kept. With an upper bound (lt, lte,
 * eq) a window whose measure already exceeds it can only fail, so it is dropped at once: a group
 * never holds more events than the condition's bound. A hit is reported when its window closes:
 * when an event of the group comes after the window, when the group is evicted, or at the end.
 *
 * Bounds: at most `groupLimit` groups per correlation (two generations, least recently seen
 * dropped first; a dropped group's certain hit is still reported, an undecided window is lost),
 * at most MAX_WINDOW_EVENTS events per open window (the oldest start is given up beyond it), at
 * most MAX_DISTINCT_VALUES distinct values remembered per window (a hit then reports at least
 * that many), and `maxRecords` eventIDs per hit. Events older than a group's open window (records
 * later than the reorder buffer could wait for) are dropped and counted.
 */
export const MAX_WINDOW_EVENTS = 10_000;
export const MAX_DISTINCT_VALUES = 10_000;

/** What a hit shows of one record: the last record of its window. */
export interface EventSummary {
  eventTime: string;
  eventName: string;
  eventId?: string;
  principal: string;
  principalAccount?: string;
  key?: string;
  keyAccount?: string;
  region?: string;
  file?: string;
  line?: number;
}

export interface CorrelationEvent {
  time: number;
  seq: number;
  /** Bit i: the event matched the correlation's rule i. */
  mask: number;
  value?: string;
  eventIds: readonly string[];
  summary: EventSummary;
}

export interface WindowResult {
  group: Record<string, string>;
  measure: number;
  /** The measure may be larger (distinct values beyond the cap). */
  atLeast: boolean;
  events: number;
  eventIds: string[];
  firstTime: number;
  lastTime: number;
  /** Time of the event that made it certain (lower-bound conditions), else of the last event. */
  decidedAt: number;
  last: EventSummary;
}

export interface CorrelationSpec {
  type: 'event_count' | 'value_count' | 'temporal' | 'temporal_ordered';
  ruleCount: number;
  timespanMs: number;
  condition: Partial<Record<'gt' | 'gte' | 'lt' | 'lte' | 'eq', number>>;
}

export function conditionHolds(c: CorrelationSpec['condition'], m: number): boolean {
  return (
    (c.gt === undefined || m > c.gt) &&
    (c.gte === undefined || m >= c.gte) &&
    (c.lt === undefined || m < c.lt) &&
    (c.lte === undefined || m <= c.lte) &&
    (c.eq === undefined || m === c.eq)
  );
}

function exceedsUpper(c: CorrelationSpec['condition'], m: number): boolean {
  return (c.lt !== undefined && m >= c.lt) || (c.lte !== undefined && m > c.lte) || (c.eq !== undefined && m > c.eq);
}

const popcount = (mask: number) => {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
};

/** One group's open window. */
class GroupWindow {
  queue: CorrelationEvent[] = [];
  head = 0;
  committed = false;
  /** value_count, before commit: occurrences per value in the queue. */
  values = new Map<string, number>();
  /** temporal, before commit: occurrences per rule bit. */
  ruleCounts: number[];
  distinctRules = 0;
  /** temporal_ordered: steps of the rule list found so far from the front. */
  chain = 0;
  /** With an upper bound: a window that failed ends here; the events up to it are not a window's start (see add). */
  failedUntil = -Infinity;
  // After commit:
  start = 0;
  decidedAt = 0;
  count = 0;
  distinct = new Set<string>();
  atLeast = false;
  ids: string[] = [];
  mask = 0;
  firstTime = 0;
  lastTime = 0;
  last?: EventSummary;

  constructor(
    readonly group: Record<string, string>,
    ruleCount: number,
  ) {
    this.ruleCounts = new Array(ruleCount).fill(0);
  }

  get length(): number {
    return this.queue.length - this.head;
  }
  front(): CorrelationEvent {
    return this.queue[this.head];
  }
}

export class CorrelationWindows {
  private current = new Map<string, GroupWindow>();
  private previous = new Map<string, GroupWindow>();
  private readonly half: number;
  private readonly lowerOnly: boolean;
  /** Events dropped for arriving after their group's window had moved on. */
  late = 0;
  /** Undecided windows lost when their group was evicted. */
  evicted = 0;

  constructor(
    readonly spec: CorrelationSpec,
    /** Told of each hit when its window closes. */
    private readonly onHit: (result: WindowResult) => void,
    /** Told when a lower-bound window becomes certain (feeds correlations built on this one). */
    private readonly onDecided: ((result: WindowResult) => void) | undefined,
    groupLimit: number,
    private readonly maxRecords: number,
  ) {
    this.half = Math.max(1, Math.floor(groupLimit / 2));
    const c = spec.condition;
    this.lowerOnly = c.lt === undefined && c.lte === undefined && c.eq === undefined;
  }

  add(groupKey: string, group: Record<string, string>, e: CorrelationEvent): void {
    if (this.spec.type === 'value_count' && e.value === undefined) return;
    let w = this.current.get(groupKey);
    if (!w) {
      w = this.previous.get(groupKey);
      if (w) this.previous.delete(groupKey);
      else w = new GroupWindow(group, this.spec.ruleCount);
      this.insert(groupKey, w);
    }
    this.closeExpired(w, e.time);
    if (w.committed) {
      if (e.time < w.start) {
        this.late++;
        return;
      }
      this.absorb(w, e);
      return;
    }
    if (w.length > 0 && e.time < w.front().time) {
      this.late++;
      return;
    }
    // Part of a window that failed: with an upper bound, the next window starts after it.
    if (e.time <= w.failedUntil) return;
    this.push(w, e);
    if (w.length > 0 && exceedsUpper(this.spec.condition, this.measure(w))) this.failFront(w);
    if (w.length > MAX_WINDOW_EVENTS) this.dropFront(w);
    if (this.lowerOnly && w.length > 0 && conditionHolds(this.spec.condition, this.measure(w))) this.commit(w, e.time);
  }

  /** Closes every open window (end of input). */
  flush(): void {
    for (const map of [this.previous, this.current]) {
      for (const w of map.values()) this.closeExpired(w, Infinity);
      map.clear();
    }
  }

  get groups(): number {
    return this.current.size + this.previous.size;
  }

  private insert(key: string, w: GroupWindow): void {
    if (this.current.size >= this.half) {
      for (const old of this.previous.values()) {
        if (old.committed) this.emit(old);
        else if (old.length > 0) this.evicted++;
      }
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, w);
  }

  private measure(w: GroupWindow): number {
    switch (this.spec.type) {
      case 'event_count':
        return w.length;
      case 'value_count':
        return w.values.size;
      case 'temporal':
        return w.distinctRules;
      case 'temporal_ordered':
        return w.chain;
    }
  }

  private push(w: GroupWindow, e: CorrelationEvent): void {
    // Stragglers within the window go in time order.
    let at = w.queue.length;
    while (at > w.head && (w.queue[at - 1].time > e.time || (w.queue[at - 1].time === e.time && w.queue[at - 1].seq > e.seq))) at--;
    w.queue.splice(at, 0, e);
    if (e.value !== undefined) w.values.set(e.value, (w.values.get(e.value) ?? 0) + 1);
    for (let b = 0; b < this.spec.ruleCount; b++) {
      if (e.mask & (1 << b) && w.ruleCounts[b]++ === 0) w.distinctRules++;
    }
    if (this.spec.type === 'temporal_ordered') {
      if (at === w.queue.length - 1) {
        if (w.chain < this.spec.ruleCount && e.mask & (1 << w.chain)) w.chain++;
      } else {
        this.rechain(w);
      }
    }
  }

  private rechain(w: GroupWindow): void {
    let k = 0;
    for (let i = w.head; i < w.queue.length && k < this.spec.ruleCount; i++) if (w.queue[i].mask & (1 << k)) k++;
    w.chain = k;
  }

  private dropFront(w: GroupWindow): void {
    const e = w.queue[w.head];
    w.head++;
    if (w.head > 1024 && w.head * 2 > w.queue.length) {
      w.queue = w.queue.slice(w.head);
      w.head = 0;
    }
    if (e.value !== undefined) {
      const n = w.values.get(e.value)! - 1;
      if (n === 0) w.values.delete(e.value);
      else w.values.set(e.value, n);
    }
    for (let b = 0; b < this.spec.ruleCount; b++) {
      if (e.mask & (1 << b) && --w.ruleCounts[b] === 0) w.distinctRules--;
    }
    if (this.spec.type === 'temporal_ordered') this.rechain(w);
  }

  private clearQueue(w: GroupWindow): void {
    w.queue = [];
    w.head = 0;
    w.values.clear();
    w.ruleCounts.fill(0);
    w.distinctRules = 0;
    w.chain = 0;
  }

  /** Lower bound met: the window from the front is a hit whatever comes; keep only a summary. */
  private commit(w: GroupWindow, decidedAt: number): void {
    const events = w.queue.slice(w.head);
    w.committed = true;
    w.start = events[0].time;
    w.decidedAt = decidedAt;
    w.count = 0;
    w.ids = [];
    w.distinct = new Set();
    w.atLeast = false;
    w.mask = 0;
    w.chain = 0;
    w.firstTime = events[0].time;
    this.clearQueue(w);
    // Absorbing from an empty chain redoes the greedy scan, which later events then continue.
    for (const e of events) this.absorb(w, e);
    this.onDecided?.(this.result(w));
  }

  private absorb(w: GroupWindow, e: CorrelationEvent): void {
    w.count++;
    for (const id of e.eventIds) if (w.ids.length < this.maxRecords) w.ids.push(id);
    if (e.value !== undefined) {
      if (w.distinct.size < MAX_DISTINCT_VALUES) w.distinct.add(e.value);
      else if (!w.distinct.has(e.value)) w.atLeast = true;
    }
    if (w.chain < this.spec.ruleCount && e.mask & (1 << w.chain)) w.chain++;
    w.mask |= e.mask;
    w.lastTime = Math.max(w.lastTime, e.time);
    w.last = e.summary;
  }

  private closeExpired(w: GroupWindow, now: number): void {
    const span = this.spec.timespanMs;
    if (w.committed) {
      if (now <= w.start + span) return;
      this.emit(w);
    }
    while (w.length > 0 && now > w.front().time + span) {
      if (conditionHolds(this.spec.condition, this.measure(w))) {
        const events = w.queue.slice(w.head);
        w.committed = true;
        w.start = events[0].time;
        w.decidedAt = events[events.length - 1].time;
        w.count = 0;
        w.ids = [];
        w.distinct = new Set();
        w.atLeast = false;
        w.mask = 0;
        w.firstTime = events[0].time;
        w.lastTime = 0;
        this.clearQueue(w);
        for (const e of events) this.absorb(w, e);
        this.emit(w);
      } else if (this.lowerOnly) {
        this.dropFront(w);
      } else {
        this.failFront(w);
      }
    }
  }

  /**
   * The window from the front failed. With only lower bounds the next starts at the next event (a
   * burst may begin anywhere); with an upper bound, after the failed window's span: sliding on,
   * every group's last events would make a small window, and `lt: 2` would fire for nearly all.
   */
  private failFront(w: GroupWindow): void {
    if (this.lowerOnly) {
      this.dropFront(w);
      return;
    }
    const end = w.front().time + this.spec.timespanMs;
    while (w.length > 0 && w.front().time <= end) this.dropFront(w);
    w.failedUntil = end;
  }

  private result(w: GroupWindow): WindowResult {
    const measure =
      this.spec.type === 'event_count' ? w.count : this.spec.type === 'value_count' ? w.distinct.size
      : this.spec.type === 'temporal' ? popcount(w.mask) : w.chain;
    return {
      group: w.group,
      measure,
      atLeast: w.atLeast,
      events: w.count,
      eventIds: [...w.ids],
      firstTime: w.firstTime,
      lastTime: w.lastTime,
      decidedAt: w.decidedAt,
      last: w.last!,
    };
  }

  private emit(w: GroupWindow): void {
    this.onHit(this.result(w));
    w.committed = false;
    w.count = 0;
    w.ids = [];
    w.distinct = new Set();
    w.mask = 0;
    w.chain = 0;
    w.lastTime = 0;
  }
}
