/**
 * The one interface behind which the read strategies hide: inputs in, the records the filter
 * accepts out, in input order, a batch at a time. Whether they were read on this thread, by a
 * pool of workers over many files, or by two threads over one big file is the strategy's business;
 * the pipeline loop (run-pipeline.ts) takes every batch the same way.
 */
import type { RecordFilter, TimesSeen } from '../filters/record-filter.js';
import type { TrailReader } from '../reader/read-options.js';
import type { InputFault, TrailRecord } from '../reader/trail-record.js';
import type { TrailInput } from '../sources/trail-input.js';

export type StrategyName = 'sequential' | 'parallel-files' | 'split-file';

/** What a strategy is given: the built filter and reader, the run's limits, and where to report. */
export interface ReadContext {
  readonly filter: RecordFilter;
  readonly read: TrailReader;
  /** Threads that may read. */
  readonly jobs: number;
  /** How long this thread reads a tree's small files alone before workers start (parallel-files). */
  readonly workersAfterMs?: number;
  /** --strict: stop at the first fault, so nothing after it is emitted. */
  readonly strict: boolean;
  fault(fault: InputFault): void;
  /**
   * Records seen and decoded bytes read since the last call, in `file`; `fileBytes`/`fileSize`
   * are where this file's reading stands, when its size is comparable (a plain local file).
   */
  progress(records: number, bytes: number, file: string, fileBytes?: number, fileSize?: number): void;
  /** What the strategy did that a test or --stats should be able to see ("split taken"). */
  note(what: string): void;
  /** What a worker's copy of the filter's time window saw (this thread's copy is read at the end). */
  timesSeen(times: TimesSeen): void;
  /** Records may be read unparsed (ReadOptions.unparsed): the filter takes all, the sink prints text. */
  readonly unparsed: boolean;
  /** True once a --strict fault ended the run: finish the batch in hand, start no other input. */
  readonly stopped: boolean;
}

/** Matching records of one stretch of input (a chunk, a worker's report), in input order. */
export interface MatchBatch {
  records: TrailRecord[];
  /**
   * A record of HUGE_RECORD_BYTES or more was read in this stretch, matching or not: once the
   * batch is done with, its copies should be collected at once (see collectGarbage).
   */
  huge: boolean;
}

export interface ReadStrategy {
  readonly name: StrategyName;
  /**
   * The matching records of `inputs`, in input order. The pipeline may stop taking batches at any
   * point (--limit, a closed stdout): the generator's `finally` must then release what it holds.
   */
  matches(inputs: AsyncIterator<TrailInput>, context: ReadContext): AsyncGenerator<MatchBatch>;
}

/**
 * A reader's batch as a MatchBatch: the records `filter` accepts, kept in place (not copied) so
 * that no other array still holds a huge record once the consumer has emptied this one.
 */
export function matchBatch(batch: TrailRecord[], filter: RecordFilter): MatchBatch {
  let huge = false;
  let kept = 0;
  for (const record of batch) {
    if (record.huge) huge = true;
    if (filter.acceptsAll || filter.matches(record.record)) batch[kept++] = record;
  }
  batch.length = kept;
  return { records: batch, huge };
}
