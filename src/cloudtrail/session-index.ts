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

/**
 * Default cap. Measured at about 0.5 KB of heap per issued key (the issuance with its trimmed
 * caller and its strings, and the Map entry): 1,000,000 keys hold roughly 0.5 GB.
 */
export const DEFAULT_MAX_ISSUED_KEYS = 1_000_000;

export class SessionIndex {
  private readonly byKey = new Map<string, Issuance>();
  private refusedKeys = 0;

  constructor(readonly maxKeys: number = DEFAULT_MAX_ISSUED_KEYS) {}

  /** Adds what an issuing call says. False when the cap refused a new key. */
  add(issuance: Issuance): boolean {
    const held = this.byKey.get(issuance.accessKeyId);
    if (held) {
      if (preferred(issuance, held)) this.byKey.set(issuance.accessKeyId, issuance);
      return true;
    }
    if (this.byKey.size >= this.maxKeys) {
      this.refusedKeys++;
      return false;
    }
    this.byKey.set(issuance.accessKeyId, issuance);
    return true;
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
