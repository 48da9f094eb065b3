/**
 * `--key alias/foo` should also find the records that name the aliased key by ID or ARN. The
 * mapping is in the logs themselves (CreateAlias / UpdateAlias, or a record naming the alias and
 * exactly one key), and may come after the records it explains, so a first pass over the same
 * inputs learns it before the real pass. Standard input cannot be read twice: there, an alias
 * matches only records that name the alias.
 */
import { keyReferences, type KeyReference } from '../cloudtrail/key-reference.js';
import { errorCode, isObject } from '../cloudtrail/record.js';
import { KMS_SOURCE } from '../cloudtrail/events.js';
import { emptyFilterSpec, type FilterSpec } from '../filters/filter-spec.js';
import { buildRecordFilter } from '../filters/record-filter.js';
import type { RecordFilter } from '../filters/record-filter.js';
import { forEachMatch } from './matching-records.js';
import { Messages } from './messages.js';
import type { RunSettings } from './run-options.js';

/** The key IDs an alias was seen naming in one record, if the record says. */
export function keysNamedWithAlias(record: Parameters<typeof keyReferences>[0]): KeyReference[] {
  const request = record.requestParameters;
  if (record.eventName === 'CreateAlias' || record.eventName === 'UpdateAlias') {
    // A failed call pointed the alias nowhere.
    if (errorCode(record) !== undefined) return [];
    const target = isObject(request) ? request.targetKeyId : undefined;
    return keyReferences(record).filter((ref) => ref.keyId !== undefined && ref.given === target);
  }
  const ids = keyReferences(record).filter((ref) => ref.keyId !== undefined);
  return new Set(ids.map((ref) => ref.keyId)).size === 1 ? [ids[0]] : [];
}

/** The filter, with the keys its aliases name in these inputs added to `--key`. */
export async function withAliasKeys(paths: readonly string[], filter: RecordFilter, run: RunSettings): Promise<RecordFilter> {
  const aliases = filter.spec.keys.filter((ref) => ref.alias !== undefined);
  if (aliases.length === 0 || paths.length === 0 || paths.includes('-')) return filter;
  const spec: FilterSpec = { ...emptyFilterSpec(), sources: [KMS_SOURCE], keys: aliases };
  const found = new Map<string, KeyReference>();
  // Problems are reported by the real pass; this one stays silent.
  const silent = new Messages(() => {});
  const quietRun: RunSettings = { ...run, quiet: true, stats: false, strict: false, limit: undefined };
  await forEachMatch(paths, buildRecordFilter(spec), quietRun, silent, undefined, (match) => {
    for (const ref of keysNamedWithAlias(match.record)) if (ref.keyId) found.set(ref.keyId, { given: ref.keyId, keyId: ref.keyId });
  });
  if (found.size === 0) return filter;
  return buildRecordFilter({ ...filter.spec, keys: [...filter.spec.keys, ...found.values()] });
}
