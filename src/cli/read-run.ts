/**
 * What every reading command does around its pipeline: run options to pipeline settings, faults
 * and problems to stderr, the progress bar, the sink's warnings, the --stats lines.
 */
import { eventNameAdvice } from '../cloudtrail/event-names.js';
import type { FilterSpec } from '../filters/filter-spec.js';
import type { RecordFilter } from '../filters/record-filter.js';
import { readableTwice, withAliasKeys } from '../pipeline/alias-pass.js';
import { runPipeline, type PipelineResult, type PipelineSettings, type RunStats } from '../pipeline/run-pipeline.js';
import type { Output } from '../sinks/output.js';
import type { RecordSink } from '../sinks/sink.js';
import type { Messages } from './messages.js';
import type { RunValues } from './options/run-options.js';
import { progressFor } from './progress.js';

export function pipelineSettings(run: RunValues, messages: Messages, out?: Output): PipelineSettings {
  return {
    jobs: run.jobs,
    strict: run.strict,
    limit: run.limit,
    reader: run.reader,
    keepDuplicates: run.keepDuplicates,
    pruning: run.prune ? undefined : false,
    s3: { profile: run.profile, endpointUrl: run.endpointUrl },
    output: out,
    report: { fault: (fault) => messages.fault(fault), problem: (problem) => messages.source(problem) },
  };
}

const quoted = (names: readonly string[]) => names.join(' or ');

/** One warning for each `--event` name that would quietly match nothing (a typo, another service's event). */
export function warnAboutEventNames(spec: FilterSpec, messages: Messages): void {
  for (const name of new Set(spec.events)) {
    const advice = eventNameAdvice(name, spec.sources);
    if (!advice) continue;
    const what = spec.sources.length === 0 ? 'a known event name' : `an event name of ${quoted(spec.sources)}`;
    switch (advice.kind) {
      case 'did-you-mean':
        messages.line(`warning: --event '${name}' is not ${what}: did you mean ${quoted(advice.suggestions)}?`);
        break;
      case 'unknown':
        messages.line(`warning: --event '${name}' is not ${what}, so it matches nothing`);
        break;
      case 'other-source': {
        const short = advice.belongsTo.map((source) => source.replace(/\.amazonaws\.com$/, ''));
        messages.line(
          `warning: --event '${name}' is ${quoted(advice.belongsTo)}'s, but only ${quoted(spec.sources)} events are read ` +
            `(add --source ${short[0]}, or --all-sources)`,
        );
        break;
      }
      case 'versioned':
        messages.line(`warning: --event '${name}': Lambda records it with its API version, as ${advice.dated} (--event '${name}*' matches both)`);
        break;
    }
  }
}

/** The filter with what a first pass over the inputs adds to it (the keys `--key alias/x` names). */
export function completeFilter(paths: readonly string[], filter: RecordFilter, run: RunValues, messages: Messages): Promise<RecordFilter> {
  warnAboutEventNames(filter.spec, messages);
  const aliases = filter.spec.keys.filter((ref) => ref.alias !== undefined);
  if (aliases.length > 0 && !readableTwice(paths)) {
    messages.line(
      `warning: standard input is read once: ${aliases.map((ref) => ref.given).join(', ')} matches only records that name the alias, ` +
        'not those naming its key by ID or ARN (give the files as paths for that)',
    );
  }
  return withAliasKeys(paths, filter, pipelineSettings(run, messages));
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
  if ((paths.length === 0 || paths.includes('-')) && process.stdin.isTTY && !run.quiet) {
    messages.line('reading records from standard input (a terminal): end with Ctrl-D, or give trail files, directories or s3:// paths');
  }
  const progress = progressFor(run, messages);
  // Results printed while reading (a table on the same terminal) start on a clean line.
  if (process.stdout.isTTY) out.beforeWrite(progress.stop);
  const result = await runPipeline(paths, filter, sink, { ...settings, report: { ...settings.report, progress: progress.update } });
  progress.stop();
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
  'parallel-files': 'parallel-files: files shared out over worker threads',
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
      (stats.pruned > 0 ? `${stats.pruned.toLocaleString('en-US')} files skipped unread (folders outside the window, accounts or regions), ` : '') +
      `${skippedTotal} skipped${skippedTotal ? ` (${why})` : ''}, ${seconds.toFixed(2)} s`,
    `stats: read ${STRATEGIES[stats.strategy]}${stats.notes.map((note) => `; ${note}`).join('')}`,
    ...(stats.times ? [`stats: time window: ${stats.times.untimed.toLocaleString('en-US')} records without a readable eventTime (never in a window)`] : []),
    ...(sink.stats ?? []),
  ];
}
