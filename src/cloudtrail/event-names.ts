/**
 * Whether an `--event` value is a name CloudTrail records, so that a typo does not quietly find
 * nothing: `CreateKeys` gets "did you mean CreateKey?", `ConsoleLogin` with only KMS events read is
 * told which source it belongs to.
 *
 * The names are those of aws-event-names.ts (generated from botocore's service models). KMS's list
 * is complete: its API operations and the events KMS records on its own. Other services record
 * events that are no API operation (S3 names many after IAM actions: GetBucketPublicAccessBlock),
 * so for them only a near miss is pointed out, never "unknown".
 */
import { isGlob, compileTextPatterns } from '../util/text-pattern.js';
import { AWS_EVENT_NAMES } from './aws-event-names.js';
import { KMS_SOURCE } from './events.js';

/** Sources whose every event name is known. */
const COMPLETE: ReadonlySet<string> = new Set([KMS_SOURCE]);

export type EventNameAdvice =
  /** Not a name of the sources read; these names are close. */
  | { kind: 'did-you-mean'; name: string; suggestions: string[]; sources: readonly string[] }
  /** Not a name of the sources read (all of them known completely), and nothing close. */
  | { kind: 'unknown'; name: string; sources: readonly string[] }
  /** A name of other sources than those read. */
  | { kind: 'other-source'; name: string; sources: readonly string[]; belongsTo: string[] }
  /** A Lambda operation, which CloudTrail may record with its API version (CreateFunction20150331). */
  | { kind: 'versioned'; name: string; dated: string };

interface SourceNames {
  /** Lower case → as AWS spells it. */
  names: Map<string, string>;
}

let table: Map<string, SourceNames> | undefined;

function known(): Map<string, SourceNames> {
  table ??= new Map(
    Object.entries(AWS_EVENT_NAMES).map(([source, text]) => [
      source,
      { names: new Map(text.trim().split(/\s+/).map((name) => [name.toLowerCase(), name])) },
    ]),
  );
  return table;
}

/** The event sources whose names are known. */
export function knownSources(): string[] {
  return [...known().keys()];
}

/**
 * For a `--source` value (full name, no glob) that is none of the sources kmstrail knows: the known
 * ones it is close to, as `--source` spells them (`kms`), maybe none. Undefined for a known source
 * or a glob. Many services are not known, so this is only worth saying when nothing matched.
 */
export function unknownSourceAdvice(source: string): { suggestions: string[] } | undefined {
  const lower = source.toLowerCase();
  if (isGlob(source) || known().has(lower)) return undefined;
  const suggestions = [...known().keys()].filter((s) => editDistance(lower, s, 2) <= 2).map((s) => s.replace(/\.amazonaws\.com$/, ''));
  return { suggestions };
}

/** The event names of a source, as AWS spells them (none for a source not known). */
export function eventNamesOf(source: string): string[] {
  return [...(known().get(source)?.names.values() ?? [])];
}

/** The sources whose names are known, among those `--source` chose ([] = every source). */
function chosen(sources: readonly string[]): { covered: string[]; others: boolean } {
  const all = [...known().keys()];
  if (sources.length === 0) return { covered: all, others: true };
  const matches = compileTextPatterns(sources);
  return { covered: all.filter(matches), others: sources.some((s) => isGlob(s) || !known().has(s.toLowerCase())) };
}

/** Lambda's `GetFunction20150331v2` is `GetFunction20150331` with a revision. */
function has(source: string, lower: string): boolean {
  const names = known().get(source)?.names;
  return names !== undefined && (names.has(lower) || names.has(lower.replace(/v\d+$/, '')));
}

/** Optimal string alignment distance (Levenshtein with transpositions), or Infinity past `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return Infinity;
  let before = Array.from({ length: b.length + 1 }, (_, j) => j);
  let previous = before;
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      row.push(d);
      best = Math.min(best, d);
    }
    if (best > limit) return Infinity;
    before = previous;
    previous = row;
  }
  return previous[b.length] > limit ? Infinity : previous[b.length];
}

/**
 * What to tell the user about `--event name` when `sources` are read (event source patterns as
 * the filter takes them; [] = every source). Undefined when there is nothing to say: a glob, a
 * known name, or an unknown name that may belong to a service whose names are not all known.
 */
export function eventNameAdvice(name: string, sources: readonly string[]): EventNameAdvice | undefined {
  if (isGlob(name)) return undefined;
  const lower = name.toLowerCase();
  const { covered, others } = chosen(sources);
  // Every source read has all its names known: what is not among them matches nothing.
  const closed = !others && covered.length > 0 && covered.every((source) => COMPLETE.has(source));
  const home = covered.filter((source) => has(source, lower));
  if (home.length > 0) {
    if (!home.every((source) => source.startsWith('lambda.'))) return undefined;
    const dated = [...known().get(home[0])!.names].find(([n]) => n.startsWith(lower) && /^\d{8}$/.test(n.slice(lower.length)))?.[1];
    return dated ? { kind: 'versioned', name, dated } : undefined;
  }
  const read = sources.length === 0 ? ['every source'] : sources;
  const elsewhere = [...known().keys()].filter((source) => !covered.includes(source) && has(source, lower));
  if (closed && elsewhere.length > 0) return { kind: 'other-source', name, sources: read, belongsTo: elsewhere };

  // Far misses are pointed out only where no real name can be missing from the list.
  const reach = name.length <= 4 || !closed ? 1 : Math.max(2, Math.floor(name.length / 4));
  let best = Infinity;
  let suggestions: string[] = [];
  for (const source of covered) {
    for (const [candidate, spelled] of known().get(source)!.names) {
      const d = editDistance(lower, candidate, Math.min(reach, best));
      if (d < best) [best, suggestions] = [d, [spelled]];
      else if (d === best && d !== Infinity && !suggestions.includes(spelled)) suggestions.push(spelled);
    }
  }
  if (suggestions.length > 0) return { kind: 'did-you-mean', name, suggestions: suggestions.slice(0, 3), sources: read };
  return closed ? { kind: 'unknown', name, sources: read } : undefined;
}
