/** Messages between the main thread and the read workers (read-worker.ts). */
import type { FilterSpec } from '../filters/filter-spec.js';
import type { TimesSeen } from '../filters/record-filter.js';
import type { ResumePoint } from '../reader/record-splitter.js';
import { UnparsedRecord, type InputFault, type TrailRecord } from '../reader/trail-record.js';

export interface WorkerSetup {
  spec: FilterSpec;
  /**
   * For a worker reading the second part of a split file, two Int32s. `TAIL_HELD`: characters of
   * matching records sent but not yet taken by the main thread, which holds them until it has
   * printed the first part. `TAIL_STATE`: who decided the split's fate (`TAIL_OPEN` until then).
   */
  tail?: SharedArrayBuffer;
  /** One Int32, set to 1 when the run no longer wants what the worker reads: a batch stops at its next file. */
  stop?: SharedArrayBuffer;
  /** Records may be read unparsed (ReadContext.unparsed): the filter takes all, the sink prints text. */
  unparsed?: boolean;
}

export const TAIL_HELD = 0;
export const TAIL_STATE = 1;
/**
 * What the main thread may hold of the second part while it reads the first. Past it, before the
 * split is accepted, the worker gives up: so many matches mean printing, not reading, is the
 * bottleneck, and the main thread is better off reading on alone than holding them all.
 */
export const TAIL_HELD_MAX_CHARS = 16 << 20;
/**
 * Matches that make up more than this share of the bytes scanned (judged after the first
 * TAIL_DENSE_AFTER_BYTES) also make the worker give up: the main thread would spend more time
 * taking them over (and, for counting commands, parsing them again) than the worker saved it.
 */
export const TAIL_DENSE_SHARE = 0.08;
export const TAIL_DENSE_AFTER_BYTES = 2 << 20;
/** `TAIL_STATE` values, set once by compare-and-swap so the worker and main thread cannot both decide. */
export const TAIL_OPEN = 0;
/** The main thread reached the split point and will print the worker's matches. */
export const TAIL_ACCEPTED = 1;
/** The worker stopped: the main thread reads the whole file. */
export const TAIL_GAVE_UP = 2;

/** Main → worker: read this file (from byte `from`, between two records, when given). */
export interface ReadRequest {
  id: number;
  path: string;
  size?: number;
  from?: number;
}

/** Files of at most this size are read in batches; a bigger one is read alone (and streamed). */
export const BATCH_FILE_MAX = 1 << 20;

/**
 * Main → worker: read these small files, each whole, and answer once for all of them. A tree's
 * files are mostly a few kilobytes: a message, a stream and a round of promises per file cost
 * more than reading it.
 */
export interface ReadFilesRequest {
  type: 'files';
  /** How the answer names the request: its first file's id. */
  batch: number;
  files: Array<{ id: number; path: string; size?: number }>;
}

/** What one file of a `files` request gave, in file order. */
export type FileEvent =
  | { records: MatchedRecord[] }
  /** Matching records as parsed objects: only from a batch the main thread read itself, never sent. */
  | { kept: TrailRecord[] }
  | { fault: InputFault }
  | { handback: ResumePoint };

export interface FileResult {
  id: number;
  events: FileEvent[];
  seen: number;
  bytes: number;
  /** False only when a huge record was handed back: the main thread reads the rest of the file. */
  done: boolean;
  /** The file was not read: it holds this many bytes, too many for a batch (ask for it alone). */
  tooBig?: number;
}

/** A matching record as JSON text, with its place and its fingerprint hash: [text, offset, line, fingerprint]. */
export type MatchedRecord = [string, number, number, [number, number] | null];

/** Worker → main. */
export type WorkerReport =
  /** `times`: what the filter's time window saw since the last report (with --since/--until). */
  | { type: 'matches'; id: number; records: MatchedRecord[]; seen: number; bytes: number; times?: TimesSeen }
  | { type: 'fault'; id: number; fault: InputFault }
  /** A record too big to copy across threads starts here: the main thread reads the rest. */
  | { type: 'handback'; id: number; point: ResumePoint }
  | { type: 'done'; id: number }
  | { type: 'crash'; id: number; message: string }
  /** The answer to a `files` request: the files read, in order (those after a hand-back are not). */
  | { type: 'files'; batch: number; results: FileResult[]; times?: TimesSeen }
  | { type: 'files-crash'; batch: number; message: string }
  /** The answer to a `stop` request: the worker is between two pieces of work (see endWorker). */
  | { type: 'stopped' };

/**
 * What the main thread may hold of a whole file's matches that a worker read ahead of its turn
 * (the main thread prints the files before it first). Past it the worker's read waits until the
 * main thread says it took some (TakenRequest): with a slow reader of the output, a second big
 * file's matches would otherwise pile up whole (670 MB over two 110 MiB files).
 */
export const WHOLE_HELD_MAX_CHARS = 4 << 20;

/** Main → worker: the characters of a file's matches (ReadRequest `id`) the main thread took. */
export interface TakenRequest {
  type: 'taken';
  id: number;
  chars: number;
}

/** Main → worker, after the requests it may still hold: say when idle. */
export interface StopRequest {
  type: 'stop';
}

/**
 * A record read in a worker: parsed again only if something asks for the object. An instance of a
 * class, not an object with a getter and its closure: a tree's records pass through here by the
 * hundred thousand, and the main thread is the one that waits on garbage collection.
 */
export function lazyRecord([text, offset, line, fingerprint]: MatchedRecord, file: string, lineShift = 0): TrailRecord {
  return new UnparsedRecord(text, file, offset, line + lineShift, fingerprint);
}

/** Set by the bundle (see package.json's `bundle` script), where the worker is its own file. */
declare const KMSTRAIL_READ_WORKER: string | undefined;

/** The read worker's module: beside this one in dist/, or the bundle's own worker file. */
export function readWorkerUrl(): URL {
  return new URL(typeof KMSTRAIL_READ_WORKER === 'string' ? KMSTRAIL_READ_WORKER : './read-worker.js', import.meta.url);
}
