/**
 * What only parallel reading asks of the reader: start in the middle of a file, stop before a huge
 * record so another thread reads it, or stop where another thread took over. The pipeline's
 * parallel strategies use these; every other caller reads whole inputs through ReadOptions alone.
 */
import type { ResumePoint } from './record-splitter.js';

export interface TrailPartOptions {
  /**
   * Read from a record in the middle of the input, not from its start: the splitter starts at
   * `point` (see `RecordSplitter.resume`). The input's own bytes begin at `inputOffset` of the file
   * (0 for the whole file: the bytes before the point are then skipped unread).
   */
  resume?: { point: ResumePoint; inputOffset: number };
  /**
   * Asked about each record of `HUGE_RECORD_BYTES` or more before it is decoded; true stops reading
   * right there, and the record is left to whoever resumes from `point`. A worker thread hands
   * such records back to the main thread: there they are decoded once, not also copied across.
   */
  handBack?: (point: ResumePoint) => boolean;
  /** The size from which `handBack` is asked (default HUGE_RECORD_BYTES); tests use 0. */
  handBackBytes?: number;
  /** Where the first part of a split file ends: see `SplitPoint`. */
  splitAt?: SplitPoint;
}

/**
 * A byte offset where another thread may have taken over reading the file. When the splitter
 * reaches it, `handOver` is told whether the bytes so far end between two records (and the line
 * there); if it returns true, reading stops at that offset, otherwise it goes on to the end.
 */
export interface SplitPoint {
  offset: number;
  handOver(betweenRecords: boolean, line: number): boolean;
}
