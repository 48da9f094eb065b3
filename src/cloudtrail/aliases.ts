/**
 * The one rule for what a record says about aliases: which key an alias named, and when that
 * changed. `filter --key alias/x` (its first pass), the key inventory and the SQL of `kmstrail sql`
 * all read aliases through it (the SQL spells the same rule in SQL: src/sql/conditions.ts), so
 * they cannot disagree about which records belong to an alias.
 *
 * - A successful CreateAlias or UpdateAlias points its aliases at its `targetKeyId`.
 * - A successful DeleteAlias shows the key the alias pointed to until then (its resources name
 *   it), and that the alias points nowhere from then on.
 * - A failed alias change shows nothing: the alias never pointed where it asked.
 * - Any other record naming an alias and exactly one key (by ID or ARN) shows the alias naming
 *   that key at that time (Decrypt with an alias carries the key's ARN in its resources).
 */
import { keyReferences, type KeyReference } from './key-reference.js';
import { errorCode, isObject, type JsonObject } from './record.js';

export type AliasChange = 'set' | 'delete';

export interface AliasEvidence {
  /** The alias as the record names it (its name, and its region and account when known). */
  alias: KeyReference;
  /**
   * The key the alias named in this record (the first of the record's references to it); absent
   * only for a DeleteAlias that does not say which key it took the alias from.
   */
  key?: KeyReference;
  /** An alias change event (then the mapping holds from this record's time), or an observation. */
  change?: AliasChange;
}

const CHANGES: Record<string, AliasChange> = { CreateAlias: 'set', UpdateAlias: 'set', DeleteAlias: 'delete' };

/** What this record says about which keys its aliases name: one entry per alias it names. */
export function aliasEvidence(record: JsonObject): AliasEvidence[] {
  const refs = keyReferences(record);
  // An alias named twice (its name in the request, its ARN in the resources) is one alias.
  const named = new Map(refs.filter((ref) => ref.alias !== undefined).map((ref) => [`${ref.alias}|${ref.region}|${ref.account}`, ref]));
  const aliases = [...named.values()];
  if (aliases.length === 0) return [];
  const eventName = typeof record.eventName === 'string' ? record.eventName : '';
  const change = CHANGES[eventName] as AliasChange | undefined;
  if (change && errorCode(record) !== undefined) return [];
  let key: KeyReference | undefined;
  if (change === 'set') {
    const request = record.requestParameters;
    const target = isObject(request) ? request.targetKeyId : undefined;
    key = refs.find((ref) => ref.keyId !== undefined && ref.given === target);
  } else {
    const keys = refs.filter((ref) => ref.keyId !== undefined);
    if (new Set(keys.map((ref) => ref.keyId)).size === 1) key = keys[0];
  }
  if (key === undefined && change !== 'delete') return [];
  return aliases.map((alias) => ({ alias, key, change }));
}
