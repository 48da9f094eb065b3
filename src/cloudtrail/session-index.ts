/**
 * Issued access key → the call that issued it: the one piece of state origins need, filled by a
 * first pass over the issuing calls only. Bounded: past `maxKeys` new keys are refused and counted
 * (the sessions they started then resolve as "unresolved", and the caller should say so).
 *
 * Which issuance a key maps to never depends on the order records arrive in: the same key issued
 * twice (the same call delivered twice, or a cross-account AssumeRole logged in both accounts) keeps
 * the better of the two by a fixed rule (see `preferred`), so any file order builds the same index
 * until the cap is reached.
 */
import { parseEventTime } from './event-time.js';
import { issuanceOf, type Issuance } from './issuance.js';
import type { JsonObject } from './record.js';
import { jsonText } from '../util/deep-json.js';

/**
 * Default cap. Measured (bench/origins.mjs, issuances of a generated trail under fresh keys) at
 * about 600 bytes of heap per issued key once shared values are kept once: 1,000,000 keys hold
 * roughly 0.6 GB. A trail only costs what it issues: a 256 MiB generated trail issues under 3,000.
 */
export const DEFAULT_MAX_ISSUED_KEYS = 1_000_000;

/** At most this many distinct values (and as many callers and session contexts) are shared. */
const MAX_SHARED = 100_000;

export class SessionIndex {
  private readonly byKey = new Map<string, Issuance>();
  private refusedKeys = 0;
  // Most of an issuance repeats across issuances: the same roles, accounts, users and services.
  // Equal strings and callers are kept once; what is unique to a session (its key, eventID, time,
  // session name) is not worth a table entry.
  private readonly strings = new Map<string, string>();
  private readonly callers = new Map<string, JsonObject>();
  private readonly contexts = new Map<string, JsonObject>();

  constructor(readonly maxKeys: number = DEFAULT_MAX_ISSUED_KEYS) {}

  /** The index these issuances make (already capped where they were collected). */
  static of(issuances: readonly Issuance[]): SessionIndex {
    const index = new SessionIndex(Infinity);
    for (const issuance of issuances) index.add(issuance);
    return index;
  }

  /** Every issuance held: what rebuilds the same index on another thread. */
  issuances(): Issuance[] {
    return [...this.byKey.values()];
  }

  /** Adds what an issuing call says. False when the cap refused a new key. */
  add(issuance: Issuance): boolean {
    const held = this.byKey.get(issuance.accessKeyId);
    if (held) {
      if (preferred(issuance, held)) this.byKey.set(issuance.accessKeyId, this.compact(issuance));
      return true;
    }
    if (this.byKey.size >= this.maxKeys) {
      this.refusedKeys++;
      return false;
    }
    this.byKey.set(issuance.accessKeyId, this.compact(issuance));
    return true;
  }

  /** The same issuance with repeated values replaced by the copies already held (equal, so unobservable). */
  private compact(issuance: Issuance): Issuance {
    issuance.via = this.share(issuance.via)!;
    issuance.roleArn = this.share(issuance.roleArn);
    issuance.sourceIdentity = this.share(issuance.sourceIdentity);
    issuance.subject = this.share(issuance.subject);
    issuance.provider = this.share(issuance.provider);
    issuance.account = this.share(issuance.account);
    issuance.caller = this.shareCaller(issuance.caller);
    return issuance;
  }

  private share(value: string | undefined): string | undefined {
    if (value === undefined) return undefined;
    const held = this.strings.get(value);
    if (held !== undefined) return held;
    if (this.strings.size < MAX_SHARED) this.strings.set(value, value);
    return value;
  }

  /**
   * A caller that holds no session key (an IAM user's access key, a service, a SAML or web-identity
   * user) calls again and again: one object for all its calls. A session caller is unique, but its
   * session context (role, source identity) is not.
   */
  private shareCaller(caller: JsonObject): JsonObject {
    const key = caller.accessKeyId;
    if (typeof key !== 'string' || !key.startsWith('ASIA')) {
      const id = jsonText(caller);
      const held = this.callers.get(id);
      if (held) return held;
      if (this.callers.size < MAX_SHARED) this.callers.set(id, caller);
    }
    for (const field of ['type', 'accountId', 'userName', 'invokedBy', 'identityProvider'] as const) {
      const value = caller[field];
      if (typeof value === 'string') caller[field] = this.share(value);
    }
    const context = caller.sessionContext;
    if (context !== undefined) {
      const id = jsonText(context);
      const held = this.contexts.get(id);
      if (held) caller.sessionContext = held;
      else if (this.contexts.size < MAX_SHARED) this.contexts.set(id, context as JsonObject);
    }
    return caller;
  }

  /** Adds the record if it is a successful issuing call; says whether it was one. */
  addRecord(record: JsonObject): boolean {
    const issuance = issuanceOf(record);
    if (!issuance) return false;
    this.add(issuance);
    return true;
  }

  /** The call that issued this key, if the index holds it. */
  issuance(accessKeyId: string): Issuance | undefined {
    return this.byKey.get(accessKeyId);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Issued keys refused because the index was full. */
  get refused(): number {
    return this.refusedKeys;
  }

  /** True once a key was refused: origins may then be "unresolved" for want of room, not of logs. */
  get capped(): boolean {
    return this.refusedKeys > 0;
  }
}

/**
 * Whether `candidate` should replace `held` for the same key: a caller CloudTrail names fully beats
 * one it names only by account (`AWSAccount`, or no type), then the earlier call, then the smaller
 * eventID. The same eventID is the same call: the first copy stays.
 */
export function preferred(candidate: Issuance, held: Issuance): boolean {
  if (candidate.eventID !== undefined && candidate.eventID === held.eventID) return false;
  const detail = callerDetail(candidate) - callerDetail(held);
  if (detail !== 0) return detail > 0;
  const a = parseEventTime(candidate.eventTime) ?? Infinity;
  const b = parseEventTime(held.eventTime) ?? Infinity;
  if (a !== b) return a < b;
  return (candidate.eventID ?? '\uffff') < (held.eventID ?? '\uffff');
}

function callerDetail(issuance: Issuance): number {
  const type = issuance.caller.type;
  return typeof type === 'string' && type !== '' && type !== 'AWSAccount' ? 1 : 0;
}
