/**
 * The one loop every command runs: paths → inputs → a read strategy's matching records → the sink.
 * It owns what is the same whatever the command and however the inputs are read: --limit,
 * back-pressure from the output, --strict, garbage collection after huge records, progress and the
 * counts of --stats. Commands only build a filter and a sink and hand them over.
 */
import type { FilterSpec } from '../filters/filter-spec.js';
import { mergeTimes, noTimesSeen, type RecordFilter, type TimesSeen } from '../filters/record-filter.js';
import type { TrailReader } from '../reader/read-options.js';
import type { InputFault, SkipReason } from '../reader/trail-record.js';
import { readTrail } from '../reader/trail-reader.js';
import type { RecordSink, SinkReport } from '../sinks/sink.js';
import { expandPaths, isLocalPath } from '../sources/expand-paths.js';
import type { InputPruning } from '../sources/pruning.js';
import type { SourceProblem, TrailInput } from '../sources/trail-input.js';
import { collectGarbage } from '../util/collect-garbage.js';
import { CopyFilter } from './copies.js';
import { parallelFiles } from './parallel-files.js';
import type { ReadContext, ReadStrategy, StrategyName } from './read-strategy.js';
import { sequential } from './sequential.js';
import { splitFile } from './split-file.js';

export interface RunStats {
  files: number;
  /** Decoded (uncompressed) bytes read. */
  bytes: number;
  /** Records seen, including those the pre-check rejected unparsed. */
  records: number;
  matched: number;
  /** Matching records dropped as copies of one taken before (see copies.ts). */
  duplicates: number;
  /** Local files left unread: their AWSLogs folders cannot hold records of the window, accounts, regions. */
  pruned: number;
  /** The first and last day folders of local AWSLogs layouts met (ms), read or not. */
  days?: { first: number; last: number };
  /** Records and inputs not read, by why (warnings are not counted). */
  skipped: Map<SkipReason, number>;
  startedAt: number;
  strategy: StrategyName;
  /** What the strategy did that is worth telling (a split file taken or declined). */
  notes: string[];
  /** With --since/--until: what the window saw of the records it judged. */
  times?: TimesSeen;
}

/** Where the run tells what happens as it happens: faults, problems with paths, progress. */
export interface RunReport {
  fault(fault: InputFault): void;
  /**
   * A first pass's fault (see firstPassSettings): the real pass rejects some records unparsed that
   * the first pass read whole (an STS call broken inside, for origins), so its faults are told
   * after the real pass, those it did not tell itself. Absent: a first pass's faults go untold.
   */
  firstPassFault?(fault: InputFault): void;
  problem(problem: SourceProblem): void;
  progress?(stats: RunStats, file: string, fileBytes?: number, fileSize?: number): void;
}

/** The output the sink writes to, as far as the loop cares: wait for it, stop when it stopped. */
export interface BackPressure {
  ready(): Promise<void>;
  readonly stopped: boolean;
}

export interface PipelineSettings {
  /** Threads that may read (several files at once, or one big file in two parts). */
  jobs: number;
  /** How long this thread reads small files alone before workers start (tests lower it; see parallel-files.ts). */
  workersAfterMs?: number;
  /** Stop at the first fault of any input; nothing after it is emitted. */
  strict: boolean;
  /** Stop after this many matches, and stop reading. */
  limit?: number;
  reader: 'fast' | 'stream-json';
  /** Keep copies of one event (by default every copy after the first is dropped). */
  keepDuplicates?: boolean;
  /** Distinct records the copy filter remembers (tests lower it). */
  copiesRemembered?: number;
  s3: { profile?: string; endpointUrl?: string };
  output?: BackPressure;
  report: RunReport;
  /**
   * Which day, account and region folders of AWSLogs trees may hold wanted records (default: the
   * filter's); `false` reads every folder (--no-prune).
   */
  pruning?: InputPruning | false;
}

/**
 * The settings of a first pass over a real pass's inputs (alias keys, issuing calls): silent, as
 * the real pass tells the problems; whole, with no limit; printing nothing; its folders pruned by
 * `pruning`, unless the run reads every folder (--no-prune). With --strict it stops at its first
 * fault too: what lies after the point where the real pass stops (an alias created there) must
 * not decide what the real pass prints.
 */
export function firstPassSettings(settings: PipelineSettings, pruning: InputPruning): PipelineSettings {
  return {
    ...settings,
    limit: undefined,
    output: undefined,
    report: { fault: settings.report.firstPassFault ?? (() => {}), problem() {} },
    pruning: settings.pruning === false ? false : pruning,
  };
}

/** The folders the filter's window, accounts and regions allow, for pruning AWSLogs trees. */
export function pruningOf(spec: FilterSpec): InputPruning {
  // --account X also keeps records of X's principals delivered to other accounts' folders (a
  // cross-account Decrypt lands in the key owner's): only `!X`, which drops a record delivered to
  // X whoever made it, rules out X's folder.
  const accounts = spec.accounts.filter((a) => a.startsWith('!'));
  return { since: spec.since, until: spec.until, accounts, regions: spec.regions };
}

export interface PipelineResult {
  stats: RunStats;
  /** What the sink had to say at its end (warnings, lines for --stats). */
  sink: SinkReport;
  /** What the run itself has to warn about (a cap reached). */
  warnings: string[];
  /** The run stopped before the inputs' end: --limit reached, output closed, or --strict's first fault. */
  stoppedEarly: boolean;
}

/**
 * The strategy for these inputs. Several local files are read in batches and shared out over the
 * workers (none with --jobs 1: batches still spare a tree's small files most of their cost);
 * otherwise one big plain file may be read in two parts. --strict and the stream-json reader stay
 * on this thread, one input after the other: nothing after a fault may be read, and the
 * cross-checking reader must stay independent.
 */
function chooseStrategy(paths: readonly string[], peeked: number, filter: RecordFilter, settings: PipelineSettings): ReadStrategy {
  const fastPath = !settings.strict && settings.reader === 'fast';
  if (fastPath && peeked >= 2 && paths.length > 0 && paths.every(isLocalPath)) return parallelFiles;
  if (fastPath && settings.jobs > 1 && !filter.acceptsAll) return splitFile;
  return sequential;
}

export async function runPipeline(
  paths: readonly string[],
  filter: RecordFilter,
  sink: RecordSink,
  settings: PipelineSettings,
): Promise<PipelineResult> {
  const { report, output } = settings;
  const stats: RunStats = {
    files: 0,
    bytes: 0,
    records: 0,
    matched: 0,
    duplicates: 0,
    pruned: 0,
    skipped: new Map(),
    startedAt: Date.now(),
    strategy: 'sequential',
    notes: [],
    times: filter.times ? noTimesSeen() : undefined,
  };
  const skip = (reason: SkipReason) => stats.skipped.set(reason, (stats.skipped.get(reason) ?? 0) + 1);
  /** --strict saw a fault: the batch in hand is the last. */
  let faulted = false;

  const walked = expandPaths(
    paths,
    (problem) => {
      if (!problem.warning) {
        skip('unreadable input');
        if (settings.strict) faulted = true;
      }
      report.problem(problem);
    },
    {
      s3: { ...settings.s3, prefetch: Math.max(2, settings.jobs * 2) },
      pruning: settings.pruning === false ? undefined : (settings.pruning ?? pruningOf(filter.spec)),
      onPruned: (files) => (stats.pruned += files),
      onNotTrail: () => skip('not a trail file'),
      onDayFolder(day) {
        const ms = day.getTime();
        stats.days = { first: Math.min(stats.days?.first ?? ms, ms), last: Math.max(stats.days?.last ?? ms, ms) };
      },
    },
  );
  // Two inputs are looked at before choosing: one alone is never shared out.
  const peeked: TrailInput[] = [];
  for (let k = 0; k < 2; k++) {
    const next = await walked.next();
    if (next.done) break;
    stats.files++;
    peeked.push(next.value);
  }
  const strategy = chooseStrategy(paths, peeked.length, filter, settings);
  stats.strategy = strategy.name;
  // The stream-json reader is loaded only when asked for.
  const read: TrailReader = settings.reader === 'stream-json' ? (await import('../reader/stream-json-reader.js')).readTrailWithStreamJson : readTrail;

  const context: ReadContext = {
    filter,
    read,
    jobs: settings.jobs,
    workersAfterMs: settings.workersAfterMs,
    strict: settings.strict,
    unparsed: filter.acceptsAll && sink.textOnly === true,
    fault(fault) {
      if (!fault.warning) {
        skip(fault.reason);
        if (settings.strict) faulted = true;
      }
      report.fault(fault);
    },
    progress(records, bytes, file, fileBytes, fileSize) {
      stats.records += records;
      stats.bytes += bytes;
      report.progress?.(stats, file, fileBytes, fileSize);
    },
    note: (what) => stats.notes.push(what),
    timesSeen(times) {
      if (stats.times) mergeTimes(stats.times, times);
    },
    get stopped() {
      return faulted;
    },
  };

  const limit = settings.limit ?? Infinity;
  const copies = settings.keepDuplicates ? undefined : new CopyFilter(settings.copiesRemembered);
  let stoppedEarly = false;
  for await (const batch of strategy.matches(countedInputs(peeked, walked, stats), context)) {
    let full = false;
    for (const record of batch.records) {
      if (copies?.isCopy(record)) continue;
      stats.matched++;
      sink.write(record);
      if (stats.matched >= limit) {
        full = true;
        break;
      }
    }
    if (output) await output.ready();
    if (batch.huge) {
      // Done with a record of many megabytes: its copies go now, not when the heap has grown on
      // top of them. Emptied first, as this frame still holds the batch.
      batch.records.length = 0;
      collectGarbage();
    }
    if (full || output?.stopped || faulted) {
      stoppedEarly = true;
      break;
    }
  }
  stats.duplicates = copies?.dropped ?? 0;
  if (stats.times && filter.times) mergeTimes(stats.times, filter.times);
  const warnings: string[] = [];
  if (copies?.fullAt) {
    const { cap, fullAt } = copies;
    warnings.push(
      `warning: more than ${cap.toLocaleString('en-US')} distinct records: copies of records from ${fullAt.file}:${fullAt.line} on are no longer recognised and may be counted twice`,
    );
  }
  const window = windowMissed(stats, filter.spec);
  if (window) warnings.push(window);
  const totals = { files: stats.files, recordsRead: stats.records, duplicates: stats.duplicates };
  return { stats, sink: (await sink.end(totals)) ?? {}, warnings, stoppedEarly };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

/**
 * When a time window left nothing, what the records read did cover: a relative `--since 7d` on
 * last year's trail is otherwise a silent zero.
 */
function windowMissed(stats: RunStats, spec: FilterSpec): string | undefined {
  const times = stats.times;
  // Records inside the window were judged: the other filters, not the window, left nothing.
  if (!times || stats.matched > 0 || times.inside > 0) return undefined;
  const window = `[${spec.since !== undefined ? iso(spec.since) : '…'}, ${spec.until !== undefined ? iso(spec.until) : '…'})`;
  const folders = stats.days && stats.pruned > 0 ? `; the day folders of the inputs span ${iso(stats.days.first).slice(0, 10)} to ${iso(stats.days.last).slice(0, 10)}` : '';
  if (times.first <= times.last) return `note: no record in the time window ${window}: the records read span ${iso(times.first)} to ${iso(times.last)}${folders}`;
  // Folders were pruned and no file was read: the window may be why, or the regions and accounts.
  const elsewhere = spec.regions.length > 0 || spec.accounts.length > 0 ? ' (nor in the regions and accounts asked for)' : '';
  if (folders && stats.files === 0) return `note: no record in the time window ${window}: no file was in it${elsewhere}${folders}`;
  // No time was judged at all: other filters ruled every record out first.
  if (times.untimed === 0) return undefined;
  return `note: no record in the time window ${window}: none of the records judged has a readable eventTime`;
}

/**
 * The inputs after the peeked ones, counted as they are taken. A plain iterator, not two async
 * generators in a row: each layer cost a few promises per file of a tree of thousands.
 */
function countedInputs(peeked: TrailInput[], rest: AsyncIterator<TrailInput>, stats: RunStats): AsyncIterator<TrailInput> {
  let at = 0;
  return {
    async next() {
      if (at < peeked.length) return { done: false, value: peeked[at++] };
      const next = await rest.next();
      if (!next.done) stats.files++;
      return next;
    },
  };
}
