/**
 * Reading a batch of small whole files, the same way on a worker and on the main thread: blocking
 * reads one after the other, no stream, no message per file. A file whose gzip is damaged, or
 * too big to hold decoded, takes the streaming path (which gives every record before the damage);
 * one too big for a batch is sent back unread; a huge record ends the batch, handed back.
 */
import { statSync } from 'node:fs';
import { eventFingerprintHash } from '../cloudtrail/fingerprint.js';
import type { RecordFilter } from '../filters/record-filter.js';
import type { ResumePoint } from '../reader/record-splitter.js';
import { readTrail, readTrailBytes } from '../reader/trail-reader.js';
import { recordText, type InputFault, type TrailRecord } from '../reader/trail-record.js';
import { decodedTogether, decodedWhole, gunzippedSize, isGzip } from '../sources/decoded-chunks.js';
import { fileInput, readSmallFile } from '../sources/local-files.js';
import { collectGarbage } from '../util/collect-garbage.js';
import { BATCH_FILE_MAX, type FileEvent, type FileResult, type MatchedRecord, type ReadFilesRequest } from './protocol.js';

/** The records of a batch the filter keeps, as text for the main thread. */
export function matchesOf(batch: TrailRecord[], filter: RecordFilter): { records: MatchedRecord[]; chars: number } {
  const records: MatchedRecord[] = [];
  let chars = 0;
  for (const record of batch) {
    if (!filter.matches(record.record)) continue;
    const text = recordText(record);
    chars += text.length;
    // Worked out where the record is parsed: the main thread recognises copies by it.
    records.push([text, record.offset, record.line, eventFingerprintHash(record.record) ?? null]);
  }
  return { records, chars };
}

/** Files gunzipped together (see decodedTogether): up to this many, stating this many bytes at most. */
const GROUP_FILES = 64;
const GROUP_DECODED_BYTES = 4 << 20;

/** A file's stored bytes, or why there are none: too big for a batch, or unreadable here. */
type Stored = Buffer | { tooBig: true } | undefined;

/**
 * The decoded bytes of a batch's files, by index, for those decoded in groups: a run of small
 * gzip files is gunzipped in one call when it can be (decodedTogether); the others are left to
 * decodedWhole, one by one. A group is decoded when its first file is reached, so only one
 * group's bytes are held at a time.
 */
function groupDecoder(stored: Stored[]): (index: number) => Buffer | undefined {
  let decoded = new Map<number, Buffer>();
  let tried = -1;
  return (index) => {
    if (index > tried) {
      decoded = new Map();
      const group: Buffer[] = [];
      let stated = 0;
      let end = index;
      for (; end < stored.length && group.length < GROUP_FILES; end++) {
        const bytes = stored[end];
        if (!Buffer.isBuffer(bytes) || !isGzip(bytes)) break;
        stated += gunzippedSize(bytes);
        if (group.length > 0 && stated > GROUP_DECODED_BYTES) break;
        group.push(bytes);
      }
      tried = Math.max(index, end - 1);
      const parts = group.length > 1 ? decodedTogether(group) : undefined;
      parts?.forEach((part, k) => decoded.set(index + k, part));
    }
    return decoded.get(index);
  };
}

/** `stopped`: asked before each file; true ends the batch there (the run wants no more). */
export async function readFileBatch(files: ReadFilesRequest['files'], filter: RecordFilter, stopped: () => boolean = () => false): Promise<FileResult[]> {
  const results: FileResult[] = [];
  const stored: Stored[] = files.map(({ path }) => {
    try {
      return readSmallFile(path, BATCH_FILE_MAX) ?? { tooBig: true };
    } catch {
      // Unreadable: the streaming path says so in the words it always uses.
      return undefined;
    }
  });
  const decodedInGroup = groupDecoder(stored);
  for (const [index, { id, path, size }] of files.entries()) {
    if (stopped()) break;
    const events: FileEvent[] = [];
    let seen = 0;
    let bytes = 0;
    let handback: ResumePoint | undefined;
    const options = {
      prefilter: filter.acceptsAll ? undefined : filter.hot,
      onFault: (fault: InputFault) => events.push({ fault }),
      onProgress: (progress: { records: number; bytes: number }) => {
        seen += progress.records;
        bytes = progress.bytes;
      },
    };
    const part = {
      handBack: (point: ResumePoint) => {
        handback = point;
        return true;
      },
    };
    const bytesOf = stored[index];
    if (bytesOf && !Buffer.isBuffer(bytesOf)) {
      results.push({ id, events, seen, bytes, done: false, tooBig: statSync(path).size });
      continue;
    }
    const take = (found: TrailRecord[]) => {
      const { records } = matchesOf(found, filter);
      if (records.length > 0) events.push({ records });
    };
    const inGroup = bytesOf && decodedInGroup(index);
    const whole = inGroup ? { bytes: inGroup, gzipped: true } : bytesOf && decodedWhole(bytesOf);
    if (whole) for (const found of readTrailBytes(path, whole.bytes, options, whole.gzipped, part)) take(found);
    else for await (const found of readTrail(fileInput(path, size), options, part)) take(found);
    if (handback) events.push({ handback });
    results.push({ id, events, seen, bytes, done: !handback });
    if (handback) {
      // The main thread reads the rest of that file and the files after it again: stop here.
      collectGarbage();
      break;
    }
  }
  return results;
}
