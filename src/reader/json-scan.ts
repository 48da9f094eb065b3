/**
 * The record splitter's innermost loops in WebAssembly (json-scan.wat says why), for the chunk being
 * scanned: `load` copies a chunk into the module's memory, and the splitter asks for a string's end,
 * a nested container's end or a stretch of a record's top level in it only while that copy is the
 * current one (`isLoaded`). The module also keeps a copy of one prefilter's verdicts and time window
 * (`serveMemo`, `remember`), with which `recordLevel` passes over records they rule out. Anything the
 * module cannot take (a chunk over `MAX_CHUNK`, or a runtime without WebAssembly SIMD) reads through
 * the JavaScript loops, which give the same answers.
 */
import type { Hasher } from '../util/hash64.js';
import { JSON_SCAN_WASM } from './json-scan-wasm.js';

/** Where the chunk starts in the module's memory (after its tables and answers: see json-scan.wat). */
const CHUNK = 65536;
/**
 * The answers' i32 indexes: status, depth, lines, string start, key expected, value flags, values
 * taken, hot keys seen; then the taken values' slots (see json-scan.wat).
 */
const ANSWERS = 256 / 4;
const SLOTS = 288 / 4;
const SLOT = 5;
const PASSED = 348 / 4;
/** The passed-over records' times noted: flags, then the texts from 400 (see json-scan.wat). */
const TIMES_NOTED = 364 / 4;
/** checkRecord's notes: 4 words per noted key (see json-scan.wat). */
const NOTES = 512 / 4;
const ANSWERS_END = 640;
/** Larger chunks are scanned by the JavaScript loops rather than grow the module's memory for good. */
export const MAX_CHUNK = 8 << 20;
const PAGE = 65536;

// The project compiles without the DOM library, where TypeScript keeps WebAssembly's types.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};
interface JsonScanExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  closingQuote(from: number, n: number): number;
  skipNested(from: number, n: number, depth: number, stop: number, stray: number): number;
  recordLevel(
    from: number,
    n: number,
    keyExpected: number,
    judged: number,
    seen: number,
    depth: number,
    stray: number,
    mayRuleOut: number,
    ruledOut: number,
  ): number;
  remember(field: number, from: number, to: number, hash: number, verdict: number): void;
  clearMemo(): void;
  valueHash(from: number, to: number): number;
  checkRecord(from: number, to: number): number;
}

/** What stopped `skipNested`: see json-scan.wat. */
export const NESTED_CLOSED = 0;
export const NESTED_CHUNK_END = 1;
export const NESTED_IN_STRING = 2;
export const NESTED_STRAY_BYTE = 3;
/** A '{' that may open a record (`{"eventVersion"`) inside a record being captured: see json-scan.wat. */
export const NESTED_RECORD_START = 4;

let scan: JsonScanExports | null | undefined;
let bytes: Buffer | undefined;
let words: Int32Array | undefined;
let loaded: Buffer | undefined;
let generation = 0;
let enabled = true;

/**
 * Off: every chunk reads through the JavaScript loops (the tests hold both ways of reading to the
 * same answers).
 */
export function useWebAssembly(on: boolean): void {
  enabled = on;
}

function instance(): JsonScanExports | null {
  if (scan === undefined) {
    try {
      const module = new WebAssembly.Module(Buffer.from(JSON_SCAN_WASM, 'base64'));
      scan = new WebAssembly.Instance(module).exports as unknown as JsonScanExports;
    } catch {
      scan = null;
    }
  }
  return scan;
}

/**
 * Copies `chunk` into the module's memory. Returns the copy's generation (0 when it was not
 * copied): a later `load`, by any splitter of this thread, makes it stale.
 */
export function load(chunk: Buffer): number {
  if (!enabled || chunk.length > MAX_CHUNK) return 0;
  const s = instance();
  if (!s) return 0;
  const need = CHUNK + chunk.length + 16;
  if (s.memory.buffer.byteLength < need) {
    try {
      s.memory.grow(Math.ceil((need - s.memory.buffer.byteLength) / PAGE));
    } catch {
      // No memory to grow into (a `ulimit -v`): this chunk reads through the JavaScript loops.
      return 0;
    }
  }
  if (!bytes || bytes.buffer !== s.memory.buffer) {
    bytes = Buffer.from(s.memory.buffer);
    words = new Int32Array(s.memory.buffer, 0, ANSWERS_END / 4);
  }
  bytes.set(chunk, CHUNK);
  loaded = chunk;
  return ++generation;
}

/** True when the module's memory holds `chunk` as loaded under `gen`. */
export function isLoaded(chunk: Buffer, gen: number): boolean {
  return gen === generation && chunk === loaded;
}

/** As `RecordSplitter.findClosingQuote`, over the loaded chunk (`n` is its length). */
export function closingQuote(from: number, n: number): number {
  return (scan as JsonScanExports).closingQuote(from, n);
}

/** What `skipNested` stopped at besides its position (read right after the call). */
export interface NestedStop {
  status: number;
  depth: number;
  lines: number;
  /** With NESTED_IN_STRING: where the string's content began. */
  stringStart: number;
}

/** As `RecordSplitter.skipNested`'s loop over the loaded chunk; fills `stop`, returns the position. */
export function skipNested(from: number, n: number, depth: number, stopDepth: number, strayStops: boolean, stop: NestedStop): number {
  const at = (scan as JsonScanExports).skipNested(from, n, depth, stopDepth, strayStops ? 1 : 0);
  const answers = words as Int32Array;
  stop.status = answers[ANSWERS];
  stop.depth = answers[ANSWERS + 1];
  stop.lines = answers[ANSWERS + 2];
  stop.stringStart = answers[ANSWERS + 3];
  return at;
}

/** What `recordLevel` leaves for the caller besides its position. */
export interface RecordLevelStop {
  lines: number;
  keyExpected: boolean;
  /** Hot keys met in the record so far (a bit per key, as `RecordSplitter.seenHot`). */
  seen: number;
  /** Hot values taken on the way (read them with `takenValue`). */
  taken: number;
  /** Records passed over as ruled out, the one scanned first among them. */
  passed: number;
  /** With `passed`: where the record scanned now began (its '{'), and the newlines before it. */
  recordStart: number;
  linesBefore: number;
}

/**
 * Whether `recordLevel` may pass over records the memo rules out: not at all (RULING_NONE), or yes,
 * the record scanned now not ruled out yet (RULING_OPEN) or already (RULED_OUT).
 */
export type RecordRuling = 0 | 1 | 2;
export const RULING_NONE = 0;
export const RULING_OPEN = 1;
export const RULED_OUT = 2;

/**
 * `RecordSplitter.scanRecordLevel`'s loop over the loaded chunk, as far as it needs nothing of the
 * splitter: returns the position of the first byte the splitter must handle itself (or `n`). The
 * values of judged hot keys on the way, plain strings met once, are taken for the splitter to judge;
 * records that the memo's verdicts rule out may be passed over whole (`ruling`, `stop.passed`).
 */
export function recordLevel(
  from: number,
  n: number,
  keyExpected: boolean,
  judged: number,
  seen: number,
  depth: number,
  strayStops: boolean,
  ruling: RecordRuling,
  stop: RecordLevelStop,
): number {
  const at = (scan as JsonScanExports).recordLevel(
    from,
    n,
    keyExpected ? 1 : 0,
    judged,
    seen,
    depth,
    strayStops ? 1 : 0,
    ruling === RULING_NONE ? 0 : 1,
    ruling === RULED_OUT ? 1 : 0,
  );
  const answers = words as Int32Array;
  stop.lines = answers[ANSWERS + 2];
  stop.keyExpected = answers[ANSWERS + 4] !== 0;
  stop.taken = answers[ANSWERS + 6];
  stop.seen = answers[ANSWERS + 7];
  stop.passed = answers[PASSED];
  passedOver += stop.passed;
  stop.recordStart = answers[PASSED + 1];
  stop.linesBefore = answers[PASSED + 2];
  return at;
}

/** A hot value `recordLevel` took: the field (1 eventName, 2 eventSource, 3 eventTime), where, its hash. */
export interface TakenValue {
  key: number;
  from: number;
  to: number;
  hash: number;
  ascii: boolean;
  /** The memo here knew its verdict. */
  known: boolean;
}

/** The `k`th value the last `recordLevel` took, into `into`. */
export function takenValue(k: number, into: TakenValue): void {
  const answers = words as Int32Array;
  const at = SLOTS + k * SLOT;
  into.key = answers[at];
  into.from = answers[at + 1];
  into.to = answers[at + 2];
  into.hash = answers[at + 3];
  into.ascii = (answers[at + 4] & VALUE_NOT_ASCII) === 0;
  into.known = (answers[at + 4] & VALUE_KNOWN) !== 0;
}

/** `valueHash`'s flags: the value holds a backslash (its hash is not whole), a byte over 0x7f. */
export const VALUE_ESCAPED = 1;
export const VALUE_NOT_ASCII = 2;
/** (A taken value's flag:) the memo knew its verdict. */
const VALUE_KNOWN = 4;

/** The hash `RecordSplitter.hotValue` takes of bytes [from, to) of the loaded chunk; `valueFlags` tells the rest. */
export function valueHash(from: number, to: number): number {
  return (scan as JsonScanExports).valueHash(from, to);
}

/** The last `valueHash`'s VALUE_ flags. */
export function valueFlags(): number {
  return (words as Int32Array)[ANSWERS + 5];
}

let memoOwner: object | undefined;
let passedOver = 0;

/** Records passed over as ruled out on this thread so far (lets tests tell that it happens). */
export function recordsPassedOver(): number {
  return passedOver;
}

/**
 * The memo here serves the verdicts of `owner` (a VerdictMemo), and the time window of the same
 * filter: another owner's are forgotten first. Call before `recordLevel` may rule records out.
 */
export function serveMemo(owner: object, window?: { since?: number; until?: number }): void {
  if (owner === memoOwner) return;
  (scan as JsonScanExports).clearMemo();
  memoOwner = owner;
  const memory = bytes as Buffer;
  memory.write(windowText(window?.since, LOWEST_TIME), WINDOW);
  memory.write(windowText(window?.until, HIGHEST_TIME), WINDOW + 20);
}

/** Below and above every time written as delivery files write it (years 0100 to 9999). */
const LOWEST_TIME = '0000-00-00T00:00:00Z';
const HIGHEST_TIME = '9999-99-99T99:99:99Z';
const WINDOW = 460;

/**
 * A window bound as the text of the first whole second at or after it: a time of whole seconds is
 * at or after the bound exactly when its text orders at or after this one.
 */
export function windowText(bound: number | undefined, none: string): string {
  if (bound === undefined) return none;
  const date = new Date(Math.ceil(bound / 1000) * 1000);
  const year = date.getUTCFullYear();
  // Out of Date's range: past every time there is.
  if (Number.isNaN(year)) return bound < 0 ? LOWEST_TIME : HIGHEST_TIME;
  if (year < 100) return LOWEST_TIME;
  if (year > 9999) return HIGHEST_TIME;
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The times the last `recordLevel` noted of the records it passed over: earliest, latest, one inside the window. */
export function passedTimes(): string[] {
  const memory = bytes as Buffer;
  const flags = (words as Int32Array)[TIMES_NOTED];
  const times: string[] = [];
  if ((flags & 1) !== 0) times.push(memory.toString('latin1', 400, 420), memory.toString('latin1', 420, 440));
  if ((flags & 2) !== 0) times.push(memory.toString('latin1', 440, 460));
  return times;
}

/** Remembers the verdict on bytes [from, to) of the loaded chunk, a value of `field` (1 eventName, 2 eventSource). */
export function remember(field: number, from: number, to: number, hash: number, accepted: boolean): void {
  (scan as JsonScanExports).remember(field, from, to, hash, accepted ? 1 : 0);
}

/**
 * The top-level keys whose values `checkedRecord` notes, in the order of json-scan.wat's $notedKey:
 * what recognises a copy of an event (src/cloudtrail/fingerprint.ts) and what tells a CloudTrail
 * record from other AWS JSON (`notCloudTrailBecause`).
 */
const NOTED_KEYS = ['eventID', 'eventTime', 'eventName', 'errorCode', 'recipientAccountId', 'eventSource', 'userIdentity'] as const;
export type NotedKey = (typeof NOTED_KEYS)[number];
const NOTED_INDEX = Object.fromEntries(NOTED_KEYS.map((key, k) => [key, NOTES + 4 * k])) as Record<NotedKey, number>;
const NOTED_STRING = 1;
const NOTED_ESCAPED_STRING = 3;

/** The top-level values the last `checkedRecord` noted, read from the module's memory. */
export interface NotedRecord {
  /** The key is in the record, whatever its value. */
  has(key: NotedKey): boolean;
  /** Its value, when a string. */
  text(key: NotedKey): string | undefined;
  /** Its value's length, when a string; else -1. */
  textLength(key: NotedKey): number;
  /** Adds `text(key) ?? ''` to `hasher`, from the bytes themselves when they are ASCII. */
  addText(hasher: Hasher, key: NotedKey): void;
}

/** Where `key`'s note is, when its value is a plain string (a key not met is noted as kind 0). */
function stringNote(key: NotedKey): number {
  const at = NOTED_INDEX[key];
  return (words as Int32Array)[at + 3] === NOTED_STRING ? at : -1;
}

const noted: NotedRecord = {
  has: (key) => (words as Int32Array)[NOTED_INDEX[key]] !== 0,
  text(key) {
    const at = stringNote(key);
    const notes = words as Int32Array;
    return at < 0 ? undefined : (bytes as Buffer).toString('utf8', CHUNK + notes[at + 1], CHUNK + notes[at + 2]);
  },
  textLength(key) {
    const at = stringNote(key);
    const notes = words as Int32Array;
    return at < 0 ? -1 : notes[at + 2] - notes[at + 1];
  },
  addText(hasher, key) {
    const at = stringNote(key);
    const notes = words as Int32Array;
    if (at < 0) hasher.add('');
    else if (!hasher.addAscii(bytes as Buffer, CHUNK + notes[at + 1], CHUNK + notes[at + 2])) hasher.add(noted.text(key) as string);
  },
};

/**
 * When `slice`, a record's bytes lying in the loaded chunk, is one JSON object that JSON.parse
 * takes, each noted key met once at most and none of their strings escaped: what was noted of it
 * (until the next call). Else undefined, and the record is to be parsed (checkRecord may say no to
 * some JSON that JSON.parse takes).
 */
export function checkedRecord(slice: Buffer): NotedRecord | undefined {
  const chunk = loaded;
  const memory = bytes;
  if (!enabled || !scan || !chunk || !memory || slice.buffer !== chunk.buffer) return undefined;
  const from = slice.byteOffset - chunk.byteOffset;
  const to = from + slice.length;
  // The copy checked must be these very bytes (a reader may reuse a chunk's memory once scanned).
  if (from < 0 || to > chunk.length || memory.compare(slice, 0, slice.length, CHUNK + from, CHUNK + to) !== 0) return undefined;
  if (scan.checkRecord(from, to) === 0) return undefined;
  const notes = words as Int32Array;
  for (let at = NOTES; at < NOTES + 4 * NOTED_KEYS.length; at += 4) {
    // JSON.parse keeps a repeated key's last value; an escape needs decoding: parse those.
    if (notes[at] > 1 || notes[at + 3] === NOTED_ESCAPED_STRING) return undefined;
  }
  return noted;
}
