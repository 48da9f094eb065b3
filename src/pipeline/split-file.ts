/**
 * One big plain trail file read on two cores. This thread reads the first part; a worker reads
 * the rest, from a record boundary guessed near the middle. The guess is only a guess (a byte
 * pattern cannot tell a record from an object nested in one), so it is checked when this thread
 * reaches it: the splitter's state there must be "between two records of the Records array". If
 * it is not, the worker's results are dropped and this thread reads on to the end: slower, never
 * different. The same when the worker gives up because its matches are dense (see read-worker.ts),
 * or hands back a huge record. The worker's matches wait until the first part is out, so output
 * order is the file's.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { workerThreads } from '../util/lazy-builtins.js';
import type { FilterSpec } from '../filters/filter-spec.js';
import type { TimesSeen } from '../filters/record-filter.js';
import type { ResumePoint } from '../reader/record-splitter.js';
import type { SplitPoint } from '../reader/trail-part.js';
import type { InputFault, TrailRecord } from '../reader/trail-record.js';
import { filePartInput } from '../sources/local-files.js';
import type { TrailInput } from '../sources/trail-input.js';
import { Wakeup } from '../util/wakeup.js';
import { lazyRecord, readWorkerUrl, TAIL_ACCEPTED, TAIL_GAVE_UP, TAIL_HELD, TAIL_OPEN, TAIL_STATE, type ReadRequest, type WorkerReport, type WorkerSetup } from './protocol.js';
import type { MatchBatch, ReadContext, ReadStrategy } from './read-strategy.js';
import { readHere } from './sequential.js';

/** Below this, starting a worker costs more than scanning half the file saves. */
export const SPLIT_MIN_BYTES = 64 << 20;
const HEAD_BYTES = 4096;
/** Where a boundary is looked for; records are a few KB, so one is nearly always in here. */
const WINDOW_BYTES = 1 << 20;
/**
 * The worker starts reading some 70 ms after this thread (a worker's start-up), and this thread
 * also prints: give the worker less than half, about what this thread scans meanwhile.
 */
const HEAD_START_BYTES = 32 << 20;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * The first key of the first record, when the file starts the way CloudTrail writes trail files:
 * `{"Records":[{"eventVersion"...`, whitespace allowed. Any other shape is not split.
 */
export function firstRecordKey(head: Buffer): Buffer | undefined {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  const skip = () => {
    while (i < head.length && isSpace(head[i])) i++;
  };
  const expect = (text: string) => {
    skip();
    if (head.toString('latin1', i, i + text.length) !== text) return false;
    i += text.length;
    return true;
  };
  if (!expect('{') || !expect('"Records"') || !expect(':') || !expect('[') || !expect('{') || !expect('"')) return undefined;
  const end = head.indexOf(QUOTE, i);
  if (end <= i || head.subarray(i, end).includes(BACKSLASH)) return undefined;
  return head.subarray(i, end);
}

/**
 * The offset (within `window`) of the first `{` that starts an object after `},` and whose first
 * key is `key`: in a trail file, nearly always the start of a record. A `"` right after `{` or
 * whitespace can only open a string, so such a match is never inside one.
 */
export function findRecordStart(window: Buffer, key: Buffer): number | undefined {
  const quoted = Buffer.concat([Buffer.from('"'), key, Buffer.from('"')]);
  for (let at = window.indexOf(quoted); at >= 0; at = window.indexOf(quoted, at + 1)) {
    let after = at + quoted.length;
    while (after < window.length && isSpace(window[after])) after++;
    if (window[after] !== 0x3a) continue;
    let k = at - 1;
    while (k >= 0 && isSpace(window[k])) k--;
    if (k < 0 || window[k] !== 0x7b) continue;
    const brace = k;
    k--;
    while (k >= 0 && isSpace(window[k])) k--;
    if (k < 0 || window[k] !== 0x2c) continue;
    k--;
    while (k >= 0 && isSpace(window[k])) k--;
    if (k < 0 || window[k] !== 0x7d) continue;
    return brace;
  }
  return undefined;
}

/**
 * Where to split a plain trail file of `size` bytes, or undefined to read it whole here;
 * `declined` hears why a file big enough to split is not (for --stats).
 */
export function planSplit(path: string, size: number, declined: (why: string) => void = () => {}): number | undefined {
  if (size < SPLIT_MIN_BYTES) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(HEAD_BYTES);
    const key = firstRecordKey(head.subarray(0, readSync(fd, head, 0, HEAD_BYTES, 0)));
    if (!key) {
      declined('not split: it does not start as {"Records":[{"... (gzip, or another shape)');
      return undefined;
    }
    const from = Math.floor(size / 2) + HEAD_START_BYTES / 2;
    const window = Buffer.alloc(WINDOW_BYTES);
    const read = readSync(fd, window, 0, WINDOW_BYTES, from);
    const at = findRecordStart(window.subarray(0, read), key);
    if (at === undefined) declined(`not split: no record start found between bytes ${from} and ${from + read}`);
    return at === undefined ? undefined : from + at;
  } catch {
    // Unreadable here means unreadable for the normal read too, which will say so.
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export type TailEvent =
  | { records: TrailRecord[]; seen: number; bytes: number; times?: TimesSeen }
  | { fault: InputFault }
  /** The worker stopped before a huge record: read on from there (lines already absolute). */
  | { handback: ResumePoint };

/** How a split file was read in the end, for --stats. */
export type SplitOutcome = 'taken' | 'declined: the guessed start was not between two records' | 'declined: the worker gave up (dense matches)' | 'declined: the worker failed';

/** The second part of a split file, read by a worker from `offset`. */
export class FileTail implements SplitPoint {
  private readonly worker: Worker;
  private readonly tail = new SharedArrayBuffer(8);
  private readonly shared = new Int32Array(this.tail);
  private readonly events: Array<WorkerReport> = [];
  private done = false;
  private failed = false;
  private accepted = false;
  private declined = false;
  private lineShift = 0;
  private readonly wakeup = new Wakeup();

  constructor(
    private readonly path: string,
    readonly offset: number,
    spec: FilterSpec,
  ) {
    const setup: WorkerSetup = { spec, tail: this.tail };
    this.worker = new (workerThreads().Worker)(readWorkerUrl(), { workerData: setup });
    this.worker.on('message', (report: WorkerReport) => {
      if (report.type === 'done' && Atomics.load(this.shared, TAIL_STATE) === TAIL_GAVE_UP) {
        // What it sent will never be printed: let it all go now, not at the split point.
        this.events.length = 0;
        this.done = true;
        void this.cancel();
        return;
      }
      this.events.push(report);
      if (report.type === 'done' || report.type === 'crash') this.done = true;
      if (report.type === 'crash') this.failed = true;
      this.wakeup.notify();
    });
    this.worker.on('error', (error) => {
      this.events.push({ type: 'crash', id: 0, message: `internal error: ${error.message}` });
      this.done = true;
      this.failed = true;
      this.wakeup.notify();
    });
    const request: ReadRequest = { id: 0, path, from: offset };
    this.worker.postMessage(request);
  }

  get outcome(): SplitOutcome {
    if (this.accepted) return 'taken';
    if (this.failed) return 'declined: the worker failed';
    if (Atomics.load(this.shared, TAIL_STATE) === TAIL_GAVE_UP) return 'declined: the worker gave up (dense matches)';
    return 'declined: the guessed start was not between two records';
  }

  /** False once the worker gave up or was turned down: this thread then reads on alone. */
  get helping(): boolean {
    return !this.failed && Atomics.load(this.shared, TAIL_STATE) !== TAIL_GAVE_UP && !this.declined;
  }

  /** SplitPoint: take over from here if the first part really ended between two records. */
  handOver(betweenRecords: boolean, line: number): boolean {
    // The worker may have given up (or be giving up right now): one of us decides, atomically.
    this.accepted =
      betweenRecords && !this.failed && Atomics.compareExchange(this.shared, TAIL_STATE, TAIL_OPEN, TAIL_ACCEPTED) === TAIL_OPEN;
    this.lineShift = line - 1;
    this.declined = !this.accepted;
    if (!this.accepted) void this.cancel();
    return this.accepted;
  }

  /** The worker's matches and faults, in file order, with lines made absolute. */
  async *results(): AsyncGenerator<TailEvent> {
    if (!this.accepted) return;
    for (;;) {
      const report = this.events.shift();
      if (!report) {
        if (this.done) return;
        await this.wakeup.wait();
        continue;
      }
      if (report.type === 'matches') {
        let chars = 0;
        const records = report.records.map((matched) => {
          chars += matched[0].length;
          return lazyRecord(matched, this.path, this.lineShift);
        });
        yield { records, seen: report.seen, bytes: report.bytes, times: report.times };
        if (chars > 0) {
          Atomics.sub(this.shared, TAIL_HELD, chars);
          Atomics.notify(this.shared, TAIL_HELD);
        }
      } else if (report.type === 'fault') {
        const { line } = report.fault;
        yield { fault: { ...report.fault, line: line === undefined ? undefined : line + this.lineShift } };
      } else if (report.type === 'handback') {
        yield { handback: { ...report.point, line: report.point.line + this.lineShift } };
      } else if (report.type === 'crash') {
        yield { fault: { file: this.path, message: report.message, reason: 'unreadable input' } };
      }
    }
  }

  async cancel(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * Each big plain file in two parts on two threads; every other input on this thread. Chosen when
 * there is one input, or inputs that cannot be shared out (stdin, S3), with --jobs above 1. Not
 * when every record matches: then printing or counting them all on this thread is the bottleneck,
 * not reading.
 */
export const splitFile: ReadStrategy = {
  name: 'split-file',
  async *matches(inputs, context) {
    for (;;) {
      if (context.stopped) return;
      const next = await inputs.next();
      if (next.done) return;
      const input = next.value;
      const declined = (why: string) => context.note(`${input.label} ${why}`);
      const splitAt = input.path !== undefined && input.size !== undefined ? planSplit(input.path, input.size, declined) : undefined;
      if (splitAt === undefined) yield* readHere(input, context);
      else yield* readSplit(input, input.path as string, splitAt, context);
    }
  },
};

async function* readSplit(input: TrailInput, path: string, splitAt: number, context: ReadContext): AsyncGenerator<MatchBatch> {
  const tail = new FileTail(input.label, splitAt, context.filter.spec);
  let outcome = 'not reached (reading stopped before it)';
  try {
    yield* readHere(filePartInput(path, 0, () => tail.helping, input.label, input.size), context, { splitAt: tail });
    outcome = tail.outcome;
    // The worker's part, when it took over: already filtered there.
    let counted = splitAt;
    for await (const event of tail.results()) {
      if ('fault' in event) {
        context.fault(event.fault);
      } else if ('handback' in event) {
        const point = event.handback;
        outcome += `, the rest handed back at byte ${point.offset} (a huge record)`;
        // Its work is done: its memory should not sit beside the huge record's copies.
        await tail.cancel();
        const rest = filePartInput(path, point.offset, () => false, input.label, input.size);
        yield* readHere(rest, context, { resume: { point, inputOffset: point.offset } }, Math.max(counted, point.offset));
        return;
      } else {
        if (event.times) context.timesSeen(event.times);
        context.progress(event.seen, Math.max(0, event.bytes - counted), input.label, event.bytes, input.size);
        counted = Math.max(counted, event.bytes);
        yield { records: event.records, huge: false };
      }
    }
  } finally {
    context.note(`${input.label} split at byte ${splitAt}: ${outcome}`);
    await tail.cancel();
  }
}
