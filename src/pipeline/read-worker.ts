/**
 * A worker thread that reads whole trail files, or the second part of a big one, and filters
 * them, so several files (or both halves of one) are read at once on several cores. It sends back
 * only the matching records, as JSON text (structured cloning of parsed objects would cost more
 * than parsing them again where needed).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildRecordFilter, noTimesSeen, type TimesSeen } from '../filters/record-filter.js';
import { RECORDS_ELEMENT, type ResumePoint } from '../reader/record-splitter.js';
import { readTrail } from '../reader/trail-reader.js';
import { fileInput, filePartInput } from '../sources/local-files.js';
import { collectGarbage } from '../util/collect-garbage.js';
import { matchesOf, readFileBatch } from './file-batch.js';
import { readerStopped } from './sequential.js';
import {
  TAIL_DENSE_AFTER_BYTES,
  TAIL_DENSE_SHARE,
  TAIL_GAVE_UP,
  TAIL_HELD,
  TAIL_HELD_MAX_CHARS,
  TAIL_OPEN,
  TAIL_STATE,
  WHOLE_HELD_MAX_CHARS,
  type ReadFilesRequest,
  type ReadRequest,
  type StopRequest,
  type TakenRequest,
  type WorkerReport,
  type WorkerSetup,
} from './protocol.js';

const port = parentPort;
if (!port) throw new Error('read-worker must run as a worker thread');
const { spec, tail, stop, unparsed } = workerData as WorkerSetup;
const filter = buildRecordFilter(spec);
const shared = tail ? new Int32Array(tail) : undefined;
const stopFlag = stop ? new Int32Array(stop) : undefined;
const stopped = () => stopFlag !== undefined && Atomics.load(stopFlag, 0) !== 0;
const send = (report: WorkerReport) => port.postMessage(report);

/** What the time window saw since the last report, and a fresh start for the next. */
function takeTimes(): TimesSeen | undefined {
  const times = filter.times;
  if (!times) return undefined;
  const taken = { ...times };
  Object.assign(times, noTimesSeen());
  return taken;
}

port.on('message', (request: ReadRequest | ReadFilesRequest | TakenRequest | StopRequest) => {
  if (!('type' in request)) void read(request);
  else if (request.type === 'files') void readFiles(request);
  else if (request.type === 'taken') taken(request);
  // Messages wait while a batch is read: this one is seen between two pieces of work.
  else send({ type: 'stopped' });
});

/**
 * Per whole file read here, what the main thread holds of its matches, and the wake-up of its read
 * when it waits for the main thread to take some (see WHOLE_HELD_MAX_CHARS). The wait is a promise,
 * not a blocking one: this worker's other request (the file before it, say) reads on meanwhile.
 */
const held = new Map<number, { chars: number; wake?: () => void }>();

function taken({ id, chars }: TakenRequest): void {
  const entry = held.get(id);
  if (!entry) return;
  entry.chars -= chars;
  if (entry.chars <= WHOLE_HELD_MAX_CHARS && entry.wake) {
    const wake = entry.wake;
    entry.wake = undefined;
    wake();
  }
}

/** Small whole files (see file-batch.ts), answered in one message. */
async function readFiles({ batch, files }: ReadFilesRequest): Promise<void> {
  try {
    const results = await readFileBatch(files, filter, { stopped, unparsed });
    send({ type: 'files', batch, results, times: takeTimes() });
  } catch (error) {
    send({ type: 'files-crash', batch, message: readerStopped(error) });
  }
}

/**
 * For the second part of a split file, after sending matches: true to go on, false to give up.
 * Before the split is accepted, the worker gives up when its matches show that printing them, not
 * reading, will be the bottleneck (they pass TAIL_DENSE_SHARE of the bytes scanned), or when the
 * main thread would hold too much of them. Once it was accepted, this thread waits (blocks) until
 * the main thread has taken enough, so memory stays bounded either way.
 */
function mayGoOn(scanned: number, sentChars: number): boolean {
  if (!shared) return true;
  const dense = scanned >= TAIL_DENSE_AFTER_BYTES && sentChars > scanned * TAIL_DENSE_SHARE;
  for (;;) {
    const held = Atomics.load(shared, TAIL_HELD);
    if (held <= TAIL_HELD_MAX_CHARS && !dense) return true;
    if (Atomics.compareExchange(shared, TAIL_STATE, TAIL_OPEN, TAIL_GAVE_UP) === TAIL_OPEN) return false;
    const state = Atomics.load(shared, TAIL_STATE);
    if (state === TAIL_GAVE_UP) return false;
    // Accepted: dense or not, the main thread wants all of it now.
    if (held <= TAIL_HELD_MAX_CHARS) return true;
    Atomics.wait(shared, TAIL_HELD, held, 200);
  }
}


async function read({ id, path, size, from }: ReadRequest): Promise<void> {
  let seen = 0;
  let bytes = 0;
  let handback: ResumePoint | undefined;
  let sentChars = 0;
  // A split file's second part has its own bound (mayGoOn); a whole file, this one.
  const holding: { chars: number; wake?: () => void } | undefined = shared ? undefined : { chars: 0 };
  if (holding) held.set(id, holding);
  try {
    const input = from === undefined ? fileInput(path, size) : filePartInput(path, from);
    const reader = readTrail(
      input,
      {
        prefilter: filter.acceptsAll ? undefined : filter.hot,
        unparsed,
        onFault: (fault) => send({ type: 'fault', id, fault }),
        onProgress: (progress) => {
          seen += progress.records;
          bytes = progress.bytes;
        },
      },
      {
        resume: from === undefined ? undefined : { point: { offset: from, line: 1, ...RECORDS_ELEMENT }, inputOffset: from },
        handBack: (point) => {
          // Sent after the records before it, which the reader has yet to yield.
          handback = point;
          return true;
        },
      },
    );
    for await (const batch of reader) {
      const { records, chars } = matchesOf(batch, filter);
      if (shared && chars > 0) Atomics.add(shared, TAIL_HELD, chars);
      send({ type: 'matches', id, records, seen, bytes, times: takeTimes() });
      seen = 0;
      sentChars += chars;
      if (!mayGoOn(bytes - (from ?? 0), sentChars)) {
        send({ type: 'done', id });
        return;
      }
      if (holding) {
        holding.chars += chars;
        while (holding.chars > WHOLE_HELD_MAX_CHARS) await new Promise<void>((resolve) => (holding.wake = resolve));
      }
    }
    send({ type: 'matches', id, records: [], seen, bytes, times: takeTimes() });
    if (handback) {
      send({ type: 'handback', id, point: handback });
      // The read chunks the huge record was copied out of would otherwise linger here while the
      // main thread makes its own copies.
      collectGarbage();
    }
    send({ type: 'done', id });
  } catch (error) {
    send({ type: 'crash', id, message: readerStopped(error) });
  } finally {
    held.delete(id);
  }
}
