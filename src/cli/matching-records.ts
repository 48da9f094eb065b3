/**
 * The pipeline every command runs: paths → inputs → records → filter → the command's callback.
 * It owns the run-wide concerns (--limit, --strict, a closed stdout, counts for --stats), so the
 * command files only say what to do with a matching record.
 */
import type { RecordFilter } from '../filters/record-filter.js';
import { readTrail, type ReadOptions, type TrailRecord } from '../reader/trail-reader.js';
import { expandPaths, filePartInput } from '../sources/expand-paths.js';
import type { TrailInput } from '../sources/trail-input.js';
import { readInParallel } from './parallel/parallel-reader.js';
import { FileTail, planSplit } from './parallel/split-file.js';
import type { Output } from '../sinks/output.js';
import { collectGarbage } from '../util/collect-garbage.js';
import type { Messages } from './messages.js';
import type { RunSettings } from './run-options.js';

export interface RunStats {
  files: number;
  /** Decoded (uncompressed) bytes read. */
  bytes: number;
  /** Records seen, including those the pre-check rejected unparsed. */
  records: number;
  matched: number;
  startedAt: number;
}

export interface PipelineHooks {
  /**
   * Called with the running totals after each chunk (the progress bar), with the current file's
   * decoded bytes so far and its size when that is comparable (a plain file of known size).
   */
  onProgress?: (stats: RunStats, file: string, fileBytes?: number, fileSize?: number) => void;
}

export async function forEachMatch(
  paths: readonly string[],
  filter: RecordFilter,
  run: RunSettings,
  messages: Messages,
  out: Output | undefined,
  onMatch: (record: TrailRecord) => void,
  hooks: PipelineHooks = {},
): Promise<RunStats> {
  const stats: RunStats = { files: 0, bytes: 0, records: 0, matched: 0, startedAt: Date.now() };
  /** Stop now: --limit reached or nobody reads our output any more. */
  let stop = false;
  /** Stop after this batch: --strict saw a fault (the reader already held back what followed it). */
  let faulted = false;
  const walked = expandPaths(
    paths,
    (problem) => {
      messages.source(problem);
      if (run.strict && !problem.warning) faulted = true;
    },
    {
      s3: { profile: run.profile, endpointUrl: run.endpointUrl, prefetch: Math.max(2, run.jobs * 2) },
      pruning: { since: filter.spec.since, until: filter.spec.until, accounts: filter.spec.accounts, regions: filter.spec.regions },
    },
  );
  const inputs = countingInputs(walked, stats);

  // Several files on several cores, when there are several files and order can be kept cheaply.
  // --strict stays sequential so that nothing after the first fault is printed.
  const parallel =
    run.jobs > 1 && !run.strict && run.reader === 'fast' && paths.length > 0 && paths.every((p) => p !== '-' && !/^s3:\/\//i.test(p));
  // The stream-json reader is loaded only when asked for.
  const read = run.reader === 'stream-json' ? (await import('../reader/stream-json-reader.js')).readTrailWithStreamJson : readTrail;
  const peeked: TrailInput[] = [];
  if (parallel) {
    for (let k = 0; k < 2; k++) {
      const next = await inputs.next();
      if (next.done) break;
      peeked.push(next.value);
    }
  }
  const all = withPeeked(peeked, inputs);

  const take = (record: TrailRecord) => {
    stats.matched++;
    onMatch(record);
    if (run.limit !== undefined && stats.matched >= run.limit) stop = true;
  };
  const afterBatch = async (batch: TrailRecord[]) => {
    if (out) {
      await out.ready();
      if (out.stopped) stop = true;
    }
    if (batch.some((record) => record.huge)) {
      // Done with a record of many megabytes: its copies go now, not when the heap has grown on
      // top of them. Emptied first, as this frame still holds the batch.
      batch.length = 0;
      collectGarbage();
    }
  };

  if (parallel && peeked.length === 2) {
    const batches = readInParallel(all, filter, run.jobs, {
      onFault: (fault) => messages.fault(fault),
      onProgress: (records, bytes, file) => {
        stats.records += records;
        stats.bytes += bytes;
        hooks.onProgress?.(stats, file);
      },
    });
    for await (const batch of batches) {
      for (const record of batch) {
        take(record);
        if (stop) break;
      }
      await afterBatch(batch);
      if (stop) break;
    }
    return stats;
  }

  // One big plain file: its two parts on two cores (split-file.ts). Not when every record matches:
  // then printing or counting them all on this thread is the bottleneck, not reading.
  const splitting = run.jobs > 1 && !run.strict && run.reader === 'fast' && !filter.acceptsAll;

  /** Reads one input (or part of one) here, on this thread, and takes what matches. */
  const readHere = async (input: TrailInput, bytesBefore: number, extra: Partial<ReadOptions>) => {
    const reader = read(input, {
      ...extra,
      prefilter: filter.acceptsAll ? undefined : filter.prefilterField,
      prefilterFields: filter.prefilterFields,
      stopOnFault: run.strict,
      onFault: (fault) => {
        messages.fault(fault);
        if (run.strict && !fault.warning) faulted = true;
      },
      onProgress: (records, bytes, gzipped) => {
        stats.records += records;
        stats.bytes = bytesBefore + bytes;
        hooks.onProgress?.(stats, input.label, bytes, gzipped ? undefined : input.size);
      },
    });
    for await (const batch of reader) {
      for (const record of batch) {
        if (!filter.matches(record.record)) continue;
        take(record);
        if (stop) break;
      }
      await afterBatch(batch);
      if (stop || faulted) break;
    }
  };

  for await (const input of all) {
    if (stop || faulted) break;
    const bytesBefore = stats.bytes;
    const splitAt = splitting && input.path !== undefined && input.size !== undefined ? planSplit(input.path, input.size) : undefined;
    if (splitAt === undefined) {
      await readHere(input, bytesBefore, {});
      continue;
    }
    const tail = new FileTail(input.label, splitAt, filter.spec);
    try {
      await readHere(filePartInput(input.label, 0, () => tail.helping), bytesBefore, { splitAt: tail });
      // The worker's part, when it took over: already filtered there.
      for await (const event of !stop && !faulted ? tail.results() : []) {
        if ('fault' in event) {
          messages.fault(event.fault);
        } else if ('handback' in event) {
          const point = event.handback;
          // Its work is done: its memory should not sit beside the huge record's copies.
          await tail.cancel();
          const rest = filePartInput(input.label, point.offset, () => false);
          await readHere(rest, bytesBefore, { resume: { point, inputOffset: point.offset } });
          break;
        } else {
          stats.records += event.seen;
          stats.bytes = bytesBefore + event.bytes;
          hooks.onProgress?.(stats, input.label, event.bytes, input.size);
          for (const record of event.records) {
            take(record);
            if (stop) break;
          }
          await afterBatch(event.records);
          if (stop) break;
        }
      }
    } finally {
      await tail.cancel();
    }
  }
  return stats;
}

async function* countingInputs(inputs: AsyncIterable<TrailInput>, stats: RunStats): AsyncGenerator<TrailInput> {
  for await (const input of inputs) {
    stats.files++;
    yield input;
  }
}

async function* withPeeked(peeked: TrailInput[], rest: AsyncIterator<TrailInput>): AsyncGenerator<TrailInput> {
  yield* peeked;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** The --stats line(s). */
export function statsLines(stats: RunStats, messages: Messages): string[] {
  const seconds = (Date.now() - stats.startedAt) / 1000;
  const skipped = [...messages.skipped.entries()];
  const skippedTotal = skipped.reduce((sum, [, n]) => sum + n, 0);
  const why = skipped.map(([reason, n]) => `${reason}: ${n}`).join(', ');
  return [
    `stats: ${stats.files} file${stats.files === 1 ? '' : 's'}, ${formatBytes(stats.bytes)}, ` +
      `${stats.records.toLocaleString('en-US')} records read, ${stats.matched.toLocaleString('en-US')} matched, ` +
      `${skippedTotal} skipped${skippedTotal ? ` (${why})` : ''}, ${seconds.toFixed(2)} s`,
  ];
}
