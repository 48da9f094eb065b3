/**
 * `summary`: what happened in these records, in counts. Everything is counted as records arrive, in
 * bounded memory (capped counters, a capped list of destructive events), and the result does not
 * depend on the order the records arrived in.
 */
import { parseEventTime } from '../../cloudtrail/event-time.js';
import { displayKey, keyReferences } from '../../cloudtrail/key-reference.js';
import { errorCode, readOnlyFlag, text, type JsonObject } from '../../cloudtrail/record.js';
import { DESTRUCTIVE_OR_POLICY_EVENTS } from '../../cloudtrail/events.js';
import { ActivityHistogram, type ActivitySeries } from './activity.js';
import { CappedCounter, DISTINCT_CAP } from './capped-counter.js';
import { compareStamps, isoTime, principalLabel, stampOf, type Stamp } from './event-order.js';

/** Destructive and policy events listed one by one; past this, the earliest are kept. */
export const LISTED_EVENTS_CAP = 1_000;

export interface TopRow {
  value: string;
  count: number;
  /** count / records summarised, rounded to 4 decimals. */
  share: number;
}

export interface TopTable {
  /** Distinct values counted (at most the cap). */
  distinct: number;
  /** True when the cap was reached: later new values were counted as `other`. */
  capped: boolean;
  other: number;
  rows: TopRow[];
}

export interface ListedEvent {
  time: string | null;
  event: string;
  principal: string;
  key: string;
  region: string;
  sourceIp: string;
  error: string | null;
  eventId: string | null;
}

export interface SummaryResult {
  records: number;
  timeSpan: { first: string | null; last: string | null; unreadable: number };
  eventNames: TopTable;
  principals: TopTable;
  keys: TopTable;
  sourceIps: TopTable;
  regions: TopTable;
  errorCodes: TopTable;
  readOnly: { readOnly: number; mutating: number; unknown: number };
  /** Records with an errorCode. */
  errors: number;
  destructiveOrPolicy: { total: number; listed: ListedEvent[]; omitted: number };
  /** Records per time bucket: what the activity charts draw. */
  activity: ActivitySeries;
  caps: { distinctValues: number; listedEvents: number };
}

/** The keys a record names, once each: key IDs, or the alias when it names no key directly. */
function keysNamed(record: JsonObject): string[] {
  const refs = keyReferences(record);
  const ids = new Set(refs.flatMap((r) => (r.keyId !== undefined ? [r.keyId] : [])));
  if (ids.size > 0) return [...ids];
  return [...new Set(refs.flatMap((r) => (r.alias !== undefined ? [r.alias] : [])))];
}

export class SummaryAggregator {
  private records = 0;
  private first = Infinity;
  private last = -Infinity;
  private unreadableTimes = 0;
  private readonly counters;
  private readonly readOnly = { readOnly: 0, mutating: 0, unknown: 0 };
  private errors = 0;
  private destructive = 0;
  private listed: Array<{ stamp: Stamp; event: ListedEvent }> = [];
  private readonly activity = new ActivityHistogram();

  constructor(
    private readonly cap: number = DISTINCT_CAP,
    private readonly listCap: number = LISTED_EVENTS_CAP,
  ) {
    this.counters = {
      eventNames: new CappedCounter(cap),
      principals: new CappedCounter(cap),
      keys: new CappedCounter(cap),
      sourceIps: new CappedCounter(cap),
      regions: new CappedCounter(cap),
      errorCodes: new CappedCounter(cap),
    };
  }

  add(record: JsonObject): void {
    this.records++;
    const ms = parseEventTime(record.eventTime);
    this.activity.add(ms);
    if (ms !== undefined) {
      this.first = Math.min(this.first, ms);
      this.last = Math.max(this.last, ms);
    } else {
      this.unreadableTimes++;
    }
    const c = this.counters;
    const name = text(record, 'eventName') ?? '(none)';
    c.eventNames.add(name);
    c.principals.add(principalLabel(record));
    for (const key of keysNamed(record)) c.keys.add(key);
    const sourceIp = text(record, 'sourceIPAddress');
    if (sourceIp) c.sourceIps.add(sourceIp);
    const region = text(record, 'awsRegion');
    if (region) c.regions.add(region);
    const error = errorCode(record);
    if (error) {
      c.errorCodes.add(error);
      this.errors++;
    }
    const flag = readOnlyFlag(record);
    this.readOnly[flag === true ? 'readOnly' : flag === false ? 'mutating' : 'unknown']++;

    if (DESTRUCTIVE_OR_POLICY_EVENTS.has(name)) {
      this.destructive++;
      const stamp = stampOf(record);
      this.listed.push({
        stamp,
        event: {
          time: isoTime(stamp.ms) ?? text(record, 'eventTime') ?? null,
          event: name,
          principal: principalLabel(record),
          key: displayKey(record),
          region: region ?? '',
          sourceIp: sourceIp ?? '',
          error: error ?? null,
          eventId: text(record, 'eventID') ?? null,
        },
      });
      // Trim now and then rather than on every push: sorting is the cost, memory stays within 2x.
      if (this.listed.length >= 2 * this.listCap) this.trimListed();
    }
  }

  private trimListed(): void {
    this.listed.sort((a, b) => compareStamps(a.stamp, b.stamp));
    this.listed.length = Math.min(this.listed.length, this.listCap);
  }

  result(top = 10): SummaryResult {
    this.trimListed();
    const table = (counter: CappedCounter): TopTable => ({
      distinct: counter.distinct,
      capped: counter.capped,
      other: counter.other,
      rows: counter.top(top).map(({ value, count }) => ({ value, count, share: share(count, this.records) })),
    });
    const c = this.counters;
    return {
      records: this.records,
      timeSpan: { first: isoTime(this.first), last: isoTime(this.last), unreadable: this.unreadableTimes },
      eventNames: table(c.eventNames),
      principals: table(c.principals),
      keys: table(c.keys),
      sourceIps: table(c.sourceIps),
      regions: table(c.regions),
      errorCodes: table(c.errorCodes),
      readOnly: { ...this.readOnly },
      errors: this.errors,
      destructiveOrPolicy: {
        total: this.destructive,
        listed: this.listed.map((l) => l.event),
        omitted: this.destructive - this.listed.length,
      },
      activity: this.activity.series(),
      caps: { distinctValues: this.cap, listedEvents: this.listCap },
    };
  }
}

function share(count: number, total: number): number {
  return total === 0 ? 0 : Math.round((count / total) * 10_000) / 10_000;
}
