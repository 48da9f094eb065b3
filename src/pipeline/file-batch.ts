/**
 * Reading a batch of small whole files, the same way on a worker and on the main thread: blocking
 * reads one after the other, no stream, no message per file. A file whose gzip is damaged, or
 * too big to hold decoded, takes the streaming path (which gives every record before the damage);
 * one too big for a batch is sent back unread; a huge record ends the batch, handed back.
 */
import type { RecordFilter } from '../filters/record-filter.js';
import type { ResumePoint } from '../reader/record-splitter.js';
import { readTrail, readTrailBytes } from '../reader/trail-reader.js';
import { recordText, type InputFault, type TrailRecord } from '../reader/trail-record.js';
import { decodedTogether, decodedWhole, gunzippedSize, isGzip } from '../sources/decoded-chunks.js';
import { FileArena, fileInput, readFileUpTo } from '../sources/local-files.js';
import { collectGarbage } from '../util/collect-garbage.js';
import { fingerprintOf } from './copies.js';
import { BATCH_FILE_MAX, type FileEvent, type FileResult, type MatchedRecord, type ReadFilesRequest } from './protocol.js';

/** The records of a batch the filter keeps, as text for the main thread. */
export function matchesOf(batch: TrailRecord[], filter: RecordFilter): { records: MatchedRecord[]; chars: number } {
  const records: MatchedRecord[] = [];
  let chars = 0;
  for (const record of batch) {
    // Asked only when the filter reads the record: an unparsed record would be parsed for nothing.
    if (!filter.acceptsAll && !filter.matches(record.record)) continue;
    const text = recordText(record);
    chars += text.length;
    // Worked out on this thread (by the reader, when it noted it unparsed): the main thread
    // recognises copies by it.
    records.push([text, record.offset, record.line, fingerprintOf(record)]);
  }
  return { records, chars };
}

/**
 * Files gunzipped together (see decodedTogether): up to this many, stating up to this many decoded
 * bytes and holding up to this many stored ones (read ahead of their turn).
 */
const GROUP_FILES = 64;
const GROUP_DECODED_BYTES = 1 << 20;
const GROUP_STORED_BYTES = 1 << 20;

/**
 * A batch's FileArena chunks: room for a whole group's stored bytes (so that a group is one piece
 * unless it starts late in a chunk) and for any file a batch takes.
 */
const ARENA_CHUNK_BYTES = Math.max(GROUP_STORED_BYTES, BATCH_FILE_MAX) + (64 << 10);

/** A file's stored bytes, or why there are none: too big for a batch, or unreadable here. */
type Stored = Buffer | { tooBig: number } | undefined;

function readStored(path: string, arena: FileArena): Stored {
  try {
    return readFileUpTo(path, BATCH_FILE_MAX, arena);
  } catch {
    // Unreadable: the streaming path says so in the words it always uses.
    return undefined;
  }
}

/**
 * A batch's files, read when first needed: `stored(index)` gives a file's bytes, `decoded(index)`
 * its decoded bytes when it was gunzipped with the files around it (and lets the file go). A run of
 * small gzip files is gunzipped in one call when it can be (decodedTogether); the others are left
 * to decodedWhole, one by one. Only one group is held at a time.
 */
function batchFiles(files: ReadFilesRequest['files'], arena: FileArena) {
  const read = new Map<number, Stored>();
  const peek = (index: number): Stored => {
    if (!read.has(index)) read.set(index, readStored(files[index].path, arena));
    return read.get(index);
  };
  let decoded = new Map<number, Buffer>();
  let tried = -1;
  return {
    stored: peek,
    decoded(index: number): Buffer | undefined {
      if (index > tried) {
        decoded = new Map();
        const group: Buffer[] = [];
        let stated = 0;
        let storedBytes = 0;
        let end = index;
        for (; end < files.length && group.length < GROUP_FILES; end++) {
          const bytes = peek(end);
          if (!Buffer.isBuffer(bytes) || !isGzip(bytes)) break;
          stated += gunzippedSize(bytes);
          storedBytes += bytes.length;
          if (group.length > 0 && (stated > GROUP_DECODED_BYTES || storedBytes > GROUP_STORED_BYTES)) break;
          group.push(bytes);
        }
        tried = Math.max(index, end - 1);
        const parts = group.length > 1 ? decodedTogether(group) : undefined;
        parts?.forEach((part, k) => decoded.set(index + k, part));
      }
      const bytes = decoded.get(index);
      decoded.delete(index);
      read.delete(index);
      return bytes;
    },
  };
}

export interface FileBatchOptions {
  /** Asked before each file; true ends the batch there (the run wants no more). */
  stopped?: () => boolean;
  /**
   * The batch is read on the thread that uses its records, which keeps them as they were read
   * (`kept`) rather than as text to parse again.
   */
  here?: boolean;
  /** Records may be read unparsed (ReadOptions.unparsed). */
  unparsed?: boolean;
}

export async function readFileBatch(files: ReadFilesRequest['files'], filter: RecordFilter, { stopped = () => false, here = false, unparsed = false }: FileBatchOptions = {}): Promise<FileResult[]> {
  const arena = new FileArena(ARENA_CHUNK_BYTES);
  try {
    return await readBatch(files, filter, { stopped, here, unparsed }, batchFiles(files, arena));
  } finally {
    // Every record of the batch is a string by now: nothing points into its stored bytes.
    arena.release();
  }
}

async function readBatch(files: ReadFilesRequest['files'], filter: RecordFilter, { stopped, here, unparsed }: Required<FileBatchOptions>, batch: ReturnType<typeof batchFiles>): Promise<FileResult[]> {
  const results: FileResult[] = [];
  // What the file being read gave so far. The reader's callbacks are made once per batch and write
  // here. Made per file, they closed over that file's records: any of the file's objects that a
  // young collection moved to the old generation then kept all of them there until the next full
  // collection (over 10,000 small files, 250 MB of records moved there, against 42 MB this way).
  let file = { events: [] as FileEvent[], seen: 0, bytes: 0, handback: undefined as ResumePoint | undefined };
  const options = {
    prefilter: filter.acceptsAll ? undefined : filter.hot,
    unparsed,
    onFault: (fault: InputFault) => file.events.push({ fault }),
    onProgress: (progress: { records: number; bytes: number }) => {
      file.seen += progress.records;
      file.bytes = progress.bytes;
    },
  };
  const part = {
    handBack: (point: ResumePoint) => {
      file.handback = point;
      return true;
    },
  };
  for (const [index, { id, path, size }] of files.entries()) {
    if (stopped()) break;
    file = { events: [], seen: 0, bytes: 0, handback: undefined };
    const { events } = file;
    const bytesOf = batch.stored(index);
    if (bytesOf && !Buffer.isBuffer(bytesOf)) {
      // The size this read saw: a stat by name could find the file gone or replaced since.
      results.push({ id, events, seen: 0, bytes: 0, done: false, tooBig: bytesOf.tooBig });
      continue;
    }
    const inGroup = bytesOf && batch.decoded(index);
    const whole = inGroup ? { bytes: inGroup, gzipped: true } : bytesOf && decodedWhole(bytesOf);
    if (whole) for (const found of readTrailBytes(path, whole.bytes, options, whole.gzipped, part)) take(found, events, filter, here);
    else for await (const found of readTrail(fileInput(path, size), options, part)) take(found, events, filter, here);
    const { seen, bytes, handback } = file;
    if (handback) events.push({ handback });
    results.push({ id, events, seen, bytes, done: !handback });
    if (handback) {
      // The main thread reads the rest of that file and the files after it again: stop here.
      collectGarbage();
      break;
    }
  }
  // Nothing of the last file stays with the callbacks.
  file = { events: [], seen: 0, bytes: 0, handback: undefined };
  return results;
}

/** A file's records the filter keeps, into its events: as read (`here`), or as text to send. */
function take(found: TrailRecord[], events: FileEvent[], filter: RecordFilter, here: boolean): void {
  if (here) {
    const kept = filter.acceptsAll ? found : found.filter((record) => filter.matches(record.record));
    if (kept.length > 0) events.push({ kept });
    return;
  }
  const { records } = matchesOf(found, filter);
  if (records.length > 0) events.push({ records });
}
