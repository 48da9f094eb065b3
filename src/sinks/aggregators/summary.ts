/**
 * `summary`: what happened in these records, in counts. Everything is counted as records arrive, in
 * bounded memory (capped counters, a capped list of destructive events), and the result does not
 * depend on the order the records arrived in.
 */
import { parseEventTime } from '../../cloudtrail/event-time.js';
import { displayKey, keyArnOf, keyReferences } from '../../cloudtrail/key-reference.js';
import { roleArn } from '../../cloudtrail/principal.js';
import { errorCode, readOnlyFlag, text, type JsonObject } from '../../cloudtrail/record.js';
import { DESTRUCTIVE_OR_POLICY_EVENTS } from '../../cloudtrail/events.js';
import { providerName, type Origin, type OriginKind } from '../../cloudtrail/origins.js';
import { ActivityHistogram, type ActivitySeries } from './activity.js';
import { CappedCounter, DISTINCT_CAP } from './capped-counter.js';
import { compareStamps, isoTime, principalLabel, stampOf, type Stamp } from './event-order.js';

/** Destructive and policy events listed one by one unless told otherwise (`--top`); past this, the earliest are kept. */
export const LISTED_EVENTS_CAP = 1_000;

/** How principals are counted: each as it is (every role session apart), or role sessions as their role. */
export type PrincipalGrouping = 'session' | 'role';

export interface TopRow {
  value: string;
  count: number;
  /** count / records summarised, rounded to 4 decimals. */
  share: number;
  /** Keys table: the key's ARN, when the records gave one (null when they did not, or gave several). */
  arn?: string | null;
}

export interface TopTable {
  /** Distinct values counted (at most the cap). */
  distinct: number;
  /** True when the cap was reached: later new values were counted as `other`. */
  capped: boolean;
  other: number;
  rows: TopRow[];
}

/** An origin's row: who is behind the sessions (see src/cloudtrail/origins.ts). */
export interface OriginRow extends TopRow {
  kind: OriginKind;
  /** The long-term identity (an ARN, a subject, a service); for an unresolved origin, the last link known. */
  identity: string;
  /**
   * A federated user's SAML or OpenID Connect provider (a subject is one user only with its
   * provider), by name: `Okta`, `token.actions.githubusercontent.com` (see providerName). The same
   * provider registered in two accounts is one, as the user behind it is.
   */
  provider: string | null;
}

export interface OriginTable extends Omit<TopTable, 'rows'> {
  rows: OriginRow[];
}

export interface ListedEvent {
  time: string | null;
  event: string;
  principal: string;
  key: string;
  /** The ARN of the key, when the record names it by ARN. */
  keyArn: string | null;
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
  /** What a principals row is: a principal as named (role sessions apart), or a role with its sessions. */
  principalsBy: PrincipalGrouping;
  keys: TopTable;
  sourceIps: TopTable;
  regions: TopTable;
  errorCodes: TopTable;
  readOnly: { readOnly: number; mutating: number; unknown: number };
  /** Records with an errorCode. */
  errors: number;
  destructiveOrPolicy: { total: number; listed: ListedEvent[]; omitted: number };
  /** Who is behind the records' sessions; present when origins were followed. */
  origins?: OriginTable;
  /** Records per time bucket: what the activity charts draw. */
  activity: ActivitySeries;
  caps: { distinctValues: number; listedEvents: number };
}

/** One counter key per origin: kind, identity, short label and provider (JSON: a subject may hold any character). */
function originKey(origin: Origin): string {
  const last = origin.chain[0];
  const identity = origin.kind === 'unresolved' ? (last?.principal ?? '') : origin.identity;
  const label = origin.kind === 'unresolved' ? `? → ${last?.label ?? '?'}` : origin.label;
  return JSON.stringify([origin.kind, identity, label, origin.provider ? providerName(origin.provider) : null]);
}

/**
 * The keys a record names, once each, with the ARN it names each by (if any): key IDs, or the
 * alias when it names no key directly.
 */
function keysNamed(record: JsonObject): Map<string, string | undefined> {
  const refs = keyReferences(record);
  const keys = new Map<string, string | undefined>();
  for (const r of refs) {
    if (r.keyId === undefined) continue;
    const arn = r.given.startsWith('arn:') ? r.given : undefined;
    if (!keys.has(r.keyId) || (arn && !keys.get(r.keyId))) keys.set(r.keyId, arn);
  }
  if (keys.size > 0) return keys;
  for (const r of refs) if (r.alias !== undefined) keys.set(r.alias, undefined);
  return keys;
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
  private readonly origins: CappedCounter | undefined;
  /** The ARN each counted key ID was named by; null once two different ARNs named it (replicas of a multi-Region key). */
  private readonly keyArns = new Map<string, string | null>();
  private readonly activity = new ActivityHistogram();

  constructor(
    private readonly cap: number = DISTINCT_CAP,
    private readonly listCap: number = LISTED_EVENTS_CAP,
    private readonly principalsBy: PrincipalGrouping = 'session',
    private readonly originOf?: (record: JsonObject) => Origin,
  ) {
    this.origins = originOf ? new CappedCounter(cap) : undefined;
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
    c.principals.add((this.principalsBy === 'role' && roleArn(record)) || principalLabel(record));
    for (const [key, arn] of keysNamed(record)) {
      c.keys.add(key);
      if (arn === undefined || this.keyArns.get(key) === null) continue;
      const known = this.keyArns.get(key);
      if (known === undefined) {
        if (this.keyArns.size < this.cap) this.keyArns.set(key, arn);
      } else if (known !== arn) this.keyArns.set(key, null);
    }
    const sourceIp = text(record, 'sourceIPAddress');
    if (sourceIp) c.sourceIps.add(sourceIp);
    const region = text(record, 'awsRegion');
    if (region) c.regions.add(region);
    const error = errorCode(record);
    if (error) {
      c.errorCodes.add(error);
      this.errors++;
    }
    if (this.origins && this.originOf) this.origins.add(originKey(this.originOf(record)));
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
          keyArn: keyArnOf(record) ?? null,
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
    const keys = table(c.keys);
    for (const row of keys.rows) row.arn = this.keyArns.get(row.value) ?? null;
    return {
      records: this.records,
      timeSpan: { first: isoTime(this.first), last: isoTime(this.last), unreadable: this.unreadableTimes },
      eventNames: table(c.eventNames),
      principals: table(c.principals),
      principalsBy: this.principalsBy,
      keys,
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
      ...(this.origins ? { origins: this.originTable(this.origins, top) } : {}),
      activity: this.activity.series(),
      caps: { distinctValues: this.cap, listedEvents: this.listCap },
    };
  }

  private originTable(counter: CappedCounter, top: number): OriginTable {
    return {
      distinct: counter.distinct,
      capped: counter.capped,
      other: counter.other,
      rows: counter.top(top).map(({ value, count }) => {
        const [kind, identity, label, provider] = JSON.parse(value) as [OriginKind, string, string, string | null];
        return { value: label, kind, identity, provider, count, share: share(count, this.records) };
      }),
    };
  }
}

function share(count: number, total: number): number {
  return total === 0 ? 0 : Math.round((count / total) * 10_000) / 10_000;
}
