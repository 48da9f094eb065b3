/**
 * Records by session origin, for the report's origins section: who is really behind each role
 * session (src/cloudtrail/origins.ts), and through which chain, counted in bounded memory. It needs
 * the index of issuing calls that a first pass over the inputs builds, behind `originOf`; it turns
 * each record into an origin and a chain and counts the pairs.
 */
import { providerName, renderChain, type Origin } from '../../cloudtrail/origins.js';
import type { JsonObject } from '../../cloudtrail/record.js';
import { CappedCounter, DISTINCT_CAP } from './capped-counter.js';

/** One row of the origins section. */
export interface OriginRow {
  /** The long-term identity behind the records (an ARN, a federated subject with its provider, a service). */
  origin: string;
  /** From the origin down to the principal the records name: `alice → Admin → BreakGlass`. */
  chain: string;
  records: number;
}

export interface OriginTable {
  rows: OriginRow[];
  /** Distinct (origin, chain) pairs counted. */
  distinct: number;
  /** Records whose pair came after the cap: in no row. */
  other: number;
}

export class OriginTally {
  private readonly counter: CappedCounter;

  constructor(
    private readonly originOf: (record: JsonObject) => Origin,
    cap: number = DISTINCT_CAP,
  ) {
    this.counter = new CappedCounter(cap);
  }

  add(record: JsonObject): void {
    const origin = this.originOf(record);
    // A subject names one user only with its provider: two providers' same subject are two origins.
    const name = origin.identity || origin.label;
    const identity = origin.provider ? `${name} (${providerName(origin.provider)})` : name;
    // One string per pair: the counter keys on strings, and JSON keeps the two apart unambiguously.
    this.counter.add(JSON.stringify([identity, renderChain(origin)]));
  }

  result(top: number): OriginTable {
    const rows = this.counter.top(top).map(({ value, count }) => {
      const [origin, chain] = JSON.parse(value) as [string, string];
      return { origin, chain, records: count };
    });
    return { rows, distinct: this.counter.distinct, other: this.counter.other };
  }
}
