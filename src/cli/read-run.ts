/**
 * What every reading command does around its pipeline: run options to pipeline settings, faults
 * and problems to stderr, the progress bar, the sink's warnings, the --stats lines.
 */
import { eventNameAdvice, unknownSourceAdvice } from '../cloudtrail/event-names.js';
import { namesAliases } from '../cloudtrail/key-reference.js';
import { originOf, type Origin } from '../cloudtrail/origins.js';
import type { JsonObject } from '../cloudtrail/record.js';
import { SessionIndex } from '../cloudtrail/session-index.js';
import type { FilterSpec } from '../filters/filter-spec.js';
import { buildRecordFilter, type RecordFilter } from '../filters/record-filter.js';
import { readableTwice, readOnce, withAliasKeys } from '../pipeline/alias-pass.js';
import { learnIssuances } from '../pipeline/issuance-pass.js';
import { runPipeline, type PipelineResult, type PipelineSettings, type RunStats } from '../pipeline/run-pipeline.js';
import type { Output } from '../sinks/output.js';
import type { RecordSink } from '../sinks/sink.js';
import { isStdinPath } from '../sources/expand-paths.js';
import { spoolReadOnceInputs } from '../sources/read-once-spool.js';
import { splitExclusions } from '../util/value-filter.js';
import type { Messages } from './messages.js';
import type { RunValues } from './options/run-options.js';
import { progressFor } from './progress.js';

export function pipelineSettings(run: RunValues, messages: Messages, out?: Output): PipelineSettings {
  return {
    jobs: run.jobs,
    workersAfterMs: workersAfterMs(),
    strict: run.strict,
    limit: run.limit,
    reader: run.reader,
    keepDuplicates: run.keepDuplicates,
    pruning: run.prune ? undefined : false,
    s3: { profile: run.profile, endpointUrl: run.endpointUrl },
    output: out,
    report: { fault: (fault) => messages.fault(fault), firstPassFault: (fault) => messages.holdFault(fault), problem: (problem) => messages.source(problem) },
  };
}

/**
 * KMSTRAIL_WORKERS_AFTER_MS: how long small files are read on the main thread alone before worker
 * threads start (0: at once). Not a flag: it is for tests, whose fixtures are read far sooner than
 * the default, and for measuring.
 */
function workersAfterMs(): number | undefined {
  const given = process.env.KMSTRAIL_WORKERS_AFTER_MS;
  const ms = given === undefined || given.trim() === '' ? NaN : Number(given);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

const quoted = (names: readonly string[]) => names.join(' or ');

/**
 * When nothing matched, a `--source` kmstrail does not know may be why (`kmss`, `kms.amazonws.com`):
 * said then only, as most AWS services are not in its list and their sources are right.
 */
export function unknownSourceNotes(spec: FilterSpec): string[] {
  const notes: string[] = [];
  for (const source of new Set(splitExclusions(spec.sources).include)) {
    const advice = unknownSourceAdvice(source);
    if (!advice) continue;
    const near = advice.suggestions.length > 0 ? `: did you mean ${quoted(advice.suggestions)}?` : ' (a typo, or a service whose events it has no list of)';
    notes.push(`note: no record matched, and --source '${source}' is not an event source kmstrail knows${near}`);
  }
  return notes;
}

/** One warning for each `--event` name that would quietly match nothing (a typo, another service's event). */
export function warnAboutEventNames(spec: FilterSpec, messages: Messages): void {
  // `!x` leaves x out: a typo there quietly leaves nothing out, so it is checked the same way.
  const sources = splitExclusions(spec.sources).include;
  for (const given of new Set(spec.events)) {
    const name = given.startsWith('!') ? given.slice(1) : given;
    const advice = eventNameAdvice(name, sources);
    if (!advice) continue;
    const what = sources.length === 0 ? 'a known event name' : `an event name of ${quoted(sources)}`;
    switch (advice.kind) {
      case 'did-you-mean':
        messages.line(`warning: --event '${given}' is not ${what}: did you mean ${quoted(advice.suggestions)}?`);
        break;
      case 'unknown':
        messages.line(`warning: --event '${given}' is not ${what}, so it matches nothing`);
        break;
      case 'other-source': {
        const short = advice.belongsTo.map((source) => source.replace(/\.amazonaws\.com$/, ''));
        messages.line(
          `warning: --event '${given}' is ${quoted(advice.belongsTo)}'s, but only ${quoted(sources)} events are read ` +
            `(add --source ${short[0]}, or --all-sources)`,
        );
        break;
      }
      case 'versioned':
        messages.line(`warning: --event '${given}': Lambda records it with its API version, as ${advice.dated} (--event '${name}*' matches both)`);
        break;
    }
  }
}

/**
 * The filter with what first passes over the inputs add to it: the keys `--key alias/x` names,
 * and for --origin the issuing calls that lead sessions back to who started them.
 */
export async function completeFilter(paths: readonly string[], filter: RecordFilter, run: RunValues, messages: Messages): Promise<RecordFilter> {
  return (await prepareFilter(paths, filter, run, messages, false)).filter;
}

/** The filter and, when the command shows origins (`shown`) or --origin asks, a resolver of origins. */
export async function prepareFilter(
  paths: readonly string[],
  filter: RecordFilter,
  run: RunValues,
  messages: Messages,
  shown: boolean,
): Promise<{ filter: RecordFilter; originOf?: OriginResolver }> {
  // A first pass over standard input or a pipe needs its bytes again: they are kept as read.
  const firstPass = shown || (filter.spec.origins ?? []).length > 0 || filter.spec.keys.some(namesAliases);
  if (firstPass && !readableTwice(paths)) spoolReadOnceInputs();
  return completeOrigins(paths, await withAliases(paths, filter, run, messages), run, messages, shown);
}

function withAliases(paths: readonly string[], filter: RecordFilter, run: RunValues, messages: Messages): Promise<RecordFilter> {
  warnAboutEventNames(filter.spec, messages);
  const aliases = filter.spec.keys.filter(namesAliases);
  if (aliases.length > 0 && !readableTwice(paths)) {
    messages.line(
      `warning: ${readOnce(paths)}: ${aliases.map((ref) => ref.given).join(', ')} matches only records that name the alias, ` +
        'not those naming its key by ID or ARN (give the files as paths for that)',
    );
  }
  return withAliasKeys(paths, filter, pipelineSettings(run, messages));
}

/** Who is behind a record's session (see src/cloudtrail/origins.ts). */
export type OriginResolver = (record: JsonObject) => Origin;

/**
 * The session origins a run needs: a first pass collects the issuing calls of the inputs, which go
 * into the filter (for --origin, judged on any thread) and make the resolver sinks use. `shown`:
 * the command prints origins even without --origin (trace, summary's origins table). Undefined
 * when neither asks. On standard input there is no first pass: only identities the records name
 * themselves (IAM users, root, services) resolve, and the run says so.
 */
async function completeOrigins(
  paths: readonly string[],
  filter: RecordFilter,
  run: RunValues,
  messages: Messages,
  shown: boolean,
): Promise<{ filter: RecordFilter; originOf?: OriginResolver }> {
  const wanted = (filter.spec.origins ?? []).length > 0;
  if (!wanted && !shown) return { filter };
  const pass = await learnIssuances(paths, filter.spec, pipelineSettings(run, messages));
  if (!pass) {
    messages.line(
      `warning: ${readOnce(paths)}: origins cannot follow role sessions back to the calls that issued their keys ` +
        '(only IAM users, root and AWS services resolve); give the files as paths for that',
    );
  }
  if (pass?.warning) messages.line(pass.warning);
  const index = pass?.index ?? new SessionIndex();
  const issuances = index.issuances();
  return {
    filter: wanted ? buildRecordFilter({ ...filter.spec, issuances }) : filter,
    originOf: (record) => originOf(record, index),
  };
}

/** Runs the pipeline into `sink`, with the progress bar, then prints the sink's warnings. */
export async function readInto(
  paths: readonly string[],
  filter: RecordFilter,
  sink: RecordSink,
  run: RunValues,
  messages: Messages,
  out: Output,
): Promise<PipelineResult> {
  const settings = pipelineSettings(run, messages, out);
  if ((paths.length === 0 || paths.some(isStdinPath)) && process.stdin.isTTY && !run.quiet) {
    messages.line('reading records from standard input (a terminal): end with Ctrl-D, or give trail files, directories or s3:// paths');
  }
  const progress = progressFor(run, messages);
  // Results printed while reading (a table on the same terminal) start on a clean line.
  if (process.stdout.isTTY) out.beforeWrite(progress.stop);
  const result = await runPipeline(paths, filter, sink, { ...settings, report: { ...settings.report, progress: progress.update } });
  progress.stop();
  // A first pass's faults past where the real pass stopped are not this run's to tell.
  if (result.stoppedEarly) messages.dropHeldFaults();
  else messages.tellHeldFaults();
  if (result.stats.matched === 0 && result.stats.records > 0) for (const note of unknownSourceNotes(filter.spec)) messages.line(note);
  for (const warning of [...result.warnings, ...(result.sink.warnings ?? [])]) messages.line(warning);
  return result;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

const STRATEGIES: Record<RunStats['strategy'], string> = {
  sequential: 'sequential: one thread',
  'parallel-files': 'parallel-files: files read in batches, on this thread and on worker threads once they pay',
  'split-file': 'split-file: this thread, and plain files of 64 MiB or more in two parts on two threads',
};

/** The --stats lines: totals, then how the inputs were read, then what the sink adds. */
export function statsLines({ stats, sink }: PipelineResult): string[] {
  const seconds = (Date.now() - stats.startedAt) / 1000;
  const skipped = [...stats.skipped.entries()];
  const skippedTotal = skipped.reduce((sum, [, n]) => sum + n, 0);
  const why = skipped.map(([reason, n]) => `${reason}: ${n}`).join(', ');
  return [
    `stats: ${stats.files} file${stats.files === 1 ? '' : 's'}, ${formatBytes(stats.bytes)}, ` +
      `${stats.records.toLocaleString('en-US')} records read, ${stats.matched.toLocaleString('en-US')} matched, ` +
      `${stats.duplicates.toLocaleString('en-US')} duplicates dropped, ` +
      (stats.pruned > 0 ? `${stats.pruned.toLocaleString('en-US')} file${stats.pruned === 1 ? '' : 's'} skipped unread (folders outside the window, accounts or regions), ` : '') +
      // Faults, not records: one may skip a record, a whole file, or nothing (a missing ',').
      `${skippedTotal} input problem${skippedTotal === 1 ? '' : 's'}${skippedTotal ? ` (${why})` : ''}, ${seconds.toFixed(2)} s`,
    `stats: read ${STRATEGIES[stats.strategy]}${stats.notes.map((note) => `; ${note}`).join('')}`,
    ...(stats.times ? [`stats: time window: ${stats.times.untimed.toLocaleString('en-US')} records without a readable eventTime (never in a window)`] : []),
    ...(sink.stats ?? []),
  ];
}
