/**
 * `--key alias/foo` should also find the records that name the aliased key by ID or ARN. The
 * mapping is in the logs themselves (src/cloudtrail/aliases.ts says where), and may come after the
 * records it explains, so a first pass over the same inputs learns it before the real pass. The
 * first pass reads the same inputs as the real one: the same pruning of S3 and local trees, so it
 * never fetches what the real pass will not read. Standard input and pipes are kept in a temporary
 * file as first read (src/sources/read-once-spool.ts), so they are read twice too.
 */
import { aliasEvidence } from '../cloudtrail/aliases.js';
import { KMS_SOURCE } from '../cloudtrail/events.js';
import { keyWanted, namesAliases, type KeyReference } from '../cloudtrail/key-reference.js';
import type { FilterSpec } from '../filters/filter-spec.js';
import { buildRecordFilter, type RecordFilter } from '../filters/record-filter.js';
import type { RecordSink } from '../sinks/sink.js';
import { isPipePath, isS3Path, isStdinPath } from '../sources/expand-paths.js';
import { readOnceInputsSpooled } from '../sources/read-once-spool.js';
import { firstPassSettings, pruningOf, runPipeline, type PipelineSettings } from './run-pipeline.js';

/** Can these inputs be read twice? Not standard input, nor a pipe given as a path (`<(zcat …)`). */
export function readableTwice(paths: readonly string[]): boolean {
  return readOnce(paths) === undefined;
}

/** What among these inputs can be read only once, as messages say it ("… is read once"); undefined when nothing. */
export function readOnce(paths: readonly string[]): string | undefined {
  // Kept in a temporary file as first read: a second read takes them from there.
  if (readOnceInputsSpooled()) return undefined;
  if (paths.length === 0 || paths.some(isStdinPath)) return 'standard input is read once';
  const pipes = paths.filter(isPipePath);
  if (pipes.length === 0) return undefined;
  return pipes.length === 1 ? `${pipes[0]} (a pipe) is read once` : `${pipes.join(', ')} (pipes) are read once`;
}


/** The filter, with the keys its aliases name in these inputs added to `--key`. */
export async function withAliasKeys(paths: readonly string[], filter: RecordFilter, settings: PipelineSettings): Promise<RecordFilter> {
  const aliases = filter.spec.keys.filter(namesAliases);
  if (aliases.length === 0 || !readableTwice(paths)) return filter;
  // KMS records naming a wanted alias, any time, any principal or origin: the mapping may be told by anyone,
  // and before the window. A local tree is pruned by accounts and regions only, so that the
  // CreateAlias of last year is found; on S3 the window prunes too, which keeps a run from fetching
  // a bucket's history (there, a mapping told before the window is learned only if a record in it
  // names the alias).
  const spec: FilterSpec = {
    ...filter.spec,
    events: [],
    users: [],
    regions: [],
    accounts: [],
    sourceIps: [],
    errors: undefined,
    errorCodes: [],
    readOnly: undefined,
    since: undefined,
    until: undefined,
    origins: undefined,
    issuances: undefined,
    sources: [KMS_SOURCE],
    // The records naming the alias, whether it is wanted or left out (`!alias/x`).
    keys: aliases.map(({ exclude: _, ...alias }) => alias),
  };
  const found = new Map<string, KeyReference>();
  const learn: RecordSink = {
    write(match) {
      for (const { alias, key } of aliasEvidence(match.record)) {
        if (!key?.keyId) continue;
        // The key is wanted, or left out, as its alias is.
        for (const wanted of aliases) {
          if (!keyWanted({ ...wanted, exclude: undefined }, alias)) continue;
          // An alias lives in one region: the replica of a multi-Region key (same ID) that it names
          // is the one there (see sameKey). keyReferences gives each reference the record's region.
          const keyRegion = key.region ?? alias.region;
          const id = `${wanted.exclude ? '!' : ''}${key.keyId}@${keyRegion ?? ''}`;
          const learned: KeyReference = { given: key.keyId, keyId: key.keyId, ...(keyRegion ? { region: keyRegion } : {}) };
          found.set(id, wanted.exclude ? { ...learned, exclude: true } : learned);
        }
      }
    },
    end() {},
  };
  const window = paths.some(isS3Path) ? filter.spec : { ...filter.spec, since: undefined, until: undefined };
  await runPipeline(paths, buildRecordFilter(spec), learn, firstPassSettings(settings, settings.pruning || pruningOf(window)));
  if (found.size === 0) return filter;
  return buildRecordFilter({ ...filter.spec, keys: [...filter.spec.keys, ...found.values()] });
}
