/**
 * The reader stage: bytes of one trail input in, CloudTrail records out, one at a time, whatever
 * the input's shape. The splitter finds each record's slice; this file parses it, unwraps the
 * shapes that hold a record inside something else (lookup-events rows, EventBridge envelopes) and
 * turns every problem into an InputFault with the file and the place, then goes on.
 */
import { isUtf8 } from 'node:buffer';
import { isCloudTrailEnvelope, isObject, notCloudTrailBecause, RECORD_KEYS, type JsonObject } from '../cloudtrail/record.js';
import { decodedChunks, decodedWhole, ReadFault } from '../sources/decoded-chunks.js';
import type { TrailInput } from '../sources/trail-input.js';
import { describeJsonError } from '../util/json-error-text.js';
import { firstInvalidUtf8 } from '../util/utf8.js';
import { locateJsonError } from './json-error.js';
import { countNewlines as newlinesInBytes, RecordSplitter, VerdictMemo, type ResumePoint, type SliceKind, type SlicePlace, type SplitterSink } from './record-splitter.js';
import type { Prefilter, ReadOptions } from './read-options.js';
import type { TrailPartOptions } from './trail-part.js';
import { FaultQueue } from './fault-delivery.js';
import { checkedRecord, MAX_CHUNK as MAX_SCANNED_CHUNK, type NotedRecord } from './json-scan.js';
import { HUGE_RECORD_BYTES, UnparsedRecord, type InputFault, type SkipReason, type TrailRecord } from './trail-record.js';
import { identityHash } from '../cloudtrail/fingerprint.js';
import { collectGarbage } from '../util/collect-garbage.js';

/** Inputs stored in at most this many bytes are read whole (see readTrailBytes). */
const WHOLE_INPUT_MAX = 1 << 20;

/**
 * What the splitters of every input a pre-check judges share: one verdict memo, and `accept` as
 * the splitter calls it (unbound, many times a file).
 */
interface PrefilterParts {
  accept: NonNullable<SplitterSink['accept']>;
  verdicts: VerdictMemo;
}
const prefilterParts = new WeakMap<Prefilter, PrefilterParts>();
function partsOf(prefilter: Prefilter): PrefilterParts {
  let parts = prefilterParts.get(prefilter);
  if (!parts) prefilterParts.set(prefilter, (parts = { accept: (field, value) => prefilter.accept(field, value), verdicts: new VerdictMemo() }));
  return parts;
}

/** What a parsed slice turned out to be: the record inside it, or why there is none. */
export function unwrapValue(value: unknown, kind: SliceKind): { record?: JsonObject; raw?: string | null; problem?: [SkipReason, string] } {
  if (!isObject(value)) {
    const what = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    return { problem: ['not an object', `record is ${what}, not an object; skipped`] };
  }
  const notRecord = (why: string): { problem: [SkipReason, string] } => ({
    problem: ['not a CloudTrail record', `${kind === 'element' ? 'array element' : 'JSON object'} is not a CloudTrail record (${why}); skipped`],
  });
  const embedded = value.CloudTrailEvent;
  if (kind === 'lookup-event' || (kind === 'top' && typeof embedded === 'string')) {
    if (typeof embedded !== 'string') {
      return { problem: ['not a CloudTrail record', 'lookup-events entry has no CloudTrailEvent string; skipped'] };
    }
    let inner: unknown;
    try {
      inner = JSON.parse(embedded);
    } catch (error) {
      return { problem: ['malformed JSON', `CloudTrailEvent string is not valid JSON (${describeJsonError(error)}); skipped`] };
    }
    if (!isObject(inner)) return { problem: ['not an object', 'CloudTrailEvent is not a JSON object; skipped'] };
    const why = notCloudTrailBecause(inner);
    if (why) return notRecord(why);
    return { record: inner, raw: embedded.includes('\n') ? null : embedded };
  }
  if (kind === 'top') {
    // A single record, an EventBridge envelope, or something else entirely.
    if ('Records' in value) return { problem: ['not a CloudTrail record', '"Records" is not an array; skipped'] };
    if ('Events' in value) return { problem: ['not a CloudTrail record', '"Events" is not an array; skipped'] };
    if (isCloudTrailEnvelope(value)) {
      const why = notCloudTrailBecause(value.detail as JsonObject);
      return why ? notRecord(`its detail: ${why}`) : { record: value.detail as JsonObject, raw: null };
    }
    if (typeof value['detail-type'] === 'string' && isObject(value.detail)) {
      return notRecord(`an EventBridge event not from CloudTrail: detail-type ${value['detail-type']}`);
    }
  }
  // An element of a Records array or a bare array is held to the same test as a lone object.
  const why = notCloudTrailBecause(value);
  return why ? notRecord(why) : { record: value };
}

/**
 * As much of a checked record as `notCloudTrailBecause` reads: which of RECORD_KEYS it has (their
 * values stand in as null), and its eventSource.
 */
function shapeOf(noted: NotedRecord): JsonObject {
  const shape: JsonObject = {};
  for (const key of RECORD_KEYS) if (noted.has(key)) shape[key] = null;
  if (noted.has('eventSource')) shape.eventSource = noted.text('eventSource') ?? null;
  return shape;
}

const NOTHING_FOUND: readonly TrailRecord[][] = [];

/**
 * The scan of one input, whatever drives it: the splitter and what it does with each slice
 * (parse, unwrap, check), and the records and faults found, handed out in file order by `drain`.
 * The splitter's sink itself. A class, not closures: one is made per file of a tree, where the
 * closures of each file's scan were most of what reading a 10 KB file allocated.
 */
class TrailScan implements SplitterSink {
  readonly splitter: RecordSplitter;
  private readonly faults: FaultQueue;
  /** Records found since the last progress report. */
  private records = 0;
  private badUtf8Reported = false;
  private batch: TrailRecord[] = [];
  isGzipped = false;

  readonly accept: SplitterSink['accept'];
  readonly verdicts: VerdictMemo | undefined;
  readonly acceptFields: SplitterSink['acceptFields'];
  readonly timeWindow: SplitterSink['timeWindow'];
  /** A huge record is handed back as soon as it is seen to be huge, before its bytes pile up. */
  readonly handBack: SplitterSink['handBack'];
  readonly handBackBytes: number;

  constructor(
    private readonly file: string,
    private readonly options: ReadOptions,
    private readonly part: TrailPartOptions,
  ) {
    this.faults = new FaultQueue(file, options);
    const prefilter = options.prefilter;
    const shared = prefilter && partsOf(prefilter);
    this.accept = shared?.accept;
    this.verdicts = shared?.verdicts;
    this.acceptFields = prefilter?.fields;
    this.timeWindow = prefilter?.window;
    this.handBackBytes = part.handBackBytes ?? HUGE_RECORD_BYTES;
    this.handBack = part.handBack ? (point) => this.offerHandBack(point) : undefined;
    this.splitter = new RecordSplitter(this);
  }

  get halted(): boolean {
    return this.faults.halted;
  }

  report(fault: Omit<InputFault, 'file'>): void {
    this.faults.tell(fault, this.batch.length);
  }

  /**
   * The records and faults found since the last drain, in file order. Most drains find nothing,
   * or records and no fault: those make no generator.
   */
  drain(): Iterable<TrailRecord[]> {
    if (this.batch.length === 0 && !this.faults.waiting) return NOTHING_FOUND;
    const records = this.batch;
    this.batch = [];
    return this.faults.waiting ? this.faults.drain(records) : [records];
  }

  gzipped(): void {
    this.isGzipped = true;
  }

  /** Progress since the last call. */
  progress(): void {
    this.options.onProgress?.({ records: this.records, bytes: this.splitter.offset, gzipped: this.isGzipped });
    this.records = 0;
  }

  /** The end of the input: complete elements out first, then what the end itself may say. */
  *finish(): Generator<TrailRecord[]> {
    const { splitter } = this;
    // The records held back at the end are whole: out first, then what the end itself may say
    // (a truncated file's fault comes after every complete record).
    splitter.handOnHeld(true);
    yield* this.drain();
    splitter.end();
    this.progress();
    yield* this.drain();
    if (!splitter.sawValue && this.faults.count === 0) {
      this.report({ message: splitter.offset === 0 ? 'empty input' : 'no JSON value (only whitespace)', reason: 'empty input' });
      yield* this.drain();
    }
  }

  /** Offers a huge record to `part.handBack`; true (reading stops here) when it was taken. */
  private offerHandBack(point: ResumePoint): boolean {
    if (this.faults.halted || !this.part.handBack?.(point)) return false;
    this.faults.halt();
    return true;
  }

  slice(bytes: Buffer, place: SlicePlace, kind: SliceKind): void {
    const { faults, splitter, file, options } = this;
    if (faults.halted) return;
    if (bytes.length >= this.handBackBytes && this.offerHandBack(splitter.resumePointOf(place, kind))) {
      splitter.releaseSlice();
      return;
    }
    this.records++;
    const huge = bytes.length >= HUGE_RECORD_BYTES;
    // What earlier records left behind goes before this one is copied twice more.
    if (huge) collectGarbage();
    if (!this.badUtf8Reported && !isUtf8(bytes)) {
      this.badUtf8Reported = true;
      const at = Math.max(0, firstInvalidUtf8(bytes));
      this.report({
        message: 'invalid UTF-8 in a record; shown with U+FFFD replacement characters',
        offset: place.offset + at,
        line: place.line + newlinesInBytes(bytes, 0, at),
        reason: 'invalid UTF-8',
        warning: true,
      });
    }
    // Checked rather than parsed, when nothing may read more than its text. Only a plain element
    // on one line: what the other shapes hold must be unwrapped, and a pretty-printed record is
    // printed re-serialised.
    const noted = options.unparsed && kind === 'element' && place.singleLine && !huge && !this.badUtf8Reported ? checkedRecord(bytes) : undefined;
    if (noted && !notCloudTrailBecause(shapeOf(noted))) {
      const fingerprint = noted.textLength('eventID') > 0 ? identityHash((hasher, key) => noted.addText(hasher, key)) : null;
      this.batch.push(new UnparsedRecord(bytes.toString('utf8'), file, place.offset, place.line, fingerprint));
      return;
    }
    const textOf = bytes.toString('utf8');
    // A big record's bytes are not needed once decoded: free them before JSON.parse makes the
    // next copy, so that a 50 MB record never holds three copies at once.
    splitter.releaseSlice();
    let value: unknown;
    try {
      value = JSON.parse(textOf);
    } catch (error) {
      const at = locateJsonError(textOf, error);
      const uncounted = countNewlines(textOf) - place.lines;
      if (uncounted > 0) splitter.addLines(uncounted);
      this.report({
        message: `${at.message}; record skipped`,
        offset: place.offset + at.byteOffset,
        line: place.line + at.lineDelta,
        column: at.lineDelta === 0 ? undefined : at.column,
        reason: 'malformed JSON',
      });
      return;
    }
    const { record, raw, problem } = unwrapValue(value, kind);
    if (problem || !record) {
      const [reason, message] = problem ?? ['not an object', 'skipped'];
      this.report({ message, offset: place.offset, line: place.line, reason });
      return;
    }
    const entry: TrailRecord = {
      record,
      raw: raw === null ? undefined : raw ?? (place.singleLine ? textOf : undefined),
      multiline: raw === undefined && !place.singleLine ? textOf : undefined,
      file,
      offset: place.offset,
      line: place.line,
    };
    if (huge) entry.huge = true;
    this.batch.push(entry);
  }

  rejected(): void {
    this.records++;
  }

  fault(message: string, offset: number, line: number, fatal: boolean): void {
    this.report({ message, offset, line, reason: fatal ? 'truncated or corrupt input' : 'malformed JSON' });
  }
}

/**
 * Reads one input. Yields records in batches (one per chunk of input) to keep per-record overhead
 * low; faults go to `onFault`, and reading continues wherever the input allows. `part` is for the
 * pipeline's parallel strategies only (see trail-part.ts).
 */
export async function* readTrail(input: TrailInput, options: ReadOptions, part: TrailPartOptions = {}): AsyncGenerator<TrailRecord[]> {
  if (!part.resume && !part.splitAt && input.readWhole && (input.size ?? 0) <= WHOLE_INPUT_MAX) {
    // A small input (most of a tree's files): one read, one gunzip, one scan, and no stream.
    const stored = await input.readWhole(WHOLE_INPUT_MAX).catch(() => undefined);
    const whole = stored && decodedWhole(stored);
    if (whole) {
      yield* readTrailBytes(input.label, whole.bytes, options, whole.gzipped, part);
      return;
    }
    // Unreadable, or damaged gzip: the stream below reads what it can and says what went wrong.
  }
  const scan = new TrailScan(input.label, options, part);
  const { splitter } = scan;
  let skip = 0;
  if (part.resume) {
    splitter.resume(part.resume.point);
    skip = part.resume.point.offset - part.resume.inputOffset;
  }
  let split = part.splitAt;
  let handedOver = false;

  try {
    for await (let chunk of decodedChunks(input, () => scan.gzipped())) {
      if (scan.halted) break;
      if (skip > 0) {
        if (chunk.length <= skip) {
          skip -= chunk.length;
          continue;
        }
        chunk = chunk.subarray(skip);
        skip = 0;
      }
      if (split && splitter.offset + chunk.length >= split.offset) {
        const head = split.offset - splitter.offset;
        splitter.push(chunk.subarray(0, head));
        handedOver = split.handOver(!scan.isGzipped && splitter.betweenRecords, splitter.currentLine);
        if (handedOver) splitter.handOnHeld();
        split = undefined;
        if (!handedOver) splitter.push(chunk.subarray(head));
      } else {
        splitter.push(chunk);
      }
      scan.progress();
      yield* scan.drain();
      if (handedOver) return;
      // Not a trail file (/dev/zero, an archive), or a fault it cannot read past: stop reading.
      if (splitter.stopped) break;
    }
  } catch (error) {
    if (!(error instanceof ReadFault)) throw error;
    // Keep what was read before the fault: flush the records already found, then report.
    splitter.handOnHeld();
    yield* scan.drain();
    const reason: SkipReason = error.offset === 0 && !splitter.sawValue ? 'unreadable input' : 'truncated or corrupt input';
    // "after 0 bytes" says nothing an unreadable file's message does not.
    scan.report({ message: error.offset === 0 ? error.message : `${error.message} (after ${error.offset} bytes of data)`, reason });
    yield* scan.drain();
    return;
  }
  yield* scan.finish();
}

/**
 * Reads one whole input already in memory (decoded), with no stream, promise or timer: how a
 * worker reads a tree's many small files, where that machinery cost more than the reading.
 * Records and faults as `readTrail` gives them; `part` may only hand a huge record back.
 */
export function* readTrailBytes(label: string, bytes: Buffer, options: ReadOptions, gzipped = false, part: Pick<TrailPartOptions, 'handBack'> = {}): Generator<TrailRecord[]> {
  const scan = new TrailScan(label, options, part);
  if (gzipped) scan.gzipped();
  // In pieces the WebAssembly scanner takes (a bigger chunk is read by the JavaScript loops).
  let at = 0;
  do {
    scan.splitter.push(bytes.subarray(at, at + MAX_SCANNED_CHUNK));
    at += MAX_SCANNED_CHUNK;
  } while (at < bytes.length);
  scan.progress();
  yield* scan.drain();
  yield* scan.finish();
}

function countNewlines(text: string): number {
  let n = 0;
  for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) n++;
  return n;
}
