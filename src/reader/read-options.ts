/**
 * The narrow interface every reader offers (the fast splitter and stream-json's parser alike):
 * an input in, batches of records out, faults and progress told as they happen, and a hot-field
 * pre-check a filter may hand in. What only parallel reading needs is apart, in trail-part.ts.
 */
import type { TrailInput } from '../sources/trail-input.js';
import type { HotFields } from './record-splitter.js';
import type { InputFault, TrailRecord } from './trail-record.js';

export type HotField = keyof HotFields;

/**
 * A pre-check on the top-level `eventName`, `eventSource` and `eventTime`, read from the raw bytes
 * before a record is parsed. It may only say "cannot match": false rules a record out unparsed.
 */
export interface Prefilter {
  /** The fields `accept` judges; a reader need not even look at the others. */
  readonly fields: readonly HotField[];
  accept(field: HotField, value: string): boolean;
  /**
   * With eventTime among `fields`: the window `accept` holds times to, in ms ([since, until)), so
   * that a reader may judge plainly written times itself. It must then still tell `accept` the
   * earliest and latest of the times it judged, and one it found inside, if any (the window notes
   * what it saw).
   */
  readonly window?: { since?: number; until?: number };
}

export interface ReadProgress {
  /** Records seen since the last report, parsed or ruled out by the pre-check. */
  records: number;
  /** Decoded bytes of this input read so far. */
  bytes: number;
  /** The decoded size is not the stored size (a percentage of the file cannot be told). */
  gzipped: boolean;
}

export interface ReadOptions {
  prefilter?: Prefilter;
  onFault(fault: InputFault): void;
  /** After the first fault, emit nothing more from this input (--strict). */
  stopOnFault?: boolean;
  /** After each batch, and once at the end: for --stats and the progress bar. */
  onProgress?(progress: ReadProgress): void;
  /**
   * Nothing reads the records but their text, probably (the filter takes them all, and the sink
   * prints them): a reader may hand on `UnparsedRecord`s, checked as JSON but parsed only if read.
   */
  unparsed?: boolean;
}

/** A reader: one input's records, in input order, in batches (one per chunk of input). */
export type TrailReader = (input: TrailInput, options: ReadOptions) => AsyncGenerator<TrailRecord[]>;
