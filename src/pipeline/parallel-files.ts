/**
 * Reads many trail files on several cores (`--jobs`), yet yields their matching records in input
 * order, so output is the same whatever the number of workers. Files are handed to workers as they
 * free up; results of files that finish early wait until every file before them is out. A file may
 * only be started a few places ahead of the oldest unfinished one, which bounds what waits.
 */
import type { Worker } from 'node:worker_threads';
import { workerThreads } from '../util/lazy-builtins.js';
import type { TrailRecord } from '../reader/trail-record.js';
import type { TrailInput } from '../sources/trail-input.js';
import { Wakeup } from '../util/wakeup.js';
import { BATCH_FILE_MAX, lazyRecord, readWorkerUrl, type FileEvent, type FileResult, type ReadFilesRequest, type ReadRequest, type StopRequest, type TakenRequest, type WorkerReport, type WorkerSetup } from './protocol.js';
import type { MatchBatch, ReadContext, ReadStrategy } from './read-strategy.js';
import { readFileBatch } from './file-batch.js';
import { readHere } from './sequential.js';

/** How long this thread reads a run of small files alone before the workers start (see workersPay). */
export const WORKERS_AFTER_MS = 300;

/** Requests each worker holds: one is read while the next waits, so a worker never idles. */
const PER_WORKER = 2;
/**
 * Inputs found by the walk but not yet handed out: what workersPay can see of what is left. With
 * 2,048, a slow spell left the walk of the SANS tree (3,872 files) unfinished at 300 ms, and a
 * worker joined that cost more than it gave. Peak RSS on a tree of 300,000 files: 179-186 MB with
 * 4,096, as with 2,048.
 */
const WALK_AHEAD = 4096;
/**
 * Files of at most BATCH_FILE_MAX bytes (or of a size not known yet: the worker checks) go to a
 * worker several in one request, as a tree's files are a few kilobytes each: up to BATCH_FILES of
 * them, or BATCH_BYTES stored.
 */
const BATCH_FILES = 48;
const BATCH_BYTES = 2 << 20;

/**
 * A worker's young generation (V8's default is 3 x 16 MiB). A worker's garbage is short-lived
 * (decoded files, records sent on as text): a smaller nursery is collected as fast, and the process
 * peaked at 209 MB on a tree of 300,000 files and 177 MB on 10,000 small ones with the default,
 * against 172 MB and 159 MB with this, at the same speed.
 */
const WORKER_YOUNG_GENERATION_MB = 12;

type SlotEvent = FileEvent;

interface FileSlot {
  input: TrailInput;
  label: string;
  events: SlotEvent[];
  done: boolean;
  /** Decoded bytes and records its worker reported (taken back if the file is read again). */
  bytes: number;
  seen: number;
}

/** Many local files on `--jobs` worker threads, output kept in input order. */
export const parallelFiles: ReadStrategy = {
  name: 'parallel-files',
  matches: readInParallel,
};

async function* readInParallel(inputs: AsyncIterator<TrailInput>, context: ReadContext): AsyncGenerator<MatchBatch> {
  const { filter, jobs } = context;
  const spec = filter.spec;
  const workerUrl = readWorkerUrl();
  const slots = new Map<number, FileSlot>();
  const all: Worker[] = [];
  /** Requests each worker holds, by their first file's id, with the files in each. */
  const assigned = new Map<Worker, Map<number, number[]>>();
  let head = 0;
  let nextId = 0;
  let exhausted = false;
  const wakeup = new Wakeup();
  const notify = wakeup.notify;

  const fileResult = (result: FileResult) => {
    const slot = slots.get(result.id);
    if (!slot) return;
    if (result.tooBig !== undefined) {
      // Read alone, streamed: ahead of any new file, in order.
      slot.input = { ...slot.input, size: result.tooBig };
      again.push(result.id);
      again.sort((a, b) => a - b);
      return;
    }
    slot.events.push(...result.events);
    context.progress(result.seen, result.bytes - slot.bytes, slot.label);
    slot.bytes = result.bytes;
    slot.seen += result.seen;
    // A file whose huge record was handed back is done once this thread has read the rest.
    if (result.done) slot.done = true;
  };
  const onReport = (worker: Worker, report: WorkerReport) => {
    // A worker already ended (see endWorkers) may still have had messages on the way.
    if (!assigned.has(worker) || report.type === 'stopped') return;
    if (report.type === 'files' || report.type === 'files-crash') {
      const files = assigned.get(worker)?.get(report.batch) ?? [];
      assigned.get(worker)?.delete(report.batch);
      if (report.type === 'files') {
        if (report.times) context.timesSeen(report.times);
        for (const result of report.results) fileResult(result);
      } else {
        for (const id of files) {
          const slot = slots.get(id);
          if (!slot || slot.done) continue;
          slot.events.push({ fault: { file: slot.label, message: report.message, reason: 'unreadable input' } });
          slot.done = true;
        }
      }
      notify();
      return;
    }
    const slot = slots.get(report.id);
    if (!slot) return;
    if (report.type === 'matches') {
      if (report.times) context.timesSeen(report.times);
      if (report.records.length > 0) slot.events.push({ records: report.records });
      context.progress(report.seen, report.bytes - slot.bytes, slot.label);
      slot.bytes = report.bytes;
      slot.seen += report.seen;
    } else if (report.type === 'fault') {
      slot.events.push({ fault: report.fault });
    } else if (report.type === 'handback') {
      slot.events.push({ handback: report.point });
    } else {
      if (report.type === 'crash') {
        slot.events.push({ fault: { file: slot.label, message: report.message, reason: 'unreadable input' } });
      }
      slot.done = true;
      assigned.get(worker)?.delete(report.id);
    }
    notify();
  };

  const stop = new SharedArrayBuffer(4);
  const online = new Set<Worker>();
  const spawn = () => {
    const setup: WorkerSetup = { spec, stop, unparsed: context.unparsed };
    const worker = new (workerThreads().Worker)(workerUrl, { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    worker.on('message', (report: WorkerReport) => onReport(worker, report));
    // Files go to a worker only once it runs: one given files while it starts (a worker takes
    // about as long to start as this thread takes to read a few hundred small files) would hold
    // back the output, and so this thread's reading, until it had read them.
    worker.once('online', () => {
      online.add(worker);
      notify();
    });
    worker.on('error', (error) => {
      for (const [key, ids] of assigned.get(worker) ?? []) {
        if (ids.length === 1 && ids[0] === key && !batched.has(key)) onReport(worker, { type: 'crash', id: key, message: `internal error: ${error.message}` });
        else onReport(worker, { type: 'files-crash', batch: key, message: `internal error: ${error.message}` });
      }
      // A dead worker takes no more files.
      assigned.delete(worker);
    });
    all.push(worker);
    assigned.set(worker, new Map());
  };
  const freeWorker = () => {
    let best: Worker | undefined;
    for (const [worker, ids] of assigned) {
      if (online.has(worker) && ids.size < PER_WORKER && (!best || ids.size < (assigned.get(best)?.size ?? 0))) best = worker;
    }
    return best;
  };
  // This thread reads too, whenever it has nothing to print (see readHereBatch): one worker fewer,
  // so that no more threads want a core than there are cores. With --jobs 1 there is none, and
  // this thread reads every file, small ones in batches. The workers start only once the run
  // proves long enough to pay for them (see workersPay).
  let workersWanted = false;
  const startWorkers = () => {
    if (!workersWanted) return;
    for (let i = 0; i < jobs - 1; i++) spawn();
  };
  /** When this thread started reading, for workersPay. */
  let readingSince: number | undefined;
  const aloneMs = context.workersAfterMs ?? WORKERS_AFTER_MS;
  /**
   * Whether the workers should start now: a file too big for a batch (what workers are best at)
   * starts them at once; a run of small files, once smallFilesPay says so.
   */
  const workersPay = (): boolean => {
    if (jobs < 2 || workersWanted) return false;
    const next = again.length > 0 ? slots.get(again[0])?.input : walked[0];
    if (next && !isSmall(next)) return true;
    if (!next && walkDone) return false;
    if (aloneMs <= 0) return true;
    if (readingSince === undefined) return false;
    return smallFilesPay({ ms: performance.now() - readingSince, files: readHereFiles, recent: recentBatches.total() }, { files: again.length + walked.length, known: walkDone }, aloneMs);
  };
  /** Files this thread read, for workersPay's pace, and how long its latest batches took. */
  let readHereFiles = 0;
  const recentBatches = new RecentBatches();
  /** Files to read again from their start, in order, before any new one. */
  const again: number[] = [];
  /**
   * Ends every worker at once, so that a huge record is read with no other thread's memory beside
   * it. The files they held come after it in the output, so nothing of them was printed yet: they
   * are forgotten, their progress taken back, and read again once `startWorkers` carried on.
   */
  const endWorkers = async () => {
    // Forgotten before they stop: what they still send meanwhile (a file too big for its batch,
    // more matches) must not count, as every file they held is read again anyway.
    const ending = all.splice(0);
    assigned.clear();
    await endAll(ending, stop);
    for (const [id, slot] of slots) {
      if (id === head) continue;
      context.progress(-slot.seen, -slot.bytes, slot.label);
      Object.assign(slot, { events: [], done: false, bytes: 0, seen: 0 });
      // Once: a file already waiting to be read again (too big for its batch) was read twice.
      if (!again.includes(id)) again.push(id);
    }
    again.sort((a, b) => a - b);
  };
  if (jobs < 2) context.note('no worker thread (--jobs 1)');

  // Paths are walked ahead of the readers: a reader that frees up gets its next file at once, not
  // after a round trip through the walk, and workersPay sees how much is left.
  const walked: TrailInput[] = [];
  const walkRoom = new Wakeup();
  let walkDone = false;
  /** A failure of the walk, thrown where the caller can see it (not an unhandled rejection). */
  let walkError: unknown;
  void (async () => {
    try {
      for (;;) {
        while (walked.length >= WALK_AHEAD) await walkRoom.wait();
        const next = await inputs.next();
        if (next.done) break;
        walked.push(next.value);
        notify();
      }
    } catch (error) {
      walkError = error;
    } finally {
      walkDone = true;
      notify();
    }
  })();

  /** Request keys (first file ids) sent as `files` requests. */
  const batched = new Set<number>();
  /** The next file to hand out: one to read again first, else the next walked; undefined for none yet. */
  const nextFile = (): { id: number; input: TrailInput } | undefined => {
    const again1 = again.shift();
    const input = again1 === undefined ? undefined : slots.get(again1)?.input;
    if (again1 !== undefined && input) return { id: again1, input };
    const walkedInput = walked.shift();
    if (!walkedInput) {
      if (walkDone) exhausted = true;
      return undefined;
    }
    walkRoom.notify();
    const id = nextId++;
    slots.set(id, { input: walkedInput, label: walkedInput.label, events: [], done: false, bytes: 0, seen: 0 });
    return { id, input: walkedInput };
  };
  const isSmall = (input: TrailInput) => input.size === undefined || input.size <= BATCH_FILE_MAX;
  /**
   * Tells the worker still reading file `id` that its matches were taken (a worker reading it as
   * one of a batch holds nothing back, and ignores it).
   */
  const tellTaken = (id: number, chars: number) => {
    for (const [worker, requests] of assigned) {
      if (!requests.has(id)) continue;
      const taken: TakenRequest = { type: 'taken', id, chars };
      worker.postMessage(taken);
      return;
    }
  };
  /** Files handed out but not yet out of the slots: how far ahead of the output reading may run. */
  const ahead = () => nextId - head;
  const MAX_AHEAD = jobs * PER_WORKER * BATCH_FILES * 2;
  /** Small files for one batch, from `first` on, while the next ones are small too. */
  const batchFrom = (first: { id: number; input: TrailInput }): ReadFilesRequest['files'] => {
    const files: ReadFilesRequest['files'] = [{ id: first.id, path: first.input.label, size: first.input.size }];
    let stored = first.input.size ?? 0;
    const most = workersWanted ? tailBatchFiles(walkDone, again.length + walked.length + 1, jobs) : BATCH_FILES;
    while (files.length < most && stored < BATCH_BYTES) {
      const peek = again.length > 0 ? slots.get(again[0])?.input : walked[0];
      if (!peek || !isSmall(peek)) break;
      const next = nextFile() as { id: number; input: TrailInput };
      files.push({ id: next.id, path: next.input.label, size: next.input.size });
      stored += next.input.size ?? 0;
    }
    return files;
  };
  /**
   * With nothing to print, this thread reads a batch of small files itself rather than wait: on a
   * tree, it is a reader as good as a worker. False when there is none to take.
   */
  const readHereBatch = async (): Promise<boolean> => {
    if (walkError !== undefined) throw walkError;
    if (again.length === 0 && (exhausted || ahead() >= MAX_AHEAD)) return false;
    const peek = again.length > 0 ? slots.get(again[0])?.input : walked[0];
    if (!peek || !isSmall(peek)) return false;
    const first = nextFile();
    if (!first) return false;
    readingSince ??= performance.now();
    const files = batchFrom(first);
    readHereFiles += files.length;
    const batchStart = performance.now();
    const results = await readFileBatch(files, filter, { here: true, unparsed: context.unparsed });
    recentBatches.add(performance.now() - batchStart, files.length);
    for (const result of results) fileResult(result);
    // Files of the batch after a hand-back were not read: they are read again like any other's.
    return true;
  };
  const fill = () => {
    if (walkError !== undefined) throw walkError;
    while (freeWorker() && (again.length > 0 || (!exhausted && ahead() < MAX_AHEAD))) {
      const first = nextFile();
      if (!first) break;
      const worker = freeWorker() as Worker;
      if (!isSmall(first.input)) {
        assigned.get(worker)?.set(first.id, [first.id]);
        const request: ReadRequest = { id: first.id, path: first.input.label, size: first.input.size };
        worker.postMessage(request);
        continue;
      }
      const files = batchFrom(first);
      assigned.get(worker)?.set(first.id, files.map((f) => f.id));
      batched.add(first.id);
      const request: ReadFilesRequest = { type: 'files', batch: first.id, files };
      worker.postMessage(request);
    }
  };

  try {
    for (;;) {
      if (workersPay()) {
        workersWanted = true;
        startWorkers();
        const after = readingSince === undefined ? 0 : Math.round(performance.now() - readingSince);
        context.note(`${jobs - 1} worker thread${jobs > 2 ? 's' : ''} from ${after} ms of reading on`);
      }
      fill();
      const slot = slots.get(head);
      if (slot && slot.events.length > 0) {
        const events = slot.events;
        slot.events = [];
        const batch: TrailRecord[] = [];
        /** Characters of a worker's matches taken here, for its read to go on (see WHOLE_HELD_MAX_CHARS). */
        let takenChars = 0;
        for (const event of events) {
          if ('fault' in event) {
            if (batch.length > 0) yield { records: batch.splice(0), huge: false };
            context.fault(event.fault);
          } else if ('handback' in event) {
            if (batch.length > 0) yield { records: batch.splice(0), huge: false };
            await endWorkers();
            yield* readHere(slot.input, context, { resume: { point: event.handback, inputOffset: 0 } }, slot.bytes);
            // Its worker is gone: nothing more will come for it.
            slot.done = true;
            startWorkers();
          } else if ('kept' in event) {
            for (const record of event.kept) batch.push(record);
          } else {
            for (const matched of event.records) {
              batch.push(lazyRecord(matched, slot.label));
              takenChars += matched[0].length;
            }
          }
        }
        if (takenChars > 0) tellTaken(head, takenChars);
        if (batch.length > 0) yield { records: batch, huge: false };
        // Emptied once taken. One of these arrays already in the old generation (moved there while
        // its batch was read, and still pointed at from there) would hold its records until the
        // next full collection, and every young collection would move them there too: over 10,000
        // small files with --jobs 1, 216 MB of records were, against 40 MB once emptied.
        for (const event of events) {
          if ('kept' in event) event.kept.length = 0;
          else if ('records' in event) event.records.length = 0;
        }
        continue;
      }
      if (slot && slot.done) {
        slots.delete(head);
        head++;
        continue;
      }
      if (!slot && exhausted) return;
      if (await readHereBatch()) {
        // Let the workers' answers and the walk in (they wait in the event loop) before reading on here.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      // Inputs the walk gave while this thread read may call for the workers: asked again first.
      if (workersPay()) continue;
      if (assigned.size === 0 && (again.length > 0 ? again[0] === head : slots.size === 0)) {
        // No worker (none asked for, or none left) and every file before it out: the next file
        // (one a batch found too big, or a new one) is read here whole, in its turn. Taken at
        // once, not after a wait: a walk that ended while this thread read has no one else to
        // wake it.
        const whole = nextFile();
        if (whole) {
          yield* readHere(whole.input, context);
          (slots.get(whole.id) as FileSlot).done = true;
        }
        if (whole || exhausted) continue;
      }
      await wakeup.wait();
    }
  } finally {
    if (jobs >= 2 && !workersWanted) context.note(`no worker thread: too little to read for one to pay (one joins when ${4 * aloneMs} ms of reading is left)`);
    await endAll(all, stop);
  }
}

/**
 * Whether workers pay for a run of small files, from what this thread read alone so far (`read`)
 * and what is left (`left`, whose count is `known` once the walk is done). A worker takes 50-120 ms
 * to start, then reads at half speed or less for its first 200-300 ms, as this thread did (its code
 * is not optimised yet, and compiling it takes the core both threads read on), and while two
 * threads read, each reads slower than alone. So a worker pays only where much is left: once the
 * walk is done and this thread has read for a third of `aloneMs`, when four times `aloneMs` is left
 * (over 945 files of 70 KB, 1.8 s on one thread, workers started after 150-200 ms and two jobs
 * went from 1.46 s to 1.37 s, medians of 16, with tailBatchFiles); while the walk goes on, what is
 * left is unknown, and a run that lasts `aloneMs` is assumed long (over 10,000 small files, 1.43 s
 * with workers against 1.59 s without). With less left they cost more than they gave: over the
 * SANS tree (3,872 files, 0.3-0.4 s of reading) workers from the start took 0.61 s and none
 * 0.53 s, and over 4,030 small files (0.65 s of reading), workers that joined at 300 ms, when
 * 0.64 s seemed left, took 0.94-1.04 s against 0.73-0.93 s.
 *
 * What is left is timed at the pace of the latest batches (`read.recent`, see RecentBatches), not
 * the pace so far, which counts the cold start (code not yet optimised, the walk's first run): at
 * that pace the SANS tree looked four times as long as it is.
 */
export function smallFilesPay(read: { ms: number; files: number; recent: { ms: number; files: number } }, left: { files: number; known: boolean }, aloneMs: number): boolean {
  if (read.files === 0) return false;
  if (!left.known) return read.ms >= aloneMs;
  const perFile = read.recent.files > 0 ? read.recent.ms / read.recent.files : read.ms / read.files;
  return read.ms >= aloneMs / 3 && left.files * perFile >= 4 * aloneMs;
}

/**
 * How long this thread's latest batches took, together: the pace smallFilesPay trusts. Several
 * batches, not the last alone: one that a full collection fell in takes three or four times the
 * others.
 */
export class RecentBatches {
  static readonly KEPT = 8;
  private readonly batches: { ms: number; files: number }[] = [];

  add(ms: number, files: number): void {
    this.batches.push({ ms, files });
    if (this.batches.length > RecentBatches.KEPT) this.batches.shift();
  }

  total(): { ms: number; files: number } {
    let ms = 0;
    let files = 0;
    for (const batch of this.batches) {
      ms += batch.ms;
      files += batch.files;
    }
    return { ms, files };
  }
}

/**
 * Most files in the next batch. Once the walk is done and what is left is known, batches shrink
 * with it (guided scheduling), so that the last ones are small and every thread ends about
 * together: with full batches, this thread sat idle about 130 ms at the end of a tree of 945
 * files, while a worker read the two batches it held. Each thread may hold PER_WORKER requests.
 */
export function tailBatchFiles(walkDone: boolean, left: number, threads: number): number {
  if (!walkDone) return BATCH_FILES;
  return Math.max(1, Math.min(BATCH_FILES, Math.ceil(left / (2 * PER_WORKER * threads))));
}

/** Longest a worker is given to reach a pause before it is ended anyway. */
const STOP_GRACE_MS = 5000;

/**
 * Ends workers only once each is between two pieces of work. Node aborts the whole process
 * ("close before init", node_zlib.cc) when a worker is terminated inside gunzipSync, between its
 * zlib handle's creation and initialisation: with --limit on a tree of small gzip files, about
 * one run in 50. So `stop` (shared) makes their batches end at the next file, each says when it is
 * idle, and only then is it terminated. The flag is cleared again for workers started after.
 */
async function endAll(workers: readonly Worker[], stop: SharedArrayBuffer): Promise<void> {
  const flag = new Int32Array(stop);
  Atomics.store(flag, 0, 1);
  await Promise.all(workers.map(endWorker));
  Atomics.store(flag, 0, 0);
}

async function endWorker(worker: Worker): Promise<void> {
  // threadId is -1 once the thread has exited: there is nothing to wait for.
  if (worker.threadId >= 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(settle, STOP_GRACE_MS);
      function settle() {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', settle);
        resolve();
      }
      function onMessage(report: WorkerReport) {
        if (report.type === 'stopped') settle();
      }
      worker.on('message', onMessage);
      worker.on('exit', settle);
      const request: StopRequest = { type: 'stop' };
      worker.postMessage(request);
    });
  }
  await worker.terminate();
}
