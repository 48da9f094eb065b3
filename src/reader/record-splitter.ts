/**
 * The fast record splitter: a byte scanner that finds where each record of a trail file starts and
 * ends without building a token per byte. It understands just enough JSON to do that (strings,
 * nesting, commas), skips through strings and nested values in WebAssembly (json-scan.ts), and
 * leaves full validation to `JSON.parse`, which only ever sees one record's slice.
 *
 * Every input shape reduces to two cases here:
 * - a top-level array, or a top-level object's `Records` / `Events` array: each element is emitted
 *   on its own (the array itself is never held in memory);
 * - any other top-level value (a single record, an EventBridge envelope, a JSON-lines line): the
 *   whole value is emitted. Several top-level values in a row are JSON lines.
 *
 * While scanning it also notes, for free, the top-level `eventName`, `eventSource` and `eventTime`
 * of each record (the "hot fields"), so that a filter can reject most records without parsing them.
 *
 * It imports no I/O: bytes in through `push`, slices out through `SplitterSink`.
 */
import { firstSyntaxError } from './json-error.js';
import * as jsonScan from './json-scan.js';

/**
 * The first byte of a record and what surrounds it: enough for a new splitter to read on from
 * there (`RecordSplitter.resume`). `arrayDepth` is that of the streamed array holding the record,
 * or -1 for a top-level value.
 */
export interface ResumePoint {
  offset: number;
  line: number;
  arrayDepth: number;
  kind: SliceKind;
}

/** Where an emitted slice came from. */
export type SliceKind =
  /** An element of a top-level `Records` array or of a bare top-level array. */
  | 'element'
  /** An element of a top-level `Events` array (`aws cloudtrail lookup-events` output). */
  | 'lookup-event'
  /** A whole top-level value that held no `Records` / `Events` array. */
  | 'top';

/** Top-level string fields of a record, read from the raw bytes; undefined when absent or escaped. */
export interface HotFields {
  eventName?: string;
  eventSource?: string;
  eventTime?: string;
}

/** Where a slice sits in the input. */
export interface SlicePlace {
  /** Absolute byte offset of its first byte. */
  offset: number;
  /** 1-based line of its first byte. */
  line: number;
  /** True when the slice holds no newline, so its text is already one JSON line. */
  singleLine: boolean;
  /**
   * Newlines counted in it. Those inside strings go by uncounted (valid JSON has none there); a
   * sink that finds the slice invalid tells the difference with `addLines`.
   */
  lines: number;
}

export interface SplitterSink {
  /**
   * A complete value. `bytes` is only valid during the call (it may be a view into a reused chunk),
   * or until the sink calls the splitter's `releaseSlice`.
   */
  slice(bytes: Buffer, place: SlicePlace, kind: SliceKind): void;
  /**
   * A structural fault at absolute byte `offset`, on `line`. When `fatal`, the rest of the input
   * can no longer be split reliably and the splitter ignores it; otherwise scanning goes on.
   */
  fault(message: string, offset: number, line: number, fatal: boolean): void;
  /**
   * Optional early verdict on a record from the hot fields seen so far: false means it cannot
   * match, so its bytes are not kept (a huge record that is not wanted costs no memory) and
   * `rejected` is called instead of `slice`.
   */
  accept?(field: keyof HotFields, value: string): boolean;
  /** The fields `accept` judges; values of the others are not looked at. Default: all three. */
  acceptFields?: ReadonlyArray<keyof HotFields>;
  /** `accept`'s time window, when it judges eventTime (see Prefilter.window). */
  timeWindow?: { since?: number; until?: number };
  rejected?(): void;
  /**
   * Where `accept`'s verdicts are remembered, when they outlive this splitter: a tree's files each
   * get a splitter, and each would otherwise ask `accept` again for every name it meets.
   */
  verdicts?: VerdictMemo;
  /**
   * Optional: asked once when a record still wanted grows past `handBackBytes` while being read,
   * with where it began. True stops this splitter there, before it holds the record's bytes:
   * someone else reads on from `point`.
   */
  handBack?(point: ResumePoint): boolean;
  handBackBytes?: number;
}

/**
 * `accept`'s verdicts on eventName and eventSource values, by the value's bytes (hashed, then
 * compared): the same `accept` always judges a value the same, so one memo serves every splitter
 * that shares it. Times are all different and never remembered.
 */
export class VerdictMemo {
  /** Values remembered per field; past it, `accept` is asked each time. */
  static readonly PER_FIELD = 1024;
  private readonly byField: Array<Map<number, Array<{ bytes: Buffer; accepted: boolean }>>> = [new Map(), new Map(), new Map(), new Map()];
  private readonly counts = [0, 0, 0, 0];

  /** The verdict remembered for bytes [from, to) of `chunk`, whose hash is `hash`; undefined when none. */
  find(key: number, hash: number, chunk: Buffer, from: number, to: number): boolean | undefined {
    const entries = this.byField[key].get(hash);
    if (entries === undefined) return undefined;
    const len = to - from;
    for (let e = 0; e < entries.length; e++) {
      const entry = entries[e];
      if (entry.bytes.length === len && sameBytes(chunk, from, entry.bytes)) return entry.accepted;
    }
    return undefined;
  }

  remember(key: number, hash: number, bytes: Buffer, accepted: boolean): void {
    if (this.counts[key] >= VerdictMemo.PER_FIELD) return;
    this.counts[key]++;
    const map = this.byField[key];
    const entries = map.get(hash);
    if (entries) entries.push({ bytes, accepted });
    else map.set(hash, [{ bytes, accepted }]);
  }
}

/** An element read whole, not yet handed on (see `RecordSplitter.held`). */
interface Held {
  bytes: Buffer;
  place: SlicePlace;
  kind: SliceKind;
  /** Ruled out by `accept`: told as `rejected` (its bytes, if kept, only for telling damage). */
  rejected: boolean;
  object: boolean;
  /** `bytes` is a view into the current chunk (copied before the chunk is let go). */
  view: boolean;
  /** `bytes` is the splitter's spill memory (copied before another capture may spill). */
  spilled: boolean;
}

/** A record of a trail file's Records array: `{"Records": [ <here>`. */
export const RECORDS_ELEMENT = { arrayDepth: 2, kind: 'element' } as const;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const NEWLINE = 0x0a;
/** A ',' after a whole top-level value: the records array closed too early, or JSON lines with commas. */
export const TOP_COMMA = `unexpected ',' after a whole JSON value (the records array closed too early?); the records after it are read`;

const HOT_NONE = 0;
const HOT_NAME = 1;
const HOT_SOURCE = 2;
const HOT_TIME = 3;
const WRAP_RECORDS = 4;
const WRAP_EVENTS = 5;

const EMPTY = Buffer.alloc(0);
const BOM = [0xef, 0xbb, 0xbf];
/** Longest key start carried across a chunk boundary: "eventSource" fully \\u-escaped is 66 bytes. */
const MAX_CARRIED_KEY = 80;
/** A record ruled out early keeps its bytes up to this size (in case a repeated key revives it). */
const KEEP_REJECTED_BYTES = 4 << 20;
/**
 * A capture that grows past this is copied out of the read chunks as they arrive, into memory the
 * splitter can give back at once (see `spill`). Below it, views into the chunks cost nothing.
 */
const SPILL_AT = 4 << 20;
/**
 * Address space reserved for a spilled capture; only the part in use takes memory. Any record whose
 * text can be a JavaScript string fits: V8 allows 2^29 characters, of at most 3 UTF-8 bytes each.
 */
const SPILL_RESERVE = 2 ** 31;
const KEY_EVENT_NAME = Buffer.from('eventName');
const KEY_EVENT_SOURCE = Buffer.from('eventSource');
const KEY_EVENT_TIME = Buffer.from('eventTime');
const KEY_RECORDS = Buffer.from('Records');
const KEY_EVENTS = Buffer.from('Events');

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export function describeByte(b: number): string {
  if (b >= 0x21 && b < 0x7f) return `'${String.fromCharCode(b)}'`;
  return `byte 0x${b.toString(16).padStart(2, '0')}`;
}

/**
 * Splits one input. Call `push` with each chunk of (decompressed) bytes, then `end`.
 * State survives chunk boundaries, so a record may span any number of chunks.
 */
export class RecordSplitter {
  /** Absolute offset of the first byte of the current chunk. */
  private base = 0;
  /** Open containers. Records sit at `arrayDepth + 1` (elements) or 1 (top values). */
  private depth = 0;
  private inString = false;
  /** Inside a string, the previous chunk ended on an unpaired backslash. */
  private escapeNext = false;
  /** Absolute offset where the current string's content began (after the quote). */
  private stringStart = 0;
  /** Inside a scalar element/top value (number, true, ...), which ends at a delimiter. */
  private inScalar = false;

  /** Depth of the array whose elements are streamed one by one, or -1. */
  private arrayDepth = -1;
  private arrayKind: SliceKind = 'element';
  /** In the streamed array: an element may follow (after '[' or ','). */
  private elementExpected = false;
  /** In the streamed array: the previous thing was an element, so ',' or ']' must follow. */
  private separatorExpected = false;
  private trailingComma = -1;
  /** The line of `trailingComma`: a ']' on a later line still names the comma's. */
  private trailingCommaLine = 0;

  /** Capture of the current slice (element or top value). */
  private capturing = false;
  private captureStart = 0;
  private captureParts: Buffer[] = [];
  /**
   * A big capture's bytes, copied here instead of kept as views: views would hold every read chunk
   * until the end, and then `Buffer.concat` would copy them all once more. A resizable buffer grows
   * without copying and `resize(0)` returns its memory to the system at once, not at the next GC,
   * so a 50 MB record costs its bytes once, and only until they are decoded.
   */
  private spill: ArrayBuffer | undefined;
  private spilling = false;
  /** The address space for `spill` could not be reserved (a `ulimit -v`): keep views then. */
  private spillRefused = false;
  /** Chunk-local start of the capture within the current chunk (when it began in this chunk). */
  private captureLocal = -1;
  private captureKind: SliceKind = 'top';

  /** Depth at which record keys live (the record object's own level), or -1 when not in a record. */
  private recordDepth = -1;
  private keyExpected = false;
  /** A broken record's bytes were read again by a nested `push`, which also read the rest of the chunk. */
  private replayed = false;
  private pendingKey = HOT_NONE;
  private hotOk = true;
  /** The current top-level value turned out to be a wrapper (a Records/Events array was found). */
  private topIsWrapper = false;
  private wrapperPending = HOT_NONE;
  /** After the records array, a ',' at the wrapper's level that no member has followed yet (its offset and line), or -1. */
  private wrapperComma = -1;
  private wrapperCommaLine = 0;
  /** Stray text after the records array, in the wrapper, was told (once per wrapper is enough). */
  private wrapperStrayTold = false;
  /** A bare word in the wrapper ran to the last chunk's end: the next chunk may go on with it. */
  private wrapperWordCut = false;
  /** After a top-level fault: ignore bytes up to the next newline. */
  private skipToNewline = false;
  /**
   * The last top-level value was a record on one line: the input is JSON lines, where a record
   * never spans lines. A record left open at its line's end then ends there (see `openLineEnds`).
   */
  private linesMode = false;
  /** A top-level value was read whole. */
  private topSeen = false;
  /** Absolute offset of the last newline met between tokens (-2: none yet). */
  private lastNewline = -2;
  private dead = false;
  private sawAnyValue = false;
  /** Remembered `accept` verdicts (the sink's memo, or this splitter's own). */
  private readonly verdicts: VerdictMemo;
  /** Bytes of a leading byte order mark seen so far. */
  private bomBytes = 0;
  /** The start of a key string still open at the end of the last chunk (keys are short). */
  private keyCarry: Buffer | undefined;
  /** Hot keys already seen in the current record (bit per key). */
  private seenHot = 0;
  /** The record being captured was ruled out by `sink.accept`: it will not be emitted. */
  private rejecting = false;
  /** ...and it grew so big that its bytes were let go. */
  private bytesDropped = false;
  private captureBytes = 0;
  /** `sink.handBack` was already asked about the current capture. */
  private handBackAsked = false;
  /** Record starts met nested in the current capture and checked (see `cutShortBefore`). */
  private nestedStartChecks = 0;
  /** Current 1-based line. Newlines only occur between tokens, where bytes are looked at one by one. */
  private line = 1;
  private captureLine = 1;
  /**
   * Elements of a streamed array read whole but not yet handed on. A record is known good only
   * once what follows it fits: a separator and then another object (or the array's end). A stray
   * '}' inside a record closes it early, and only the ':' met a few bytes later tells: so the last
   * object is held until then (with at most one non-object element after it).
   */
  private held: Held[] = [];
  /**
   * A '}' too many right after the held record (byte, line; -1 for none). The record is whole,
   * and the '}' stray, unless the '}' closed it early and its members go on after it
   * (`…"x"}},"eventID":…`): the first byte after the next ',' tells (see afterStrayBrace).
   */
  private strayBraceAt = -1;
  private strayBraceLine = 1;
  /** After a top-level record and its '}' too many, the ',' that may go on with its members came. */
  private strayComma = false;
  /** A ',' between top-level values was told (see topLevelStart): the next ones are not. */
  private topCommaTold = false;
  /**
   * A ',' right after a top-level record on its line, not yet told (byte, line; -1 for none): a key
   * after it on that line shows a '}' too many closed the record early (see afterTopRecord).
   */
  private topCommaAt = -1;
  private topCommaLine = 1;
  /** The current capture is an object (a record candidate), not a string, number or array. */
  private captureIsObject = false;
  /** After a broken record: skipping bytes to the next record start (`{"<first key>"` after ',' or '['). */
  private resyncing = false;
  /**
   * The last bytes seen while resyncing, in case a record start is cut by a chunk boundary: the
   * search goes on from `resyncCarryFrom`; the bytes before it are only the context a record start
   * is told by (the ',' or '[' before its '{').
   */
  private resyncCarry: Buffer | undefined;
  private resyncCarryFrom = 0;
  /** The first key of the array's first record (`"eventVersion"` in trail files): how a record start is told. */
  private firstKey: Buffer | undefined;

  /** Bit per hot key whose values `sink.accept` judges. */
  private readonly judged: number;
  /** The generation of this push's chunk in the WebAssembly scanner's memory (0: not there). */
  private scanGen = 0;
  private readonly nestedStop: jsonScan.NestedStop = { status: 0, depth: 0, lines: 0, stringStart: 0 };
  private readonly levelStop: jsonScan.RecordLevelStop = { lines: 0, keyExpected: false, seen: 0, taken: 0, passed: 0, recordStart: 0, linesBefore: 0 };
  private readonly takenValue: jsonScan.TakenValue = { key: 0, from: 0, to: 0, hash: 0, ascii: true, known: false };

  constructor(private readonly sink: SplitterSink) {
    this.verdicts = sink.verdicts ?? new VerdictMemo();
    const fields = !sink.accept ? [] : sink.acceptFields ?? ['eventName', 'eventSource', 'eventTime'];
    this.judged =
      (fields.includes('eventName') ? 1 << HOT_NAME : 0) |
      (fields.includes('eventSource') ? 1 << HOT_SOURCE : 0) |
      (fields.includes('eventTime') ? 1 << HOT_TIME : 0);
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.base;
  }

  /** Newlines found inside the strings of a broken slice: places after it count them too. */
  addLines(n: number): void {
    this.line += n;
  }

  /**
   * Gives back the memory of the slice being delivered, when the splitter holds a copy of its own
   * (a big record): a sink calls it once it has decoded `bytes`, so that the bytes and what they
   * decode to never both stay in memory. The slice's `bytes` read as empty afterwards.
   */
  releaseSlice(): void {
    if (this.spilling) {
      (this.spill as ArrayBuffer).resize(0);
      this.spilling = false;
    }
  }

  /** Reserved once per splitter: resize(0) frees the memory and keeps the reservation. */
  private reserveSpill(): boolean {
    if (!this.spill && !this.spillRefused) {
      try {
        this.spill = new ArrayBuffer(0, { maxByteLength: SPILL_RESERVE });
      } catch {
        this.spillRefused = true;
      }
    }
    return this.spill !== undefined;
  }

  private toSpill(part: Buffer): void {
    const spill = this.spill as ArrayBuffer;
    const at = spill.byteLength;
    spill.resize(at + part.length);
    part.copy(new Uint8Array(spill, at));
    this.spilling = true;
  }

  /** True once a value began (used to tell an empty input from a broken one). */
  get sawValue(): boolean {
    return this.sawAnyValue;
  }

  /** The 1-based line the next byte is on. */
  get currentLine(): number {
    return this.line;
  }

  /** A fatal fault was told: nothing more of this input is read (the rest need not even be fetched). */
  get stopped(): boolean {
    return this.dead;
  }

  /**
   * True when the bytes so far end between two elements of a top-level object's `Records` array,
   * after the comma: the state `resume` starts from at a `RECORDS_ELEMENT`. This is what proves that a
   * guessed split point of a big file (src/cli/parallel/split-file.ts) was a real record boundary.
   */
  get betweenRecords(): boolean {
    return (
      !this.dead &&
      this.depth === 2 &&
      this.arrayDepth === 2 &&
      this.topIsWrapper &&
      this.arrayKind === 'element' &&
      this.elementExpected &&
      this.trailingComma >= 0 &&
      !this.inString &&
      !this.inScalar &&
      !this.capturing &&
      !this.skipToNewline
    );
  }

  /**
   * Where the slice just delivered began, as a place to start another splitter from (`resume`):
   * call it from `SplitterSink.slice`.
   */
  resumePointOf(place: { offset: number; line: number }, kind: SliceKind): ResumePoint {
    return { offset: place.offset, line: place.line, arrayDepth: kind === 'top' ? -1 : this.arrayDepth, kind };
  }

  /**
   * Starts this splitter at a record's first byte, as if it had read everything before it: lets
   * another reader take over a file in the middle (the second part of a split file, or the rest of
   * a file a worker hands back). The input's bytes then begin at `point.offset`.
   */
  resume(point: ResumePoint): void {
    this.base = point.offset;
    this.line = point.line;
    this.sawAnyValue = true;
    this.bomBytes = 3;
    if (point.arrayDepth > 0) {
      this.depth = point.arrayDepth;
      this.arrayDepth = point.arrayDepth;
      this.arrayKind = point.kind;
      this.topIsWrapper = true;
      this.elementExpected = true;
      this.separatorExpected = false;
      // Only read when ']' follows a comma, never the case right before a record.
      this.trailingComma = point.offset;
      this.trailingCommaLine = point.line;
    }
  }

  push(chunk: Buffer): void {
    if (this.dead) {
      this.base += chunk.length;
      return;
    }
    if (this.base === 0 && !this.sawAnyValue) {
      // An archive or another compression is no JSON: one fault for the input, not one per line
      // of binary noise.
      const archive = archiveKind(chunk);
      if (archive) {
        this.fail(archiveFault(archive), 0, true);
        this.base += chunk.length;
        return;
      }
    }
    if ((this.resyncing || this.skipToNewline) && this.resyncCarry) {
      // A record start may begin in the last bytes before this chunk (cut by one boundary or by
      // several): those bytes and this chunk are read as one piece, from where the carry began.
      const carry = this.resyncCarry;
      this.resyncCarry = undefined;
      this.line -= countNewlines(carry, this.resyncCarryFrom, carry.length);
      this.base -= carry.length;
      chunk = Buffer.concat([carry, chunk]);
    }
    this.scanGen = jsonScan.load(chunk);
    if (this.scanGen !== 0) jsonScan.serveMemo(this.verdicts, this.sink.timeWindow);
    // A slice still open from the previous chunk continues from this chunk's first byte.
    this.captureLocal = this.capturing ? 0 : -1;
    let i = this.resyncing && this.resyncCarryFrom > 0 ? this.resyncCarryFrom : 0;
    this.resyncCarryFrom = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.resyncing) {
        i = this.skipToRecordStart(chunk, i);
        continue;
      }
      if (this.skipToNewline) {
        const nl = chunk.indexOf(NEWLINE, i);
        // Stray text before a value on its line (`junk{"Records":[…`, two files cat'ed with no
        // newline between): the value is read, not skipped with the rest of the line.
        const value = valueStartIn(chunk, i, nl < 0 ? n : nl);
        if (value >= 0) {
          this.skipToNewline = false;
          i = value;
          continue;
        }
        if (nl < 0) {
          // A value's start may be cut by this chunk's end: its last bytes are searched again
          // with the next chunk (they hold no newline).
          const from = Math.max(i, n - MAX_VALUE_START);
          this.resyncCarry = Buffer.from(chunk.subarray(from));
          this.resyncCarryFrom = 0;
          i = n;
          break;
        }
        this.skipToNewline = false;
        this.line++;
        i = nl + 1;
        continue;
      }
      if (this.inString) {
        i = this.scanString(chunk, i);
        if (this.dead) break;
        continue;
      }
      if (this.inScalar) {
        i = this.scanScalar(chunk, i);
        continue;
      }
      if (this.depth === this.recordDepth && this.arrayDepth >= 0) {
        i = this.scanRecordLevel(chunk, i);
        if (this.dead) break;
        continue;
      }
      const b = chunk[i];
      if (isSpace(b)) {
        if (b === NEWLINE) {
          this.line++;
          this.lastNewline = this.base + i;
        }
        i++;
        continue;
      }
      if (b === LBRACE && this.base + i === this.lastNewline + 1) {
        const next = this.openLineEnds(chunk, i);
        if (next >= 0) {
          i = next;
          continue;
        }
      }
      // The commonest tokens inside a record, handled without the general dispatch.
      if (b === COLON && this.depth !== this.arrayDepth) {
        i++;
        continue;
      }
      if (b === QUOTE && this.depth > 0 && this.depth !== this.arrayDepth) {
        this.wrapperComma = -1;
        this.inString = true;
        this.stringStart = this.base + i + 1;
        i = this.scanString(chunk, i + 1);
        if (this.dead) break;
        continue;
      }
      i = this.structural(chunk, i, b);
      if (this.dead) break;
    }
    if (this.replayed) {
      this.replayed = false;
      return;
    }
    if (this.inString && this.keyExpected && this.depth === this.recordDepth && !this.dead) {
      // A key cut by the chunk boundary: keep its start, so "Records" is still recognised.
      const local = this.stringStart - this.base;
      const piece = chunk.subarray(Math.max(local, 0));
      if (local >= 0) this.keyCarry = Buffer.from(piece);
      else if (this.keyCarry) this.keyCarry = Buffer.concat([this.keyCarry, piece]);
      if (this.keyCarry && this.keyCarry.length > MAX_CARRIED_KEY) this.keyCarry = undefined;
    }
    // A JSON line's record whose line ended with nothing after it is handed on now, not when the
    // next line comes: on a live pipe that may be a while, and what matched is printed meanwhile.
    const top = this.held.length === 1 && this.held[0].kind === 'top' ? this.held[0] : undefined;
    if (top && this.line > top.place.line + top.place.lines) this.flushHeld();
    // Held elements may be views into this chunk, which the source may reuse: copy them (rare:
    // a record is mostly handed on at the next record's start, in the same chunk).
    for (const h of this.held) {
      if (h.view) {
        h.bytes = Buffer.from(h.bytes);
        h.view = false;
      }
    }
    if (this.capturing && !this.dead && !this.bytesDropped) {
      // Keep the part of this chunk that belongs to the unfinished slice: a copy (usually of a few
      // hundred bytes), as a source may read its next chunk into the same buffer (see
      // filePartInput), and a view would keep the whole chunk alive anyway.
      const from = this.captureLocal < 0 ? 0 : this.captureLocal;
      this.captureBytes += n - from;
      if (this.handsBack()) {
        this.base += n;
        return;
      }
      if (this.rejecting && this.captureBytes > KEEP_REJECTED_BYTES) {
        // A big record already ruled out: stop holding it in memory.
        this.captureParts = [];
        this.releaseSlice();
        this.bytesDropped = true;
      } else if (this.spilling) {
        this.toSpill(chunk.subarray(from));
      } else {
        this.captureParts.push(Buffer.from(chunk.subarray(from)));
        if (this.captureBytes > SPILL_AT && this.reserveSpill()) {
          for (const part of this.captureParts) this.toSpill(part);
          this.captureParts = [];
        }
      }
    }
    this.base += n;
  }

  /** Asks `sink.handBack` about a wanted capture grown past the limit; true when it took over. */
  private handsBack(): boolean {
    const sink = this.sink;
    if (!sink.handBack || this.handBackAsked || this.rejecting || this.captureBytes < (sink.handBackBytes ?? Infinity)) return false;
    this.handBackAsked = true;
    if (!sink.handBack(this.resumePointOf({ offset: this.captureStart, line: this.captureLine }, this.captureKind))) return false;
    this.dead = true;
    this.capturing = false;
    this.captureParts = [];
    this.releaseSlice();
    return true;
  }

  end(): void {
    if (this.dead) return;
    if (this.atCutShortEnd()) {
      this.end();
      return;
    }
    // Complete elements before the end are handed on, whatever comes (or does not) after them.
    this.flushHeld();
    // Looking for the next record after a broken one, and none came: that fault was told.
    if (this.resyncing) return;
    if (this.arrayDepth >= 0 && this.capturing && this.captureIsObject) {
      // A record still open at the end: a truncated file, unless the record broke earlier (a quote
      // lost, so that a string ran to the end): then that is the fault, and reading goes on after it.
      const captured = this.capturedThrough(EMPTY, 0);
      if (captured && firstSyntaxErrorIn(captured)) {
        this.brokenRecord(EMPTY, -1, QUOTE);
        this.replayed = false;
        this.end();
        return;
      }
    }
    const at = this.base;
    if (this.inString) {
      // Lines inside strings are not counted as they go by (a string holds none in valid JSON).
      const captured = this.capturedThrough(EMPTY, 0);
      if (captured) this.line += countNewlines(captured, Math.max(0, this.stringStart - this.captureStart), captured.length);
      this.fail(`unexpected end of data inside a string that began at byte ${this.stringStart - 1}`, at, true);
    } else if (this.inScalar) {
      // A bare scalar at the very end is complete.
      this.finishScalar(null, 0);
      if (this.depth > 0) this.fail(this.unclosedMessage(), at, true);
    } else if (this.depth > 0) {
      this.fail(this.unclosedMessage(), at, true);
    }
  }

  /**
   * At the end, the records array left open and the last record closed but not JSON: a record cut
   * short whose brackets the records after it closed, with the array's `]}` (the next record's
   * start went by unnoticed: cut by a chunk boundary, or left a field's value by the cut). It is
   * read again as a broken record (see brokenRecord), with the blanks after it; true when it was.
   */
  private cutShortAtEnd(): boolean {
    const h = this.held.length === 1 ? this.held[0] : undefined;
    if (!h || !h.object || h.bytes.length === 0) return false;
    // Or JSON all the same: cut right after a nested list's element and its ',' (`"resources":[{…},`),
    // the records after it were taken in as that list's elements, and the array's `]}` closed both.
    const broken = firstSyntaxErrorIn(h.bytes) !== undefined;
    const inside = broken ? -1 : cutShortRecordStart(h.bytes, h.bytes.length);
    if (!broken && inside < 0) return false;
    const bytes = h.spilled ? Buffer.from(h.bytes) : h.bytes;
    this.discardHeld();
    const end = h.place.offset + bytes.length;
    const blanks = Math.max(0, this.base - end);
    const newlines = Math.min(blanks, Math.max(0, this.line - h.place.line - countNewlines(bytes, 0, bytes.length)));
    this.line = h.place.line;
    this.capturing = true;
    this.captureIsObject = true;
    this.captureStart = h.place.offset;
    this.captureLine = h.place.line;
    this.captureKind = h.kind;
    this.captureLocal = -1;
    this.captureParts = [bytes, Buffer.from('\n'.repeat(newlines) + ' '.repeat(blanks - newlines))];
    this.bytesDropped = false;
    this.rejecting = false;
    const base = this.base;
    // As if the end were one byte on: brokenRecord looks at the bytes up to the one it was given.
    this.base = base + 1;
    this.brokenRecord(EMPTY, -1, RBRACE, inside);
    this.base = base;
    return true;
  }

  private unclosedMessage(): string {
    if (this.capturing && this.captureKind !== 'top') {
      return `unexpected end of data inside a record that began at byte ${this.captureStart} (truncated file?)`;
    }
    if (this.arrayDepth >= 0) return 'unexpected end of data: the records array is not closed (truncated file?)';
    return `unexpected end of data: ${this.depth} unclosed bracket${this.depth > 1 ? 's' : ''} (truncated file?)`;
  }

  private fail(message: string, offset: number, fatal: boolean): void {
    this.sink.fault(message, offset, this.line, fatal);
    if (fatal) {
      this.dead = true;
      this.capturing = false;
      this.captureParts = [];
      this.releaseSlice();
    }
  }

  /** Resets to the top level and skips the rest of the line: how JSON lines recover from a bad line. */
  private recoverAtNextLine(): void {
    this.depth = 0;
    this.inString = false;
    this.inScalar = false;
    this.escapeNext = false;
    this.arrayDepth = -1;
    this.elementExpected = false;
    this.separatorExpected = false;
    this.trailingComma = -1;
    this.capturing = false;
    this.captureParts = [];
    this.releaseSlice();
    this.recordDepth = -1;
    this.pendingKey = HOT_NONE;
    this.topIsWrapper = false;
    this.wrapperPending = HOT_NONE;
    this.wrapperComma = -1;
    this.skipToNewline = true;
  }

  /**
   * In JSON lines, a '{' at chunk index `i` opens a line while the record of a line before is
   * still open, and cannot be part of it (JSON.parse would stop there or before): that record's
   * line was cut (a shipper's line cut between two properties), and the '{' is the next record.
   * The open one is told as a fault at its line's end, and reading goes on with the new one: from
   * the chunk index returned (-1 when the record goes on). A '{' that may be a nested value (after
   * ':' or in an array) reads on as one.
   */
  private openLineEnds(chunk: Buffer, i: number): number {
    // The first line may be the cut one too: its record is the first top-level value (nothing says
    // JSON lines yet), and the '{' still has to be where that record could not go on.
    if (!(this.linesMode || !this.topSeen) || !this.capturing || this.captureKind !== 'top' || this.depth <= 0 || this.topIsWrapper) return -1;
    const captured = this.capturedThrough(chunk, i + 1);
    const first = captured && firstSyntaxErrorIn(captured);
    if (!captured || !first) return -1;
    // (Not the '{' that opens this line: that one is the next line's record.)
    const glued = this.gluedRecord(chunk, i + 1, captured, Math.min(first.byteOffset + 1, captured.length - 1));
    if (glued >= 0) return glued;
    const start = this.captureStart;
    this.sink.fault(
      `a record that began at byte ${start} is not closed at the end of its line (${this.depth} unclosed bracket${this.depth > 1 ? 's' : ''}); read on from the next line`,
      this.lastNewline,
      this.line - 1,
      false,
    );
    this.recoverAtNextLine();
    this.skipToNewline = false;
    return i;
  }

  /**
   * A line's record cut short with the next record glued on at the cut, on the same line (a
   * shipper lost the cut line's end and its newline): the glued record's start lies before
   * `before`, one past the broken one's first syntax error (which may be the glued record's '{'
   * itself, after a value with no ','; see cutShortRecordStart). It is told once, at
   * the glued record's start, and reading goes on from there: the bytes `captured` from it, then
   * the chunk from index `from`. Returns the chunk's end (all of it was read), or -1 when no record
   * starts inside the broken one: the caller then skips to the next line, as before.
   */
  private gluedRecord(chunk: Buffer, from: number, captured: Buffer, before: number): number {
    const glued = cutShortRecordStart(captured, before);
    if (glued < 0) return -1;
    const start = this.captureStart;
    const line = this.captureLine + countNewlines(captured, 0, glued);
    this.sink.fault(`a record that began at byte ${start} is cut short: the next record starts inside it, on the same line; read on from that record`, start + glued, line, false);
    this.recoverAtNextLine();
    this.skipToNewline = false;
    this.base = start + glued;
    this.line = line;
    this.push(Buffer.concat([captured.subarray(glued), chunk.subarray(from)]));
    this.replayed = true;
    return chunk.length;
  }

  /** A top-level fault: JSON lines recover at the next line, anything inside a wrapper is fatal. */
  private topFault(message: string, offset: number): void {
    const insideWrapper = this.topIsWrapper || this.arrayDepth >= 0;
    this.fail(message, offset, insideWrapper);
    if (!insideWrapper) this.recoverAtNextLine();
  }

  private beginCapture(chunkIndex: number, kind: SliceKind): void {
    this.capturing = true;
    this.captureStart = this.base + chunkIndex;
    this.captureLocal = chunkIndex;
    this.captureLine = this.line;
    this.captureParts = [];
    this.releaseSlice();
    this.captureKind = kind;
    this.rejecting = false;
    this.bytesDropped = false;
    this.captureBytes = 0;
    this.handBackAsked = false;
    this.nestedStartChecks = 0;
  }

  private endCapture(chunk: Buffer, endIndex: number): Buffer {
    let bytes: Buffer;
    if (this.rejecting && (this.spilling || this.bytesDropped)) {
      bytes = EMPTY;
    } else if (this.spilling) {
      const spill = this.spill as ArrayBuffer;
      this.toSpill(chunk.subarray(0, endIndex));
      bytes = Buffer.from(spill, 0, spill.byteLength);
    } else if (this.captureParts.length === 0) {
      bytes = chunk.subarray(this.captureLocal, endIndex);
    } else {
      this.captureParts.push(chunk.subarray(0, endIndex));
      bytes = Buffer.concat(this.captureParts);
    }
    this.capturing = false;
    this.captureParts = [];
    this.captureLocal = -1;
    return bytes;
  }

  private emit(bytes: Buffer, kind: SliceKind): void {
    if (this.rejecting) {
      this.rejecting = false;
      this.releaseSlice();
      this.sink.rejected?.();
      return;
    }
    this.sink.slice(bytes, this.capturePlace(), kind);
    this.releaseSlice();
  }

  private startRecordKeys(depth: number): void {
    this.recordDepth = depth;
    this.seenHot = 0;
    this.keyExpected = true;
    this.pendingKey = HOT_NONE;
    this.hotOk = true;
  }

  /** Handles one byte outside strings and scalars; returns the next index. */
  private structural(chunk: Buffer, i: number, b: number): number {
    const depth = this.depth;
    // In a streamed array, at element level: separators, the closing bracket, element starts.
    if (this.arrayDepth >= 0 && depth === this.arrayDepth) {
      if (this.strayBraceAt >= 0 && !(this.separatorExpected && (b === COMMA || b === RBRACE))) return this.afterStrayBrace(i, b);
      if (b === COMMA) {
        if (!this.separatorExpected) {
          this.fail(`unexpected ',' in the records array`, this.base + i, false);
        }
        this.separatorExpected = false;
        this.elementExpected = true;
        this.trailingComma = this.base + i;
        this.trailingCommaLine = this.line;
        return i + 1;
      }
      if (b === RBRACKET) {
        this.flushHeld();
        if (this.elementExpected && this.trailingComma >= 0) {
          this.sink.fault('trailing comma after the last record', this.trailingComma, this.trailingCommaLine, false);
        }
        this.trailingComma = -1;
        this.arrayDepth = -1;
        this.elementExpected = false;
        this.separatorExpected = false;
        this.depth = depth - 1;
        if (this.depth === 0) {
          this.finishTop(chunk, i + 1);
        } else {
          // Back among the wrapper's members: a second "Records" key is read too (JSON parsers keep
          // the last; no record is dropped for it). Its ',' comes first.
          if (this.depth === 1 && this.topIsWrapper) this.startRecordKeys(1);
          this.keyExpected = false;
        }
        return i + 1;
      }
      if (this.separatorExpected || b === RBRACE || b === COLON) return this.brokenArray(chunk, i, b);
      if (isJunkByte(b)) return this.junkElement(i, b);
      this.trailingComma = -1;
      this.elementExpected = false;
      this.separatorExpected = true;
      if (b === LBRACE) {
        // The next record: whatever was held is followed as it should be.
        this.flushHeld();
        this.beginCapture(i, this.arrayKind);
        this.captureIsObject = true;
        this.depth = depth + 1;
        this.startRecordKeys(depth + 1);
        return i + 1;
      }
      // Not an object: a record held waits until this element is seen followed by a separator.
      if (this.held.some((h) => !h.object)) this.flushHeld();
      for (const h of this.held) {
        if (h.spilled) {
          h.bytes = Buffer.from(h.bytes);
          h.spilled = false;
          this.releaseSlice();
        }
      }
      this.beginCapture(i, this.arrayKind);
      this.captureIsObject = false;
      this.recordDepth = -1;
      this.hotOk = false;
      if (b === LBRACKET) {
        this.depth = depth + 1;
        return i + 1;
      }
      if (b === QUOTE) {
        this.inString = true;
        this.stringStart = this.base + i + 1;
        return i + 1;
      }
      this.inScalar = true;
      return i + 1;
    }

    if (depth === 0) return this.topLevelStart(chunk, i, b);

    switch (b) {
      case QUOTE:
        this.wrapperComma = -1;
        this.inString = true;
        this.stringStart = this.base + i + 1;
        return i + 1;
      case LBRACE:
      case LBRACKET:
        this.wrapperComma = -1;
        if (depth === this.recordDepth && this.keyExpected && this.arrayDepth >= 0) return this.brokenRecord(chunk, i, b);
        // Deeper in a record (a nested value the chunk boundary cut, read on here): as skipNested.
        if (depth > this.recordDepth && this.recordDepth >= 0 && this.arrayDepth >= 0 && this.capturing && this.cutShortBefore(chunk, i)) {
          return this.brokenRecord(chunk, i, b);
        }
        if (depth === this.recordDepth) this.pendingKey = HOT_NONE;
        if (depth === 1 && this.wrapperPending !== HOT_NONE && b === LBRACE && opensRecordByKey(chunk, i, chunk.length)) {
          // `{"Records": {"eventVersion"…` — the '[' was lost (no trail file holds a lone record
          // there): one fault, and the records are read as the array's, this '{' the first one's.
          // (Not when the chunk's end cuts the key: rare, and that input is then one fault.)
          this.fail(`expected '[' after "${this.wrapperPending === WRAP_EVENTS ? 'Events' : 'Records'}":, found '{'; read as the records array`, this.base + i, false);
          this.openRecordsArray();
          return i;
        }
        if (depth === 1 && this.wrapperPending !== HOT_NONE && b === LBRACKET) {
          // `{"Records": [` — stream the elements; the wrapper itself is never kept.
          this.openRecordsArray();
          return i + 1;
        }
        this.wrapperPending = HOT_NONE;
        this.depth = depth + 1;
        // A nested value of a record (userIdentity, requestParameters, ...): nothing in it matters
        // but its end, so skip it in a tight loop.
        if (depth === this.recordDepth) return this.skipNested(chunk, i + 1);
        return i + 1;
      case RBRACE:
      case RBRACKET:
        // A record ('{') closed by ']': broken.
        if (this.arrayDepth >= 0 && depth - 1 === this.arrayDepth && this.capturing && this.captureIsObject && b === RBRACKET) return this.brokenRecord(chunk, i, b);
        if (depth === 1 && this.wrapperComma >= 0) {
          // `{"Records":[…],}`: every record is whole; the comma is the fault, as after a last record.
          this.sink.fault('trailing comma after the last member of the trail file\'s wrapper', this.wrapperComma, this.wrapperCommaLine, false);
          this.wrapperComma = -1;
        }
        this.depth = depth - 1;
        if (this.depth === 0) {
          this.finishTop(chunk, i + 1);
        } else if (this.arrayDepth >= 0 && this.depth === this.arrayDepth) {
          this.finishElement(chunk, i + 1);
        }
        return i + 1;
      case COMMA:
        if (depth === this.recordDepth) {
          this.keyExpected = true;
          this.pendingKey = HOT_NONE;
          this.wrapperPending = HOT_NONE;
        }
        if (depth === 1 && this.topIsWrapper && !this.capturing) {
          this.wrapperComma = this.base + i;
          this.wrapperCommaLine = this.line;
        }
        return i + 1;
      case COLON:
        return i + 1;
      default: {
        // A number, true, false or null inside a container: nothing to track but its end.
        if (FREE_BYTE[b] === 0 && this.arrayDepth >= 0 && depth > this.arrayDepth && this.capturing) return this.brokenRecord(chunk, i, b);
        if (depth === this.recordDepth) this.pendingKey = HOT_NONE;
        if (depth === 1) this.wrapperPending = HOT_NONE;
        const end = endOfBareValue(chunk, i + 1);
        if (depth === 1 && this.topIsWrapper && !this.capturing) this.wrapperValue(chunk, i, end);
        return end;
      }
    }
  }

  /**
   * A bare word from chunk index `i` to `end` in the wrapper, after its records array: JSON's
   * `true`, `false`, `null` or a number is a member's value; anything else (`note: rotated by
   * hand`) is stray text, told once. Every record is whole either way. (A word the chunk's end
   * cuts is let pass, both its parts: rare, and only a fault is at stake.)
   */
  private wrapperValue(chunk: Buffer, i: number, end: number): void {
    this.wrapperComma = -1;
    const goesOn = this.wrapperWordCut && i === 0;
    this.wrapperWordCut = end >= chunk.length;
    if (this.wrapperStrayTold || goesOn || this.wrapperWordCut) return;
    if (/^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?)$/.test(chunk.toString('latin1', i, end))) return;
    this.wrapperStrayTold = true;
    this.fail(`unexpected ${describeByte(chunk[i])} after the records array, in the trail file's wrapper (stray text?); every record was read`, this.base + i, false);
  }

  /** After `{"Records":` and its '[': the elements are streamed; the wrapper itself is never kept. */
  private openRecordsArray(): void {
    this.arrayKind = this.wrapperPending === WRAP_EVENTS ? 'lookup-event' : 'element';
    this.wrapperPending = HOT_NONE;
    this.topIsWrapper = true;
    this.wrapperComma = -1;
    this.wrapperStrayTold = false;
    this.capturing = false;
    this.captureParts = [];
    this.releaseSlice();
    this.recordDepth = -1;
    this.depth = 2;
    this.arrayDepth = 2;
    this.elementExpected = true;
    this.separatorExpected = false;
    this.trailingComma = -1;
  }

  private topLevelStart(chunk: Buffer, i: number, b: number): number {
    const at = this.base + i;
    if (at < 3 && at === this.bomBytes && b === BOM[at]) {
      // A UTF-8 byte order mark, as some editors write (JSON itself has none), maybe split
      // across chunks.
      this.bomBytes++;
      return i + 1;
    }
    if (this.bomBytes > 0 && this.bomBytes < 3) {
      this.bomBytes = 3;
      this.topFault('incomplete UTF-8 byte order mark at the start', 0);
      return i;
    }
    // Files that each start with a byte order mark, cat'ed together: one before each value.
    if (b === BOM[0] && chunk[i + 1] === BOM[1] && chunk[i + 2] === BOM[2] && this.sawAnyValue) return i + 3;
    if (this.held.length > 0) {
      const next = this.afterTopRecord(i, b);
      if (next >= 0) return next;
    }
    const first = !this.sawAnyValue;
    this.sawAnyValue = true;
    this.topIsWrapper = false;
    this.wrapperPending = HOT_NONE;
    if (b === LBRACE) {
      this.beginCapture(i, 'top');
      this.depth = 1;
      this.startRecordKeys(1);
      return i + 1;
    }
    if (b === LBRACKET) {
      // A bare array of records.
      this.topIsWrapper = true;
      this.depth = 1;
      this.arrayDepth = 1;
      this.arrayKind = 'element';
      this.elementExpected = true;
      this.separatorExpected = false;
      this.trailingComma = -1;
      return i + 1;
    }
    if (first && isJunkByte(b)) {
      // Text that does not start as JSON (a README, a log of another kind, a document): one line
      // for the input, not one per line of it.
      this.fail(`not JSON: it starts with ${describeByte(b)}${b === 0 ? ' (NUL)' : ''}, not '{' or '[' (not a trail file)`, this.base + i, true);
      return chunk.length;
    }
    if (!first && (b === COMMA || (this.topCommaTold && (b === RBRACKET || b === RBRACE)))) {
      // A ',' after a whole top-level value: the records array closed too early (`…}]},` and the
      // records after it go on to the array's real end), or JSON lines with commas. One fault;
      // the next commas, and the ']}' the early close displaced, are the same mistake.
      if (this.topCommaTold) this.recoverAtNextLine();
      else this.topFault(TOP_COMMA, this.base + i);
      this.topCommaTold = true;
      return i + 1;
    }
    this.topFault(
      `expected a JSON object or array, found ${describeByte(b)}${b === 0 ? ' (NUL)' : ''}`,
      this.base + i,
    );
    return i + 1;
  }

  /**
   * The first bytes after a top-level record (a JSON line's): a '}' on its line may be one too many
   * after a whole record, or have closed it early (`…"x"}}},"eventID":…`: after the '}'s and a
   * ',', a quote is a key). Returns where to go on, or -1 once the record is handed on and `b` is
   * to be read as usual.
   */
  private afterTopRecord(i: number, b: number): number {
    const record = this.held[0];
    const onItsLine = this.line === record.place.line + record.place.lines;
    if (onItsLine && b === RBRACE && !this.strayComma) {
      if (this.strayBraceAt < 0) {
        this.strayBraceAt = this.base + i;
        this.strayBraceLine = this.line;
      }
      return i + 1;
    }
    const brace = onItsLine && this.strayBraceAt >= 0;
    if (brace && b === COMMA && !this.strayComma) {
      this.strayComma = true;
      return i + 1;
    }
    if (onItsLine && b === COMMA && !brace && !this.topCommaTold && this.topCommaAt < 0) {
      // `…"userIdentity":{…}},"eventTime":…`: the record's own '}' closed it, with no '}' left
      // over to tell. Only a key after the ',' shows it.
      this.topCommaAt = this.base + i;
      this.topCommaLine = this.line;
      return i + 1;
    }
    if (this.topCommaAt >= 0) {
      const at = this.topCommaAt;
      if (b === QUOTE && this.line === this.topCommaLine) {
        this.discardHeld();
        this.sink.fault(`a record that began at byte ${record.place.offset} is malformed (unexpected ','); record skipped`, at, this.line, false);
      } else {
        // JSON lines with commas: the records are whole, the ',' told as it always was.
        this.flushHeld();
        if (this.line !== this.topCommaLine) return -1;
      }
      this.recoverAtNextLine();
      return i;
    }
    const comma = this.strayComma;
    this.strayComma = false;
    if (brace && comma && b === QUOTE) {
      const at = this.strayBraceAt;
      const line = this.strayBraceLine;
      this.discardHeld();
      this.sink.fault(`a record that began at byte ${record.place.offset} is malformed (unexpected '}'); record skipped`, at, line, false);
      this.recoverAtNextLine();
      return i;
    }
    // Whole: handed on, and a '}' after it told; the rest of its line is skipped, as it always was.
    this.flushHeld();
    if (brace) {
      this.recoverAtNextLine();
      return i;
    }
    return -1;
  }

  private finishTop(chunk: Buffer, end: number): void {
    if (this.capturing && this.captureKind === 'top') {
      this.linesMode = this.captureLine === this.line;
      this.topSeen = true;
      // Held until the next value starts (see topLevelStart): a '}' too many after it on its line,
      // then `,"key"`, shows that the '}' closed it early, as in a Records array.
      this.holdCapture(chunk, end, true);
    }
    this.recordDepth = -1;
    this.topIsWrapper = false;
    this.arrayDepth = -1;
  }

  private finishElement(chunk: Buffer, end: number): void {
    if (!this.capturing) return;
    // A record ruled out is held with its bytes too: the array's end may yet show that it took in
    // the records after it (see cutShortAtEnd).
    const held = this.holdCapture(chunk, end, this.captureIsObject);
    if (held.object && !held.rejected && !this.firstKey) this.firstKey = firstKeyOf(held.bytes);
    this.recordDepth = -1;
  }

  /** Ends the current capture and holds it (see `held`), until what follows tells it whole. */
  private holdCapture(chunk: Buffer, end: number, object: boolean): Held {
    const view = !this.spilling && this.captureParts.length === 0;
    const spilled = !this.rejecting && this.spilling;
    const bytes = this.endCapture(chunk, end);
    const held: Held = { bytes, place: this.capturePlace(), kind: this.captureKind, rejected: this.rejecting, object, view, spilled };
    this.held.push(held);
    this.rejecting = false;
    return held;
  }

  /** Where the capture just ended lies. */
  private capturePlace(): SlicePlace {
    return { offset: this.captureStart, line: this.captureLine, singleLine: this.captureLine === this.line, lines: this.line - this.captureLine };
  }

  /**
   * Hands on the records held back (see `held`) now: for a reader that stops between two records
   * because another thread reads on from the next (a split file), the next record's start is
   * what proves the last one whole. At the input's end (`atEnd`), a last record that the records
   * array's end closed is read again as a record cut short first (see cutShortAtEnd).
   */
  handOnHeld(atEnd = false): void {
    if (atEnd && this.atCutShortEnd()) return;
    // At the end, a '}' too many after the last record is the fault told (the array it left open
    // is not told again), as when reading went on from it.
    if (atEnd && this.strayBraceAt >= 0 && this.arrayDepth >= 0) this.resyncing = true;
    this.flushHeld();
  }

  private atCutShortEnd(): boolean {
    if (this.dead || !(this.arrayDepth >= 0 && this.depth === this.arrayDepth && this.separatorExpected) || !this.cutShortAtEnd()) return false;
    this.replayed = false;
    return true;
  }

  /** Hands on the elements held: what followed them was as it should be (a stray '}' aside, told after them). */
  private flushHeld(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) {
      if (h.rejected) this.sink.rejected?.();
      else this.sink.slice(h.bytes, h.place, h.kind);
      if (h.spilled) this.releaseSlice();
    }
    if (this.strayBraceAt >= 0) {
      const message = held[0]?.kind === 'top' ? `expected a JSON object or array, found '}'` : `unexpected '}' after a record; read on from the next record`;
      this.sink.fault(message, this.strayBraceAt, this.strayBraceLine, false);
      this.strayBraceAt = -1;
    }
    if (this.topCommaAt >= 0) {
      this.sink.fault(TOP_COMMA, this.topCommaAt, this.topCommaLine, false);
      this.topCommaTold = true;
      this.topCommaAt = -1;
    }
    this.strayComma = false;
  }

  private discardHeld(): void {
    for (const h of this.held) if (h.spilled) this.releaseSlice();
    this.held = [];
    this.strayBraceAt = -1;
    this.strayComma = false;
    this.topCommaAt = -1;
  }

  /**
   * The first byte after a record and a '}' too many (other than more of them, or the ',' after
   * them): a quote after the ',' is a key, so the '}' closed the record early and its members go
   * on (`…"x"}},"eventID":…`): the record is not kept. Anything else leaves the record whole and
   * the '}' stray. Either way one fault, at the '}', and reading goes on at the next record start.
   */
  private afterStrayBrace(i: number, b: number): number {
    if (!this.separatorExpected && b === QUOTE) {
      const at = this.strayBraceAt;
      const line = this.strayBraceLine;
      const start = this.held[0]?.place.offset ?? at;
      this.discardHeld();
      this.sink.fault(`a record that began at byte ${start} is malformed (unexpected '}'); read on from the next record`, at, line, false);
    } else {
      this.flushHeld();
    }
    return this.resyncFrom(i);
  }

  /**
   * After an element of a streamed array, something other than ',' or ']' (or a '}' or ':' where an
   * element belongs): the JSON is broken here. One fault; what the break spoils is skipped, and
   * reading goes on at the next record start.
   */
  private brokenArray(chunk: Buffer, i: number, b: number): number {
    const at = this.base + i;
    const lastIsRecord = this.held.length === 1 && this.held[0].object;
    if (lastIsRecord && b === LBRACE) {
      // Two records with no comma between them: both whole; read on with the second.
      this.flushHeld();
      this.fail(`expected ',' between two records, found '{' (both records read)`, at, false);
      this.separatorExpected = false;
      this.elementExpected = true;
      return this.structural(chunk, i, b);
    }
    if (lastIsRecord && b === RBRACE && this.separatorExpected) {
      // A record closed, then one '}' too many (or more): whole or closed early, what follows tells.
      if (this.strayBraceAt < 0) {
        this.strayBraceAt = at;
        this.strayBraceLine = this.line;
      }
      return i + 1;
    }
    if (lastIsRecord && isStrayAfterRecord(b) && !firstSyntaxErrorIn(this.held[0].bytes)) {
      // Stray text right after a record that reads whole (see isStrayAfterRecord): the record is
      // kept, the stray text is the fault.
      this.flushHeld();
      this.fail(`unexpected ${describeByte(b)} after a record; read on from the next record`, at, false);
      return this.resyncFrom(i);
    }
    const stray = this.held[this.held.length - 1];
    const record = this.held.length === 2 ? this.held[0] : undefined;
    const wholeRecord = record !== undefined && record.object && record.bytes.length > 0 && !firstSyntaxErrorIn(record.bytes);
    if (stray && !stray.object && (this.held.length === 1 || wholeRecord) && !(b === COLON && stray.bytes[0] === QUOTE)) {
      // Stray text where a record belongs (`foo`, `12`, `"note"`), after a record and its ',' or
      // first in the array, and not the `"key":` that goes on after a record a stray '}' closed
      // early: a record before it is kept, and the fault is told where JSON stops making sense in
      // the stray text.
      this.held = record ? [record] : [];
      this.flushHeld();
      if (stray.spilled) this.releaseSlice();
      // With the byte that broke it: `tru` alone could be a cut `true`, `tru{` cannot.
      const inside = firstSyntaxErrorIn(Buffer.concat([stray.bytes, Buffer.of(b)]));
      if (inside && inside.byteOffset < stray.bytes.length) {
        this.sink.fault(`stray text where a record belongs (${inside.message}); read on from the next record`, stray.place.offset + inside.byteOffset, stray.place.line, false);
      } else {
        this.fail(`stray text where a record belongs (unexpected ${describeByte(b)} after it); read on from the next record`, at, false);
      }
      return this.resyncFrom(i);
    }
    // The record held (or the element being read) ended too early: a stray '}' closed it, or a
    // comma or a bracket is missing. It, and what follows up to the next record, is not read.
    const first = this.held[0];
    const start = first ? first.place.offset : at;
    // A record that closed early may hide its own first error (a lost '{' turns its nested object
    // into its end): the fault is told there, where any JSON parser stops, not where the scan did.
    const inside = first?.object && first.bytes.length > 0 ? firstSyntaxErrorIn(first.bytes) : undefined;
    this.discardHeld();
    if (inside) {
      const line = first.place.line + countNewlines(first.bytes, 0, inside.byteOffset);
      this.sink.fault(`a record that began at byte ${start} is malformed (${inside.message}); read on from the next record`, start + inside.byteOffset, line, false);
    } else {
      this.fail(`a record that began at byte ${start} is malformed (unexpected ${describeByte(b)}); read on from the next record`, at, false);
    }
    return this.resyncFrom(i);
  }

  /**
   * Where an element belongs, a byte that starts no JSON value (stray text between two records):
   * the records before it were followed by their ',' and read whole, so they are kept; reading goes
   * on at the next record start.
   */
  private junkElement(i: number, b: number): number {
    const whole = this.held.length === 1 && this.held[0].object && !firstSyntaxErrorIn(this.held[0].bytes);
    if (whole) this.flushHeld();
    else this.discardHeld();
    this.fail(`expected a record, found ${describeByte(b)}; read on from the next record`, this.base + i, false);
    return this.resyncFrom(i);
  }

  /**
   * Inside a record of a streamed array, at chunk index `i`, the bytes stopped making sense: a '{'
   * where a key belongs (the record's '}' is missing), or a byte no JSON holds outside a string.
   * The damage may have begun earlier: a quote lost or added is only noticed once string and
   * structure have traded places. So the fault is told at the record's first syntax error (found
   * by JSON.parse in the bytes captured), and reading goes on from the next record start after
   * that error, which may lie in bytes already scanned: those are read again.
   */
  private brokenRecord(chunk: Buffer, i: number, b: number, cutAt = -1): number {
    const start = this.captureStart;
    const detected = this.base + i;
    const captured = this.capturedThrough(chunk, i + 1);
    let errorAt = detected;
    let why = b === LBRACE || b === LBRACKET ? `found ${describeByte(b)} where a key belongs` : `unexpected ${describeByte(b)}`;
    if (cutAt >= 0) {
      // (See cutShortAtEnd.) No syntax error to tell: the cut is where the next record starts.
      errorAt = start + cutAt;
      why = 'cut short: the next record starts inside it';
    } else if (captured) {
      const first = firstSyntaxErrorIn(captured);
      if (first && start + first.byteOffset <= detected) {
        errorAt = start + first.byteOffset;
        why = first.message;
      }
    }
    const lineAt = captured ? this.captureLine + countNewlines(captured, 0, errorAt - start) : this.line;
    this.sink.fault(`a record that began at byte ${start} is malformed (${why}); read on from the next record`, errorAt, lineAt, false);
    this.capturing = false;
    this.captureParts = [];
    this.releaseSlice();
    this.rejecting = false;
    this.resyncFrom(i);
    if (!captured) return i;
    // The next record start after the error: in the bytes captured, or in the rest of this chunk.
    const joined = Buffer.concat([captured, chunk.subarray(i + 1)]);
    // A record cut short may have taken in the start of the next one before its bytes stopped
    // making sense (`"key":{"eventVersion"…`, `"arn:…{"eventVersion"…`): that one is read.
    const inside = cutAt >= 0 ? cutAt : cutShortRecordStart(joined, errorAt - start);
    const next = inside >= 0 ? inside : this.recordStartIn(joined, errorAt - start, joined.length);
    if (next >= 0) {
      this.resyncing = false;
      this.base = start + next;
      this.line = this.captureLine + countNewlines(joined, 0, next);
      this.push(joined.subarray(next));
      this.replayed = true;
      return chunk.length;
    }
    // Lines inside strings went by uncounted (valid JSON has none): count them all again.
    this.line = this.captureLine + countNewlines(joined, 0, joined.length);
    const undecided = cutAt >= 0 ? -1 : undecidedRecordStart(joined, errorAt - start);
    this.carryForResync(joined, undecided >= 0 ? undecided : errorAt - start);
    return chunk.length;
  }

  /** The bytes of the slice being captured, from its start up to chunk index `end`; undefined when not kept. */
  private capturedThrough(chunk: Buffer, end: number): Buffer | undefined {
    if (!this.capturing || this.bytesDropped) return undefined;
    const here = chunk.subarray(this.captureLocal < 0 ? 0 : this.captureLocal, end);
    if (this.spilling) {
      const spill = this.spill as ArrayBuffer;
      return Buffer.concat([Buffer.from(spill, 0, spill.byteLength), here]);
    }
    return Buffer.concat([...this.captureParts, here]);
  }

  /** Back to the records array's level, looking for the next record start from chunk index `i`. */
  private resyncFrom(i: number): number {
    this.resyncing = true;
    this.resyncCarry = undefined;
    this.resyncCarryFrom = 0;
    this.depth = this.arrayDepth;
    this.recordDepth = -1;
    this.inString = false;
    this.inScalar = false;
    this.escapeNext = false;
    this.capturing = false;
    this.captureParts = [];
    this.elementExpected = true;
    this.separatorExpected = false;
    this.trailingComma = -1;
    this.keyExpected = false;
    this.pendingKey = HOT_NONE;
    this.keyCarry = undefined;
    return i;
  }

  /**
   * Skips from `i` to the next record start in this chunk and reads on from there; at the chunk's
   * end, keeps its last bytes in case a record start is cut by the boundary.
   */
  private skipToRecordStart(chunk: Buffer, i: number): number {
    const at = this.recordStartIn(chunk, i, chunk.length);
    if (at >= 0) {
      this.line += countNewlines(chunk, i, at);
      this.resyncing = false;
      return at;
    }
    this.line += countNewlines(chunk, i, chunk.length);
    this.carryForResync(chunk, i);
    return chunk.length;
  }

  /** Keeps the end of `bytes` (searched from `from` on) for the next chunk, with some context before it. */
  private carryForResync(bytes: Buffer, from: number): void {
    const searchFrom = Math.max(from, bytes.length - 128);
    const contextFrom = Math.max(0, searchFrom - 64);
    this.resyncCarry = Buffer.from(bytes.subarray(contextFrom));
    this.resyncCarryFrom = searchFrom - contextFrom;
  }

  /**
   * The index of the first record start in `bytes` at or after `from` whose '{' lies before
   * `before`: a '{' preceded by ',' or '[' (whitespace aside) and followed by a key records start
   * with (the array's first record's own first key, or a top-level CloudTrail key). A '"' right
   * after '{' can only open a key, so this is never inside a string; objects nested in a record
   * (resources, tags) start with other keys. -1 when there is none.
   */
  private recordStartIn(bytes: Buffer, from: number, before: number): number {
    for (let brace = bytes.indexOf(LBRACE, from); brace >= 0 && brace < before; brace = bytes.indexOf(LBRACE, brace + 1)) {
      let k = brace - 1;
      let newline = false;
      while (k >= 0 && isSpace(bytes[k])) if (bytes[k--] === NEWLINE) newline = true;
      // After ':' an object is a field's value; after ',', '[', a record's '}' (a comma lost) or
      // stray text where a record belongs, it may be a record. So it may after ':' and a line
      // break (stray `note:` on a line of its own): no printer puts a field's '{' on the next line.
      if (k >= 0 && bytes[k] === COLON && !newline) continue;
      let q = brace + 1;
      while (q < bytes.length && isSpace(bytes[q])) q++;
      if (bytes[q] !== QUOTE) continue;
      const close = bytes.indexOf(QUOTE, q + 1);
      if (close < 0 || close - q > 40) continue;
      const key = bytes.toString('latin1', q + 1, close);
      if (RECORD_FIRST_KEYS.has(key) || (this.firstKey !== undefined && this.firstKey.equals(bytes.subarray(q + 1, close)))) return brace;
    }
    return -1;
  }

  /**
   * Scans inside a string from `i`; returns the index after the closing quote, or `n`. A plain
   * loop: most strings are short, and a native `indexOf` call per string costs more than it saves.
   */
  private scanString(chunk: Buffer, i: number): number {
    const n = chunk.length;
    let j = i;
    if (this.escapeNext) {
      this.escapeNext = false;
      j++;
    }
    if (this.arrayDepth < 0) {
      // Outside a streamed array (JSON lines, single records): JSON strings hold no raw newline,
      // so one here means this line is broken, and the next line may still be good.
      while (j < n) {
        const c = chunk[j];
        if (c === QUOTE) break;
        if (c === BACKSLASH) j += 2;
        else if (c === NEWLINE) return this.brokenLine(chunk, j);
        else j++;
      }
    } else {
      j = this.findClosingQuote(chunk, j);
    }
    if (j >= n) {
      // The chunk ends inside the string, maybe right after a backslash whose escaped byte is next.
      this.escapeNext = j > n;
      return n;
    }
    this.inString = false;
    if (this.depth === this.recordDepth) this.stringEnded(chunk, j);
    else if (this.capturing && this.depth === this.arrayDepth) this.finishElement(chunk, j + 1);
    return j + 1;
  }

  /**
   * The hot path: the top level of a record in a streamed array (nearly every byte of a trail
   * file), in one loop over local variables. Keys are only looked at when they could be a judged
   * hot key; nested values go to `skipNested`. Returns where the general loop takes over: the
   * chunk's end, a string cut by it, or just after the record closed.
   */
  private scanRecordLevel(chunk: Buffer, i: number): number {
    const n = chunk.length;
    const judged = this.judged;
    const scanned = jsonScan.isLoaded(chunk, this.scanGen);
    const found = this.levelStop;
    while (i < n) {
      if (scanned && this.pendingKey === HOT_NONE) {
        // WebAssembly takes the bytes that need nothing of this splitter; the byte it stops at is
        // handled below as if this loop had come to it.
        const ruling = !this.mayPassRuledOut(judged) ? jsonScan.RULING_NONE : this.rejecting ? jsonScan.RULED_OUT : jsonScan.RULING_OPEN;
        i = jsonScan.recordLevel(i, n, this.keyExpected, judged, this.seenHot, this.depth, this.capturing, ruling, found);
        if (found.passed > 0) {
          this.line += found.linesBefore;
          this.passRuledOut(found.passed, found.recordStart);
          this.line += found.lines - found.linesBefore;
          // The times of the records passed over, for the window's notes.
          if ((judged & (1 << HOT_TIME)) !== 0) for (const time of jsonScan.passedTimes()) this.sink.accept?.('eventTime', time);
        } else {
          this.line += found.lines;
        }
        this.keyExpected = found.keyExpected;
        this.seenHot = found.seen;
        for (let k = 0; k < found.taken; k++) {
          const value = this.takenValue;
          jsonScan.takenValue(k, value);
          this.judgeHotValue(chunk, value.key, value.from, value.to, value.ascii, value.hash, !value.known);
        }
        if (i >= n) return n;
      }
      const b = chunk[i];
      if (b === QUOTE) {
        const j = this.findClosingQuote(chunk, i + 1);
        this.stringStart = this.base + i + 1;
        if (j >= n) {
          this.inString = true;
          this.escapeNext = j > n;
          return n;
        }
        if (this.keyExpected) {
          // Only a key that may be a judged hot key goes to stringEnded: eventName or eventTime (9
          // bytes, told apart by their 6th and 7th), eventSource (11), or one written with a \u
          // escape (14 bytes at least). Anything else is passed over here.
          const len = j - i - 1;
          let maybe = HOT_NONE;
          if (len === 9 && chunk[i + 1] === 0x65) {
            const c = chunk[i + 6];
            maybe = c === 0x4e ? HOT_NAME : c === 0x54 && chunk[i + 7] === 0x69 ? HOT_TIME : HOT_NONE;
          } else if (len === 11 && chunk[i + 1] === 0x65 && chunk[i + 6] === 0x53) {
            maybe = HOT_SOURCE;
          }
          if ((judged & (1 << maybe)) !== 0 || (judged !== 0 && len >= 14 && hasBackslash(chunk, i + 1, j))) this.stringEnded(chunk, j);
          else this.keyExpected = false;
        } else if (this.pendingKey !== HOT_NONE) {
          this.stringEnded(chunk, j);
        }
        i = j + 1;
        continue;
      }
      if (b === COLON || b === 0x20) {
        i++;
        continue;
      }
      if (b === COMMA) {
        this.keyExpected = true;
        this.pendingKey = HOT_NONE;
        i++;
        continue;
      }
      if (b === LBRACE || b === LBRACKET) {
        // A '{' where a key belongs: the record was never closed (its '}' is missing).
        if (this.keyExpected) return this.brokenRecord(chunk, i, b);
        this.pendingKey = HOT_NONE;
        this.depth++;
        i = this.skipNested(chunk, i + 1);
        if (this.depth !== this.recordDepth) return i;
        continue;
      }
      if (b === RBRACE || b === RBRACKET) {
        // The record closes: the general path emits it and takes the separator that follows.
        return this.structural(chunk, i, b);
      }
      if (isSpace(b)) {
        if (b === NEWLINE) this.line++;
        i++;
        continue;
      }
      // A number, true, false or null: nothing to track but its end. Anything else (or a value
      // where a key belongs) means the record is broken.
      if (this.keyExpected || FREE_BYTE[b] === 0) return this.brokenRecord(chunk, i, b);
      this.pendingKey = HOT_NONE;
      i = endOfBareValue(chunk, i + 1);
    }
    return n;
  }

  /**
   * Skips the rest of a container nested in a record, from `i`, tracking only brackets and strings
   * in local variables. Returns just after the container closes, or where the chunk ends (the
   * general loop then carries on from the saved state).
   */
  private skipNested(chunk: Buffer, i: number): number {
    const n = chunk.length;
    const stop = this.recordDepth;
    const checkLines = this.arrayDepth < 0;
    if (!checkLines && jsonScan.isLoaded(chunk, this.scanGen)) {
      const found = this.nestedStop;
      for (;;) {
        const at = jsonScan.skipNested(i, n, this.depth, stop, this.capturing, found);
        this.depth = found.depth;
        this.line += found.lines;
        switch (found.status) {
          case jsonScan.NESTED_CLOSED:
            return at;
          case jsonScan.NESTED_IN_STRING:
            this.inString = true;
            this.stringStart = this.base + found.stringStart;
            this.escapeNext = at > n;
            return n;
          case jsonScan.NESTED_STRAY_BYTE:
            return this.brokenRecord(chunk, at, chunk[at]);
          case jsonScan.NESTED_RECORD_START:
            if (this.cutShortBefore(chunk, at)) return this.brokenRecord(chunk, at, LBRACE);
            this.depth++;
            i = at + 1;
            continue;
          default:
            return n;
        }
      }
    }
    let d = this.depth;
    while (i < n) {
      const b = chunk[i];
      if (b === QUOTE) {
        let j = i + 1;
        if (checkLines) {
          while (j < n) {
            const c = chunk[j];
            if (c === QUOTE) break;
            if (c === BACKSLASH) j += 2;
            else if (c === NEWLINE) {
              this.depth = d;
              this.stringStart = this.base + i + 1;
              return this.brokenLine(chunk, j);
            } else j++;
          }
        } else {
          j = this.findClosingQuote(chunk, j);
        }
        if (j >= n) {
          this.depth = d;
          this.inString = true;
          this.stringStart = this.base + i + 1;
          this.escapeNext = j > n;
          return n;
        }
        i = j + 1;
        continue;
      }
      if (b === LBRACE || b === LBRACKET) {
        if (b === LBRACE && checkLines && this.base + i === this.lastNewline + 1) {
          this.depth = d;
          const next = this.openLineEnds(chunk, i);
          if (next >= 0) return next;
        }
        if (b === LBRACE && !checkLines && this.capturing && opensRecord(chunk, i, n)) {
          this.depth = d;
          if (this.cutShortBefore(chunk, i)) return this.brokenRecord(chunk, i, b);
        }
        d++;
      } else if (b === RBRACE || b === RBRACKET) {
        d--;
        if (d === stop) {
          this.depth = d;
          return i + 1;
        }
      } else if (b === NEWLINE) {
        this.line++;
        this.lastNewline = this.base + i;
      } else if (FREE_BYTE[b] === 0 && this.arrayDepth >= 0 && this.capturing) {
        this.depth = d;
        return this.brokenRecord(chunk, i, b);
      }
      i++;
    }
    this.depth = d;
    return n;
  }

  /**
   * Inside a value nested in the record being captured, a '{' at chunk index `i` opens an object
   * whose first key is "eventVersion", as records' is: is this the next record, after one cut
   * short (`…"userIdentity":{"type":"IAMUser",{"eventVersion":…`)? Only when the bytes captured up
   * to it are not JSON: a record may hold such an object (in an array) and be whole. Brackets
   * alone would take every record after the cut for part of the cut one, up to the file's end.
   * Asked a few times per record at most (each asking reads the record again).
   */
  private cutShortBefore(chunk: Buffer, i: number): boolean {
    if (!opensRecord(chunk, i, chunk.length) || this.nestedStartChecks >= MAX_NESTED_START_CHECKS) return false;
    this.nestedStartChecks++;
    const captured = this.capturedThrough(chunk, i + 1);
    return captured !== undefined && firstSyntaxErrorIn(captured) !== undefined;
  }

  /**
   * The index of the next unescaped quote at or after `from` (which is not inside an escape), or
   * past the end: `n` when none, `n + 1` when the chunk ends on an unpaired backslash.
   */
  private findClosingQuote(chunk: Buffer, from: number): number {
    const n = chunk.length;
    if (jsonScan.isLoaded(chunk, this.scanGen)) return jsonScan.closingQuote(from, n);
    let q = chunk.indexOf(QUOTE, from);
    while (q >= 0) {
      let k = q - 1;
      while (k >= from && chunk[k] === BACKSLASH) k--;
      if (((q - 1 - k) & 1) === 0) return q;
      q = chunk.indexOf(QUOTE, q + 1);
    }
    let k = n - 1;
    while (k >= from && chunk[k] === BACKSLASH) k--;
    return ((n - 1 - k) & 1) === 1 ? n + 1 : n;
  }

  private brokenLine(chunk: Buffer, nl: number): number {
    // The string ran on from a cut into the next record, glued on after the cut?
    const captured = this.capturing && this.captureKind === 'top' ? this.capturedThrough(chunk, nl) : undefined;
    if (captured) {
      const first = firstSyntaxErrorIn(captured);
      const glued = this.gluedRecord(chunk, nl, captured, first ? first.byteOffset + 1 : captured.length);
      if (glued >= 0) return glued;
    }
    this.fail(`unterminated string that began at byte ${this.stringStart - 1}`, this.base + nl, false);
    this.recoverAtNextLine();
    this.skipToNewline = false;
    this.line++;
    return nl + 1;
  }

  /** A string closed at `q` at record level: notes hot field values and wrapper keys. */
  private stringEnded(chunk: Buffer, q: number): void {
    // The string's bytes are in this chunk only when it started here.
    const local = this.stringStart - this.base;
    if (this.keyExpected) {
      this.keyExpected = false;
      this.pendingKey = HOT_NONE;
      this.wrapperPending = HOT_NONE;
      // The key's bytes: [from, to) of `bytes`, which is the chunk unless the key was cut.
      let bytes = chunk;
      let from = local;
      let to = q;
      if (local < 0) {
        const carried = this.keyCarry;
        this.keyCarry = undefined;
        // Without a carry the key was too long to be any we look for, even fully escaped.
        if (!carried) return;
        bytes = Buffer.concat([carried, chunk.subarray(0, q)]);
        from = 0;
        to = bytes.length;
      }
      if (hasBackslash(bytes, from, to)) {
        // An escaped key may spell one we look for ("event\u004eame", "\u0052ecords"): decode it.
        const decoded = decodeKey(bytes, from, to);
        if (decoded === undefined) this.distrustHotFields('has an undecodable key');
        else this.noteKeyName(decoded);
      } else {
        this.noteKey(bytes, from, to - from);
      }
      const key = this.pendingKey;
      if (key !== HOT_NONE) {
        const bit = 1 << key;
        if ((this.judged & bit) === 0) {
          // A field no filter looks at: its value need not be read, nor its repeats distrusted.
          this.pendingKey = HOT_NONE;
          return;
        }
        if ((this.seenHot & bit) !== 0) this.distrustHotFields(`repeats the key "${keyName(key)}"`);
        this.seenHot |= bit;
      }
      return;
    }
    const key = this.pendingKey;
    this.pendingKey = HOT_NONE;
    this.wrapperPending = HOT_NONE;
    if (key === HOT_NONE) return;
    if (local < 0) {
      this.hotOk = false;
      return;
    }
    this.hotValue(chunk, key, local, q);
  }

  /** Sets pendingKey / wrapperPending when the key at `local` is one the splitter cares about. */
  private noteKey(chunk: Buffer, local: number, len: number): void {
    if (len === 9) {
      if (sameBytes(chunk, local, KEY_EVENT_NAME)) this.pendingKey = HOT_NAME;
      else if (sameBytes(chunk, local, KEY_EVENT_TIME)) this.pendingKey = HOT_TIME;
    } else if (len === 11) {
      if (sameBytes(chunk, local, KEY_EVENT_SOURCE)) this.pendingKey = HOT_SOURCE;
    } else if (this.atWrapperKey()) {
      if (len === 7 && sameBytes(chunk, local, KEY_RECORDS)) this.wrapperPending = WRAP_RECORDS;
      else if (len === 6 && sameBytes(chunk, local, KEY_EVENTS)) this.wrapperPending = WRAP_EVENTS;
    }
  }

  /**
   * A key at depth 1 is the wrapper's: of the top-level object still read as a candidate record,
   * or of a wrapper whose records array closed (a second "Records" array is read too).
   */
  private atWrapperKey(): boolean {
    return this.depth === 1 && (this.captureKind === 'top' || (this.topIsWrapper && !this.capturing));
  }

  /** noteKey for a key that had to be decoded first. */
  private noteKeyName(name: string): void {
    if (name === 'eventName') this.pendingKey = HOT_NAME;
    else if (name === 'eventTime') this.pendingKey = HOT_TIME;
    else if (name === 'eventSource') this.pendingKey = HOT_SOURCE;
    else if (this.atWrapperKey()) {
      if (name === 'Records') this.wrapperPending = WRAP_RECORDS;
      else if (name === 'Events') this.wrapperPending = WRAP_EVENTS;
    }
  }

  /**
   * A hot key seen twice in one record (JSON.parse keeps the last value), or a key whose escapes do
   * not decode: the hot values seen prove nothing (an edited log could hide a record behind a
   * harmless first eventName). The record goes to the full parse; if its bytes were already let go on the
   * earlier evidence, say so.
   */
  private distrustHotFields(why: string): void {
    this.hotOk = false;
    if (this.rejecting && !this.bytesDropped) {
      this.rejecting = false;
    } else if (this.rejecting) {
      this.fail(
        `a record that began at byte ${this.captureStart} ${why}; it was ruled out by an earlier value and skipped (an edited log?)`,
        this.captureStart,
        false,
      );
    }
  }

  private hotValue(chunk: Buffer, key: number, local: number, q: number): void {
    if (jsonScan.isLoaded(chunk, this.scanGen)) {
      const hash = jsonScan.valueHash(local, q);
      const flags = jsonScan.valueFlags();
      if ((flags & jsonScan.VALUE_ESCAPED) !== 0) {
        this.hotOk = false;
        return;
      }
      this.judgeHotValue(chunk, key, local, q, (flags & jsonScan.VALUE_NOT_ASCII) === 0, hash, true);
      return;
    }
    let ascii = true;
    // The value's hash, for the verdict memo, taken in the loop that looks for escapes anyway.
    let hash = 0;
    for (let k = local; k < q; k++) {
      const c = chunk[k];
      if (c === BACKSLASH) {
        // Escaped values are left to the full parse.
        this.hotOk = false;
        return;
      }
      if (c >= 0x80) ascii = false;
      hash = (Math.imul(hash, 31) + c) | 0;
    }
    this.judgeHotValue(chunk, key, local, q, ascii, hash, false);
  }

  /**
   * A plain hot value, at [local, q) of the chunk: a record it rules out is not emitted.
   * `teachScanner`: the chunk is loaded and the WebAssembly memo may not know this verdict yet.
   */
  private judgeHotValue(chunk: Buffer, key: number, local: number, q: number, ascii: boolean, hash: number, teachScanner: boolean): void {
    if (!this.hotOk || !this.sink.accept || this.captureKind === 'lookup-event') return;
    if (!this.verdict(chunk, key, local, q, ascii, hash, teachScanner)) this.rejecting = true;
  }

  /**
   * True when the WebAssembly loop may pass over the record being read, and those after it, once
   * the memo's verdicts rule them out: they would then only be told as rejected. Not when the
   * record is in any state but the plainest (begun in this chunk, nothing held, no escaped hot
   * value), nor when times are judged by a window this splitter was not told.
   */
  private mayPassRuledOut(judged: number): boolean {
    return (
      judged !== 0 &&
      ((judged & (1 << HOT_TIME)) === 0 || this.sink.timeWindow !== undefined) &&
      this.sink.accept !== undefined &&
      this.captureKind === 'element' &&
      this.hotOk &&
      this.capturing &&
      this.captureIsObject &&
      this.captureParts.length === 0 &&
      !this.spilling &&
      this.held.length === 0 &&
      !this.bytesDropped &&
      !this.handBackAsked
    );
  }

  /**
   * The record being read, and `count - 1` after it, were ruled out and passed over by the
   * WebAssembly loop, each closed and followed by ',' and the next record's '{', which is at
   * `start` of the chunk: leaves the state the general path leaves after that '{'.
   */
  private passRuledOut(count: number, start: number): void {
    // The capture of the record being read ends unseen: beginCapture below starts the next one afresh.
    for (let k = 0; k < count; k++) this.sink.rejected?.();
    this.trailingComma = -1;
    this.elementExpected = false;
    this.separatorExpected = true;
    this.beginCapture(start, this.arrayKind);
    this.captureIsObject = true;
    this.startRecordKeys(this.depth);
  }

  /**
   * `sink.accept` for one hot value. Event sources and names repeat endlessly, so their verdicts
   * are remembered by their bytes: most records then cost a short byte comparison, no string.
   */
  private verdict(chunk: Buffer, key: number, local: number, q: number, ascii: boolean, hash: number, teachScanner: boolean): boolean {
    const accept = this.sink.accept as NonNullable<SplitterSink['accept']>;
    const decode = () => chunk.toString(ascii ? 'latin1' : 'utf8', local, q);
    if (key === HOT_TIME) return accept('eventTime', decode());
    let verdict = this.verdicts.find(key, hash, chunk, local, q);
    if (verdict === undefined) {
      verdict = accept(keyName(key), decode());
      this.verdicts.remember(key, hash, Buffer.from(chunk.subarray(local, q)), verdict);
    }
    if (teachScanner) jsonScan.remember(key, local, q, hash, verdict);
    return verdict;
  }

  private scanScalar(chunk: Buffer, i: number): number {
    const n = chunk.length;
    let j = i;
    while (j < n) {
      const b = chunk[j];
      // Also where no number, true, false or null goes on: `foo{"eventVersion"...` is stray text
      // and then a record, not one scalar up to the record's first ','.
      if (b === COMMA || b === RBRACKET || b === RBRACE || isSpace(b) || b === LBRACE || b === LBRACKET || b === QUOTE || b === COLON) break;
      j++;
    }
    if (j === n) return n;
    this.finishScalar(chunk, j);
    return j;
  }

  private finishScalar(chunk: Buffer | null, end: number): void {
    this.inScalar = false;
    if (!this.capturing) return;
    if (chunk === null) {
      this.emit(this.endCapture(EMPTY, 0), this.captureKind);
      return;
    }
    this.finishElement(chunk, end);
  }
}

/**
 * Top-level keys of CloudTrail records: a '{' followed by one of them, not after ':', is taken for
 * a record start when reading on past a broken record (keys of nested objects differ).
 */
export const RECORD_FIRST_KEYS: ReadonlySet<string> = new Set([
  'eventVersion', 'userIdentity', 'eventTime', 'eventSource', 'eventName', 'awsRegion', 'sourceIPAddress', 'userAgent',
  'eventID', 'eventType', 'recipientAccountId', 'requestID', 'readOnly', 'eventCategory', 'managementEvent',
  // The first keys of records written with sorted keys (`jq -S`), besides awsRegion.
  'additionalEventData', 'apiVersion',
  // The first key of a row of `aws cloudtrail lookup-events` output ({"Events":[…]}).
  'EventId',
]);

/**
 * The index of the first '{' in `chunk` from `from` to `before` that opens a trail file's wrapper
 * (`{"Records"`, `{"Events"`) or a record (its first key one records start with), else -1.
 */
/** Bytes a value's start takes at most for valueStartIn: '{', blanks, and a quoted key of up to 40 bytes. */
const MAX_VALUE_START = 64;

function valueStartIn(chunk: Buffer, from: number, before: number): number {
  for (let brace = chunk.indexOf(LBRACE, from); brace >= 0 && brace < before; brace = chunk.indexOf(LBRACE, brace + 1)) {
    const key = firstKeyAt(chunk, brace, before);
    if (key !== undefined && (key === 'Records' || key === 'Events' || RECORD_FIRST_KEYS.has(key))) return brace;
  }
  return -1;
}

/** The first key of the object whose '{' is at `brace`, when it is short and ends before `before`. */
function firstKeyAt(chunk: Buffer, brace: number, before: number): string | undefined {
  let q = brace + 1;
  while (q < before && isSpace(chunk[q])) q++;
  if (chunk[q] !== QUOTE) return undefined;
  const close = chunk.indexOf(QUOTE, q + 1);
  if (close < 0 || close >= before || close - q > 40) return undefined;
  return chunk.toString('latin1', q + 1, close);
}

/**
 * Whether the '{' at `brace` opens a record (its first key one records start with), as far as
 * the bytes up to `before` show: a key cut by the chunk's end is not seen.
 */
function opensRecordByKey(chunk: Buffer, brace: number, before: number): boolean {
  const key = firstKeyAt(chunk, brace, before);
  return key !== undefined && RECORD_FIRST_KEYS.has(key);
}

/** The first key of an object's bytes, when it is written plainly (no escape). */
function firstKeyOf(bytes: Buffer): Buffer | undefined {
  const open = bytes.indexOf(QUOTE);
  if (open < 0) return undefined;
  const close = bytes.indexOf(QUOTE, open + 1);
  if (close <= open + 1 || bytes.subarray(open + 1, close).includes(BACKSLASH)) return undefined;
  return Buffer.from(bytes.subarray(open + 1, close));
}

/** Nested record starts checked per record at most (see `RecordSplitter.cutShortBefore`). */
const MAX_NESTED_START_CHECKS = 8;
const KEY_EVENT_VERSION = Buffer.from('"eventVersion"');

/**
 * Whether `bytes[i]` is a '{' followed (blanks aside) by the key "eventVersion", which CloudTrail
 * records start with; the key must lie before `end`. As json-scan.wat's opensRecord.
 */
export function opensRecord(bytes: Buffer, i: number, end: number): boolean {
  if (bytes[i] !== LBRACE) return false;
  let q = i + 1;
  while (q < end && isSpace(bytes[q])) q++;
  if (q + KEY_EVENT_VERSION.length > end) return false;
  for (let k = 0; k < KEY_EVENT_VERSION.length; k++) if (bytes[q + k] !== KEY_EVENT_VERSION[k]) return false;
  return true;
}

/**
 * In a broken record's bytes (its own '{' at 0), the first record start (`opensRecord`) before its
 * first syntax error at `errorAt`, wherever it is (after a ':', inside what read as a string): the
 * record was cut short there and the next one follows. Records written with sorted keys (`jq -S`)
 * and lookup-events rows start with one of SORTED_FIRST_KEYS instead: such a start counts where it
 * cannot be a field's value (not after ':'), as nested objects may start with those keys. -1 when
 * there is none.
 */
export function cutShortRecordStart(bytes: Buffer, errorAt: number): number {
  for (let brace = bytes.indexOf(LBRACE, 1); brace >= 0 && brace < errorAt; brace = bytes.indexOf(LBRACE, brace + 1)) {
    if (opensRecord(bytes, brace, bytes.length)) return brace;
    const key = firstKeyAt(bytes, brace, bytes.length);
    if (key !== undefined && SORTED_FIRST_KEYS.has(key) && !afterColon(bytes, brace)) return brace;
  }
  return -1;
}

/**
 * Where cutShortRecordStart found nothing because the bytes end too soon to tell: the first '{'
 * before `errorAt` (not a field's value) whose key the end of `bytes` cuts while it may still be
 * one records start with (`{"{"eventVers` then the chunk's end: a record cut right after a
 * quote, and the next one's start swallowed by the string it opened). Reading goes on from
 * there once more bytes come; -1 when there is none.
 */
export function undecidedRecordStart(bytes: Buffer, errorAt: number): number {
  for (let brace = bytes.indexOf(LBRACE, 1); brace >= 0 && brace < errorAt; brace = bytes.indexOf(LBRACE, brace + 1)) {
    if (afterColon(bytes, brace)) continue;
    let q = brace + 1;
    while (q < bytes.length && isSpace(bytes[q])) q++;
    if (q >= bytes.length) return brace;
    if (bytes[q] !== QUOTE || bytes.indexOf(QUOTE, q + 1) >= 0) continue;
    const begun = bytes.toString('latin1', q + 1);
    for (const key of RECORD_FIRST_KEYS) if (key.startsWith(begun)) return brace;
  }
  return -1;
}

/**
 * First keys that start a record, but also may a nested object: the first key of a record written
 * with sorted keys (`additionalEventData` or `apiVersion` when it has them, else `awsRegion`,
 * which every record has), and of a lookup-events row (`EventId`).
 */
const SORTED_FIRST_KEYS = new Set(['additionalEventData', 'apiVersion', 'awsRegion', 'EventId']);

/** Whether the byte before `at` (blanks aside) is ':'. */
function afterColon(bytes: Buffer, at: number): boolean {
  let k = at - 1;
  while (k >= 0 && isSpace(bytes[k])) k--;
  return k >= 0 && bytes[k] === COLON;
}

/** Line breaks in `bytes` from `from` up to `to`. */
export function countNewlines(bytes: Buffer, from: number, to: number): number {
  let n = 0;
  for (let k = bytes.indexOf(NEWLINE, from); k >= 0 && k < to; k = bytes.indexOf(NEWLINE, k + 1)) n++;
  return n;
}

/**
 * Bytes JSON holds outside strings: structure, whitespace, and what numbers, true, false and null
 * are made of. Any other byte there means string and structure were confused: the JSON is broken.
 */
const FREE_BYTE = new Uint8Array(256);
for (const c of ' \t\r\n{}[],:"0123456789+-.eEtrufalsn') FREE_BYTE[c.charCodeAt(0)] = 1;

/** Archive and compression formats other than gzip, by their first bytes: none can start JSON text. */
const ARCHIVES: ReadonlyArray<readonly [magic: readonly number[], what: string]> = [
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive'],
  [[0x50, 0x4b, 0x05, 0x06], 'a zip archive (empty)'],
  [[0x42, 0x5a, 0x68], 'bzip2-compressed data'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz-compressed data'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd-compressed data'],
  [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 'a 7z archive'],
  [[0x04, 0x22, 0x4d, 0x18], 'lz4-compressed data'],
  [[0x50, 0x41, 0x52, 0x31], 'a Parquet file'],
  // Text in another encoding than UTF-8 (a Windows editor's "Unicode"): by its byte order mark, or
  // by a NUL beside the first '{' or '[' (which UTF-8 JSON never has).
  [[0xff, 0xfe, 0x00, 0x00], 'UTF-32LE text'],
  [[0x00, 0x00, 0xfe, 0xff], 'UTF-32BE text'],
  [[0xff, 0xfe], 'UTF-16LE text'],
  [[0xfe, 0xff], 'UTF-16BE text'],
  [[0x7b, 0x00], 'UTF-16LE text'],
  [[0x5b, 0x00], 'UTF-16LE text'],
  [[0x00, 0x7b], 'UTF-16BE text'],
  [[0x00, 0x5b], 'UTF-16BE text'],
];

/** What archive or compression an input's first bytes say it is (see ARCHIVES), if any. */
export function archiveKind(first: Uint8Array): string | undefined {
  // Asked of every file of a tree, mostly while its code is not optimised yet: plain loops, no
  // iterator or callback per magic number.
  for (let a = 0; a < ARCHIVES.length; a++) {
    const magic = ARCHIVES[a][0];
    if (first.length < magic.length) continue;
    let k = 0;
    while (k < magic.length && first[k] === magic[k]) k++;
    if (k === magic.length) return ARCHIVES[a][1];
  }
  return undefined;
}

/** The one fault for an input in an archive or compression format kmstrail does not read. */
export const archiveFault = (what: string) => {
  const encoding = /^(UTF-\d+[LB]E) text$/.exec(what)?.[1];
  return encoding ? `${what}, not UTF-8: convert it first (iconv -f ${encoding} -t UTF-8)` : `${what}, not JSON or gzip: unpack it first`;
};

/**
 * A byte that can neither start a JSON value nor be structure or space: stray text (a letter other
 * than those of true/false/null, a control byte, a non-ASCII byte) where a record or a separator
 * belongs.
 */
export function isJunkByte(b: number): boolean {
  return FREE_BYTE[b] === 0 || (b >= 0x61 && b <= 0x7a && b !== 0x74 && b !== 0x66 && b !== 0x6e) || b === 0x45 || b === 0x2b || b === 0x2e;
}

/**
 * Met where a separator belongs right after a record that reads whole (or where the next record
 * belongs after it), a byte that shows stray text, not the rest of a record a stray '}' closed
 * early: that rest goes on with a key (`"key":`, after a ',' or not). So anything but a quote:
 * `foo`, `12` or `null` after a record leaves the record whole, and it is kept.
 */
export function isStrayAfterRecord(b: number): boolean {
  return b !== QUOTE;
}

/** The first syntax error of a JSON text cut anywhere: its byte offset and what is wrong there. */
function firstSyntaxErrorIn(bytes: Buffer): { byteOffset: number; message: string } | undefined {
  const text = bytes.toString('utf8');
  const first = firstSyntaxError(text);
  return first && { byteOffset: Buffer.byteLength(text.slice(0, first.offset)), message: first.message };
}

/** Where a number, true, false or null inside a container ends: at the next delimiter (or a byte no value holds), or `n`. */
function endOfBareValue(chunk: Buffer, from: number): number {
  const n = chunk.length;
  let j = from;
  while (j < n) {
    const c = chunk[j];
    if (c === COMMA || c === RBRACE || c === RBRACKET || c === QUOTE || c === COLON || c === LBRACE || c === LBRACKET || isSpace(c) || FREE_BYTE[c] === 0) break;
    j++;
  }
  return j;
}

/** The text of an escaped key, or undefined when its escapes are not valid JSON. */
function decodeKey(bytes: Buffer, from: number, to: number): string | undefined {
  try {
    const value: unknown = JSON.parse(`"${bytes.toString('utf8', from, to)}"`);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function hasBackslash(bytes: Buffer, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (bytes[k] === BACKSLASH) return true;
  return false;
}

/** Byte comparison in JS: for keys this short, a native `compare` call costs more than the loop. */
function sameBytes(chunk: Buffer, at: number, key: Buffer): boolean {
  for (let k = 0; k < key.length; k++) if (chunk[at + k] !== key[k]) return false;
  return true;
}

function keyName(key: number): keyof HotFields {
  return key === HOT_NAME ? 'eventName' : key === HOT_SOURCE ? 'eventSource' : 'eventTime';
}

