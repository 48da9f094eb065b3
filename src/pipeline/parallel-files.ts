/**
 * Reads many trail files on several cores (`--jobs`), yet yields their matching records in input
 * order, so output is the same whatever the number of workers. Files are handed to workers as they
 * free up; results of files that finish early wait until every file before them is out. A file may
 * only be started a few places ahead of the oldest unfinished one, which bounds what waits.
 */
import { Worker } from 'node:worker_threads';
import type { ResumePoint } from '../reader/record-splitter.js';
import type { InputFault, TrailRecord } from '../reader/trail-record.js';
import type { TrailInput } from '../sources/trail-input.js';
import { Wakeup } from '../util/wakeup.js';
import { lazyRecord, type MatchedRecord, type ReadRequest, type WorkerReport, type WorkerSetup } from './protocol.js';
import type { MatchBatch, ReadContext, ReadStrategy } from './read-strategy.js';
import { readHere } from './sequential.js';

const PER_WORKER = 2;
/** Inputs found by the walk but not yet handed to a worker. */
const WALK_AHEAD = 64;

type SlotEvent = { records: MatchedRecord[] } | { fault: InputFault } | { handback: ResumePoint };

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
  const workerUrl = new URL('./read-worker.js', import.meta.url);
  const slots = new Map<number, FileSlot>();
  const all: Worker[] = [];
  /** Files each worker holds; two each, so one file's read is in flight while another is scanned. */
  const assigned = new Map<Worker, Set<number>>();
  let head = 0;
  let nextId = 0;
  let exhausted = false;
  const wakeup = new Wakeup();
  const notify = wakeup.notify;

  const onReport = (worker: Worker, report: WorkerReport) => {
    const slot = slots.get(report.id);
    // A worker already ended (see endWorkers) may still have had messages on the way.
    if (!slot || !assigned.has(worker)) return;
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
        slot.events.push({ fault: { file: slot.label, message: `internal error: ${report.message}`, reason: 'unreadable input' } });
      }
      slot.done = true;
      assigned.get(worker)?.delete(report.id);
    }
    notify();
  };

  const spawn = () => {
    const setup: WorkerSetup = { spec };
    const worker = new Worker(workerUrl, { workerData: setup });
    worker.on('message', (report: WorkerReport) => onReport(worker, report));
    worker.on('error', (error) => {
      for (const id of assigned.get(worker) ?? []) onReport(worker, { type: 'crash', id, message: error.message });
      // A dead worker takes no more files.
      assigned.delete(worker);
    });
    all.push(worker);
    assigned.set(worker, new Set());
  };
  const freeWorker = () => {
    let best: Worker | undefined;
    for (const [worker, ids] of assigned) {
      if (ids.size < PER_WORKER && (!best || ids.size < (assigned.get(best)?.size ?? 0))) best = worker;
    }
    return best;
  };
  const startWorkers = () => {
    for (let i = 0; i < jobs; i++) spawn();
  };
  /** Files to read again from their start, in order, before any new one. */
  const again: number[] = [];
  /**
   * Ends every worker at once, so that a huge record is read with no other thread's memory beside
   * it. The files they held come after it in the output, so nothing of them was printed yet: they
   * are forgotten, their progress taken back, and read again once `startWorkers` carried on.
   */
  const endWorkers = async () => {
    await Promise.all(all.splice(0).map((w) => w.terminate()));
    assigned.clear();
    for (const [id, slot] of slots) {
      if (id === head) continue;
      context.progress(-slot.seen, -slot.bytes, slot.label);
      Object.assign(slot, { events: [], done: false, bytes: 0, seen: 0 });
      again.push(id);
    }
    again.sort((a, b) => a - b);
  };
  startWorkers();

  // Paths are walked ahead of the workers (a tree walk stats every file): a worker that frees up
  // gets its next file at once, not after a round trip through the walk.
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

  const fill = () => {
    if (walkError !== undefined) throw walkError;
    while (freeWorker() && (again.length > 0 || (!exhausted && nextId - head < jobs * 4))) {
      let id = again.shift();
      let input = id === undefined ? undefined : slots.get(id)?.input;
      if (id === undefined || !input) {
        input = walked.shift();
        if (!input) {
          if (walkDone) exhausted = true;
          break;
        }
        walkRoom.notify();
        id = nextId++;
        slots.set(id, { input, label: input.label, events: [], done: false, bytes: 0, seen: 0 });
      }
      const worker = freeWorker() as Worker;
      assigned.get(worker)?.add(id);
      const request: ReadRequest = { id, path: input.label, size: input.size };
      worker.postMessage(request);
    }
  };

  try {
    for (;;) {
      fill();
      const slot = slots.get(head);
      if (slot && slot.events.length > 0) {
        const events = slot.events;
        slot.events = [];
        const batch: TrailRecord[] = [];
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
          } else {
            for (const matched of event.records) batch.push(lazyRecord(matched, slot.label));
          }
        }
        if (batch.length > 0) yield { records: batch, huge: false };
        continue;
      }
      if (slot && slot.done) {
        slots.delete(head);
        head++;
        continue;
      }
      if (!slot && exhausted) return;
      await wakeup.wait();
    }
  } finally {
    await Promise.all(all.map((w) => w.terminate()));
  }
}
