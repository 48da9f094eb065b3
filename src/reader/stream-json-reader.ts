/**
 * The general reader, built on stream-json's token parser: slower than the record splitter, but an
 * independent implementation of the same shapes and the same recovery rules, so each reader keeps
 * the other honest in the differential tests (`--reader stream-json` selects it on the command
 * line).
 *
 * Same interface as `readTrail` (TrailReader): records in input order, faults to `onFault`,
 * progress to `onProgress`. The parser gives no positions, so records carry none; a syntax fault is
 * placed by stream-json's verifier, which reads the same text alongside and names the offset and
 * line of the first error. After a fault it reads on as the splitter does: in a records array, from
 * the next record start; at the top level, after the broken value (or from the next line). A
 * prefilter is not used: every record is assembled anyway, and the filter judges it whole.
 */
import { isUtf8 } from 'node:buffer';
import Assembler from 'stream-json/assembler.js';
import { parser, type Token } from 'stream-json/parser.js';
import { jsonVerifier } from 'stream-json/utils/verifier.js';
import { none } from 'stream-chain/defs.js';
import { decodedChunks, ReadFault } from '../sources/decoded-chunks.js';
import type { TrailInput } from '../sources/trail-input.js';
import { firstInvalidUtf8 } from '../util/utf8.js';
import { FaultQueue } from './fault-delivery.js';
import type { ReadOptions } from './read-options.js';
// Records start with RECORD_FIRST_KEYS (the splitter's rule).
import { archiveFault, archiveKind, cutShortRecordStart, describeByte, isJunkByte, isStrayAfterRecord, RECORD_FIRST_KEYS, TOP_COMMA, undecidedRecordStart, type SliceKind } from './record-splitter.js';
import { unwrapValue } from './trail-reader.js';
import type { InputFault, TrailRecord } from './trail-record.js';
import { type ValuePlace, ValuePlaces } from './value-places.js';

type Feed = (chunk: unknown) => AsyncIterable<Token> | Token | undefined;

/** A run of the parser and the verifier from `start` (an absolute byte) on; a fault ends it. */
interface Segment {
  parse: Feed;
  verify: (chunk: unknown) => unknown;
  /** Absolute byte and line where its real bytes begin. */
  start: number;
  line: number;
  /** Synthetic text fed first: '[' when reading on inside a records array. */
  prefix: string;
  /** Characters fed so far, prefix included (the verifier's offsets count these). */
  chars: number;
  /** The last pieces fed: where a character offset lies in bytes. */
  pieces: Array<{ charStart: number; byteStart: number; text: string }>;
  /** After its synthetic array ends, one '}' closes the wrapper the array was in. */
  wrapperOpen: boolean;
  /** What the elements of its synthetic array are, until that array starts. */
  carriedKind?: SliceKind;
  /** Where the values the tokens stand for lie in the bytes. */
  places: ValuePlaces;
}

/** Tokens that begin a value (packed values come whole). */
const VALUE_TOKENS = new Set(['startObject', 'startArray', 'stringValue', 'numberValue', 'nullValue', 'trueValue', 'falseValue']);

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Bytes up to the last complete UTF-8 character, and the incomplete rest. */
function completeCharacters(bytes: Buffer): [Buffer, Buffer] {
  let cut = bytes.length;
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const b = bytes[bytes.length - back];
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    if (need > back) cut = bytes.length - back;
    break;
  }
  return [bytes.subarray(0, cut), bytes.subarray(cut)];
}

export async function* readTrailWithStreamJson(input: TrailInput, options: ReadOptions): AsyncGenerator<TrailRecord[]> {
  const file = input.label;
  let delivered = 0;
  let gzipped = false;
  let seen = 0;
  let sawValue = false;
  /** The input does not start as JSON: told once, nothing more is read of it. */
  let notJson = false;
  let batch: TrailRecord[] = [];
  // Records and faults go out in file order (the splitter's rule); with --strict the first fault
  // ends the input: nothing after it is told or emitted.
  const faults = new FaultQueue(file, options);
  const tell = (fault: InputFault) => faults.tell(fault, batch.length);
  function* drain(): Generator<TrailRecord[]> {
    const records = batch;
    batch = [];
    yield* faults.drain(records);
  }
  /** Some bytes so far are not UTF-8; told once, at the first record holding such bytes. */
  let badUtf8Seen = false;
  let badUtf8Told = false;
  const progress = () => {
    options.onProgress?.({ records: seen, bytes: delivered, gzipped });
    seen = 0;
  };

  // Raw bytes kept from `keptFrom`: recovery looks ahead from a fault's place, and a fault's place
  // may lie in the piece before the current one (a token cut by the chunk boundary).
  let kept: Buffer = Buffer.alloc(0);
  let keptFrom = 0;
  const byteAt = (at: number) => (at >= keptFrom && at < keptFrom + kept.length ? kept[at - keptFrom] : undefined);
  /** A closed value's bytes, while they are still kept. */
  const keptBytesOf = (place: ValuePlace): Buffer | undefined =>
    place.end < 0 || place.start < keptFrom || place.end > keptFrom + kept.length ? undefined : kept.subarray(place.start - keptFrom, place.end - keptFrom);
  /** Whether a value's bytes are not all UTF-8 (when they are no longer kept: taken to be so). */
  const holdsBadUtf8 = (place: ValuePlace): boolean => {
    const bytes = keptBytesOf(place);
    return !bytes || !isUtf8(bytes);
  };
  /** The first bad byte of a record (the splitter's place), when its bytes are still kept; else its start. */
  const badUtf8Place = (place: ValuePlace) => {
    const bytes = keptBytesOf(place);
    if (!bytes) return placeOf(place);
    const at = place.start + Math.max(0, firstInvalidUtf8(bytes));
    return { offset: at, line: place.line + newlinesBetween(place.start, at) };
  };

  let depth = 0;
  /** Depth at which array elements are records (1: bare array, 2: a Records/Events array), or -1. */
  let elementDepth = -1;
  let elementKind: SliceKind = 'element';
  let lastTopKey: string | null = null;
  let asm: Assembler | null = null;
  let asmKind: SliceKind = 'top';
  /** Elements read whole but not handed on yet: the splitter's rule (src/reader/record-splitter.ts). */
  let held: Array<{ value: unknown; kind: SliceKind; object: boolean; place: ValuePlace | undefined }> = [];
  /** An element was the last thing read in the array: ',' or ']' must come next. */
  let afterElement = false;

  const placeOf = (place: ValuePlace | undefined) => (place ? { offset: place.start, line: place.line } : {});
  const emit = (value: unknown, kind: SliceKind, place: ValuePlace | undefined) => {
    seen++;
    if (badUtf8Seen && !badUtf8Told && place && holdsBadUtf8(place)) {
      badUtf8Told = true;
      tell({ file, message: 'invalid UTF-8 in a record; shown with U+FFFD replacement characters', reason: 'invalid UTF-8', warning: true, ...badUtf8Place(place) });
    }
    const { record, problem } = unwrapValue(value, kind);
    if (problem || !record) {
      const [reason, message] = problem ?? ['not an object', 'skipped'];
      tell({ file, message, reason, ...placeOf(place) });
      return;
    }
    if (faults.halted) return;
    batch.push({ record, raw: undefined, file, offset: place?.start ?? -1, line: place?.line ?? -1 });
  };
  /** A ',' between top-level values was told: the next ones are not (the splitter's topCommaTold). */
  let topCommaTold = false;
  /** A '}' too many right after the held record: told once what follows shows what it did (the splitter's strayBraceAt). */
  /** A '}' too many after a held record, or a ',' right after a JSON line's record: told when the record is handed on. */
  let strayBrace: { at: number; line: number; tell: () => void; what?: string } | undefined;
  const flushHeld = () => {
    for (const h of held.splice(0)) emit(h.value, h.kind, h.place);
    strayBrace?.tell();
    strayBrace = undefined;
  };
  const hold = (value: unknown, kind: SliceKind, object: boolean, place: ValuePlace | undefined) => {
    held.push({ value, kind, object, place });
    afterElement = true;
  };

  const newSegment = (start: number, line: number, prefix: string, wrapperOpen: boolean): Segment => ({
    places: new ValuePlaces(start, line, prefix === '['),
    parse: parser({ jsonStreaming: true, packValues: true, streamValues: false }) as unknown as Feed,
    verify: jsonVerifier({ jsonStreaming: true }) as (chunk: unknown) => unknown,
    start,
    line,
    prefix,
    chars: 0,
    pieces: [],
    wrapperOpen,
  });
  let seg = newSegment(0, 1, '', false);
  const startSegment = (start: number, line: number, prefix: string, wrapperOpen: boolean) => {
    seg = newSegment(start, line, prefix, wrapperOpen);
    if (prefix === '[') seg.carriedKind = elementKind;
    depth = 0;
    asm = null;
    afterElement = false;
    lastTopKey = null;
    if (prefix === '[') {
      elementDepth = 1;
    } else {
      elementDepth = -1;
    }
  };

  let asmPlace: ValuePlace | undefined;
  const onToken = (token: Token) => {
    const place = depth <= 2 && VALUE_TOKENS.has(token.name) ? seg.places.take(depth) : undefined;
    if (asm) {
      asm.consume(token);
      if (asm.done) {
        // Held until the next value starts: a '}' too many after it may show it was closed early (the splitter's afterTopRecord).
        if (asmKind === 'top') held.push({ value: asm.current, kind: 'top', object: true, place: asmPlace });
        // An array element is no record candidate, as in the splitter (only an object is).
        else hold(asm.current, asmKind, !Array.isArray(asm.current), asmPlace);
        asm = null;
      }
    }
    switch (token.name) {
      case 'startObject':
      case 'startArray': {
        if (depth === 0) {
          if (held.length > 0) flushHeld();
          sawValue = true;
          lastTopKey = null;
          if (token.name === 'startArray') {
            elementDepth = 1;
            // A synthetic '[' reads on inside the array a fault broke off: its elements are still
            // lookup-events rows when they were (`{"Events":[…]}`).
            elementKind = seg.carriedKind ?? 'element';
            seg.carriedKind = undefined;
          } else {
            asm = new Assembler();
            asmKind = 'top';
            asmPlace = place;
            asm.consume(token);
          }
        } else if (depth === 1 && elementDepth < 0 && token.name === 'startArray' && (lastTopKey === 'Records' || lastTopKey === 'Events')) {
          // `{"Records": [`: stream the elements, drop the wrapper being assembled.
          elementDepth = 2;
          elementKind = lastTopKey === 'Events' ? 'lookup-event' : 'element';
          asm = null;
        } else if (depth === elementDepth && !asm) {
          if (token.name === 'startObject' || held.some((h) => !h.object)) flushHeld();
          afterElement = false;
          asm = new Assembler();
          asmKind = elementKind;
          asmPlace = place;
          asm.consume(token);
          // An array element is no record: assembled all the same, told when done.
          if (token.name === 'startArray') asmKind = elementKind;
        }
        depth++;
        break;
      }
      case 'endObject':
      case 'endArray':
        depth--;
        if (depth === elementDepth - 1) {
          flushHeld();
          afterElement = false;
          elementDepth = -1;
        }
        if (depth === 0) lastTopKey = null;
        break;
      case 'keyValue':
        if (depth === 1) lastTopKey = token.value;
        break;
      default:
        if (depth === elementDepth && !asm) {
          // A scalar element: not a record; told as such once it is seen followed as it should be.
          if (held.some((h) => !h.object)) flushHeld();
          hold(token.name === 'numberValue' ? Number(token.value) : 'value' in token ? token.value : null, elementKind, false, place);
        } else if (depth === 0) {
          sawValue = true;
          tell({ file, message: 'expected a JSON object or array', reason: 'malformed JSON', ...placeOf(place) });
        }
    }
  };

  /** The absolute byte of a character offset of the current segment (the verifier's offsets). */
  const byteOf = (chars: number): number => {
    if (chars <= seg.prefix.length) return seg.start;
    for (let k = seg.pieces.length - 1; k >= 0; k--) {
      const piece = seg.pieces[k];
      if (chars >= piece.charStart) return piece.byteStart + Buffer.byteLength(piece.text.slice(0, chars - piece.charStart));
    }
    return seg.pieces[0]?.byteStart ?? seg.start;
  };

  /** The next record start at or after `from` in the bytes kept (the splitter's rule), or -1. */
  const recordStartFrom = (from: number): number => {
    for (let at = Math.max(from, keptFrom); at < keptFrom + kept.length; at++) {
      if (byteAt(at) !== 0x7b) continue;
      let k = at - 1;
      let newline = false;
      while (k >= keptFrom && isSpace(byteAt(k) as number)) if (byteAt(k--) === 0x0a) newline = true;
      const before = byteAt(k);
      if (before === 0x3a && !newline) continue;
      let q = at + 1;
      while (q < keptFrom + kept.length && isSpace(byteAt(q) as number)) q++;
      if (byteAt(q) !== 0x22) continue;
      const close = kept.indexOf(0x22, q + 1 - keptFrom) + keptFrom;
      if (close < keptFrom || close - q > 40) continue;
      if (RECORD_FIRST_KEYS.has(kept.toString('latin1', q + 1 - keptFrom, close - keptFrom))) return at;
    }
    return -1;
  };

  /** Does the '{' at byte `at` open a wrapper (`{"Records"`, `{"Events"`) or a record? Undefined: not kept far enough yet to tell. */
  const opensValue = (at: number): boolean | undefined => {
    const end = keptFrom + kept.length;
    let q = at + 1;
    while (q < end && isSpace(byteAt(q) as number)) q++;
    if (q >= end) return q - at < 64 ? undefined : false;
    if (byteAt(q) !== 0x22) return false;
    const close = kept.indexOf(0x22, q + 1 - keptFrom) + keptFrom;
    if (close < keptFrom) return end - q <= 40 ? undefined : false;
    if (close - q > 40) return false;
    const key = kept.toString('latin1', q + 1 - keptFrom, close - keptFrom);
    return key === 'Records' || key === 'Events' || RECORD_FIRST_KEYS.has(key);
  };

  /** Where reading goes on after a fault at byte `at` outside a records array, or -1 (not in what is kept yet). */
  const afterBrokenValue = (at: number, open: number): number => {
    let d = open;
    let inString = false;
    for (let k = Math.max(at, keptFrom); k < keptFrom + kept.length; k++) {
      const b = byteAt(k) as number;
      if (inString) {
        if (b === 0x5c) k++;
        else if (b === 0x22) inString = false;
        else if (b === 0x0a) return k + 1;
        continue;
      }
      if (d === 0) {
        if (b === 0x0a) return k + 1;
        // Stray text before a value on its line: the value is read (the splitter's valueStartIn).
        if (b === 0x7b) {
          const opens = opensValue(k);
          if (opens === undefined) return -1;
          if (opens) return k;
        }
        continue;
      }
      if (b === 0x22) inString = true;
      else if (b === 0x7b || b === 0x5b) d++;
      else if (b === 0x7d || b === 0x5d) {
        d--;
        if (d === 0) return k + 1;
      }
    }
    return -1;
  };

  /**
   * A fault at byte `at` (line `line`): told once, then reading goes on where the splitter would
   * read on. Returns where the next segment starts and how, or undefined to wait for more bytes.
   */
  /** `record`: at the next record start from `from`; `at`: right at `from` (a record starts there); `value`: after the broken value; `top`: a top-level value right at `from`; `brace`: as `record`, once what follows a '}' after a record tells whether it closed the record early; `top-brace`: as `value`, the same after a top-level record. */
  let pendingRecovery: { kind: 'record' | 'at' | 'value' | 'top' | 'brace' | 'top-brace'; from: number; open: number; wrapper: boolean } | undefined;
  /** The pending recovery is only past a wrapper's closing '}': read on right after it. */
  let closesWrapper = false;
  const fault = (at: number, line: number, message: string) => {
    tell({ file, message: `${message}; read on from the next record`, offset: at, line, reason: 'malformed JSON' });
  };
  /** The ',' right before byte `at` (spaces between), or -1. */
  const trailingComma = (at: number): number => {
    let k = at - 1;
    while (k >= keptFrom && isSpace(byteAt(k) as number)) k--;
    return byteAt(k) === 0x2c ? k : -1;
  };
  /** A line break between bytes `from` and `to` (the bytes no longer kept count as none). */
  const newlineIn = (from: number, to: number): boolean => {
    for (let k = Math.max(from, keptFrom); k < to; k++) if (byteAt(k) === 0x0a) return true;
    return false;
  };
  const newlinesBetween = (from: number, to: number): number => {
    let n = 0;
    for (let k = from; k < to; k++) if (byteAt(k) === 0x0a) n++;
    return n;
  };
  const onSyntaxError = (at: number, line: number, message: string) => {
    if (seg.wrapperOpen && depth === 0 && byteAt(at) === 0x7d) {
      // The '}' of the wrapper whose records array a synthetic '[' stood in for: no fault.
      pendingRecovery = { kind: 'value', from: at + 1, open: 0, wrapper: false };
      closesWrapper = true;
      return;
    }
    const inArray = elementDepth >= 1 && depth >= elementDepth;
    const wrapper = seg.wrapperOpen || elementDepth === 2;
    if (inArray) {
      const b = byteAt(at);
      const lastIsRecord = held.length === 1 && held[0].object && afterElement && depth === elementDepth;
      if (lastIsRecord && b === 0x7b) {
        // Two records with no comma between: both whole; read on with the second, right here.
        flushHeld();
        fault(at, line, message);
        pendingRecovery = { kind: 'at', from: at, open: 0, wrapper };
      } else if (lastIsRecord && b === 0x7d) {
        // Whole, or closed early: what follows tells (see recover).
        strayBrace = { at, line, tell: () => fault(at, line, message) };
        pendingRecovery = { kind: 'brace', from: at + 1, open: 0, wrapper };
      } else if (b === 0x5d && depth === elementDepth && held.length === 1 && held[0].object && trailingComma(at) >= 0) {
        // A comma after the last record (`…},]`): the record is whole and kept; the fault is the
        // comma's, as the splitter tells it.
        const comma = trailingComma(at);
        flushHeld();
        tell({ file, message: 'trailing comma after the last record', offset: comma, line: line - newlinesBetween(comma, at), reason: 'malformed JSON' });
        pendingRecovery = { kind: 'record', from: at + 1, open: 0, wrapper };
      } else if (b === 0x2c && depth === elementDepth && held.length === 1 && held[0].object) {
        // A comma too many after a whole record (`},,{`): the record is kept, the next read as usual.
        flushHeld();
        fault(at, line, message);
        pendingRecovery = { kind: 'record', from: at + 1, open: 0, wrapper };
      } else if (b !== undefined && isStrayAfterRecord(b) && depth === elementDepth && held.length === 1 && held[0].object) {
        // Stray text right after a record, or where the next one belongs: the record is whole.
        flushHeld();
        fault(at, line, message);
        pendingRecovery = { kind: 'record', from: at, open: 0, wrapper };
      } else if (depth === elementDepth && held.length === 2 && held[0].object && !held[1].object && !(b === 0x3a && typeof held[1].value === 'string')) {
        // A record, its ',', then stray text where the next record belongs: the record is kept
        // (the splitter's rule, see its brokenArray).
        held.pop();
        flushHeld();
        fault(at, line, message);
        pendingRecovery = { kind: 'record', from: at, open: 0, wrapper };
      } else {
        held = [];
        fault(at, line, message);
        // A record cut short may have taken in the next one's start before the error (the
        // splitter's rule, see its cutShortRecordStart): read on from there.
        const start = asm && depth > elementDepth && asmPlace && asmPlace.start >= keptFrom ? asmPlace.start : -1;
        const inside = start < 0 ? -1 : cutShortRecordStart(kept.subarray(start - keptFrom), at - start);
        const undecided = start < 0 || inside >= 0 ? -1 : undecidedRecordStart(kept.subarray(start - keptFrom), at - start);
        pendingRecovery =
          inside >= 0 ? { kind: 'at', from: start + inside, open: 0, wrapper } : { kind: 'record', from: undecided >= 0 ? start + undecided : at, open: 0, wrapper };
      }
    } else {
      if (depth === 0 && sawValue && byteAt(at) === 0xef && byteAt(at + 1) === 0xbb && byteAt(at + 2) === 0xbf) {
        // Files that each start with a byte order mark, cat'ed together: one before each value.
        pendingRecovery = { kind: 'top', from: at + 3, open: 0, wrapper: false };
        asm = null;
        return;
      }
      const b = byteAt(at);
      const heldTop = depth === 0 && !asm && held.length === 1 && held[0].kind === 'top';
      if (heldTop && b === 0x7d && !newlineIn(held[0].place?.end ?? at, at)) {
        // A '}' on a JSON line's record's line: whole, or closed early (see recover).
        const told = `${message}; skipped`;
        strayBrace = { at, line, tell: () => tell({ file, message: told, offset: at, line, reason: 'malformed JSON' }) };
        pendingRecovery = { kind: 'top-brace', from: at + 1, open: 0, wrapper: false };
        return;
      }
      if (heldTop && b === 0x2c && !topCommaTold && !newlineIn(held[0].place?.end ?? at, at)) {
        // A ',' on a JSON line's record's line: JSON lines with commas, or a record its own '}'
        // closed early, when a key follows (the splitter's afterTopRecord).
        strayBrace = {
          at,
          line,
          what: "','",
          tell: () => {
            tell({ file, message: TOP_COMMA, offset: at, line, reason: 'malformed JSON' });
            topCommaTold = true;
          },
        };
        pendingRecovery = { kind: 'top-brace', from: at, open: 0, wrapper: false };
        return;
      }
      if (heldTop) flushHeld();
      if (depth === 0 && !sawValue && !asm && b !== undefined && isJunkByte(b)) {
        // Text that does not start as JSON: one line for the input (the splitter's rule).
        tell({ file, message: `not JSON: it starts with ${`${describeByte(b)}${b === 0 ? ' (NUL)' : ''}`}, not '{' or '[' (not a trail file)`, offset: at, line, reason: 'malformed JSON' });
        notJson = true;
        asm = null;
        return;
      }
      if (depth === 0 && !asm && sawValue && (b === 0x2c || (topCommaTold && (b === 0x5d || b === 0x7d)))) {
        // A ',' after a whole top-level value: told once (the splitter's rule, see its topLevelStart).
        if (!topCommaTold) tell({ file, message: TOP_COMMA, offset: at, line, reason: 'malformed JSON' });
        topCommaTold = true;
        pendingRecovery = { kind: 'value', from: at, open: 0, wrapper: false };
        return;
      }
      if (asm && asmKind === 'top') sawValue = true;
      tell({ file, message: `${message}; skipped`, offset: at, line, reason: 'malformed JSON' });
      pendingRecovery = { kind: 'value', from: at, open: depth, wrapper: false };
    }
    asm = null;
  };

  /**
   * After a record and a '}' too many (in a records array, or on a JSON line's record's line):
   * past more '}'s and a ',', a quote is a key, so the '}' closed the record early and it is not
   * kept; anything else leaves it whole, the '}' told (the splitter's afterStrayBrace and
   * afterTopRecord). Undefined while the bytes kept do not tell yet.
   */
  const afterStrayBrace = (r: NonNullable<typeof pendingRecovery>): Buffer | undefined => {
    const top = r.kind === 'top-brace';
    const end = keptFrom + kept.length;
    let k = Math.max(r.from, keptFrom);
    let comma = false;
    for (; k < end; k++) {
      const b = byteAt(k) as number;
      // A JSON line's record ends at its line's end.
      const blank = top ? b === 0x20 || b === 0x09 || b === 0x0d : isSpace(b);
      if (blank || (!comma && b === 0x7d)) continue;
      if (!comma && b === 0x2c) comma = true;
      else break;
    }
    if (k >= end) return undefined;
    const stray = strayBrace as NonNullable<typeof strayBrace>;
    if (comma && byteAt(k) === 0x22) {
      const why = `a record that began at byte ${held[0]?.place?.start} is malformed (unexpected ${strayBrace?.what ?? "'}'"})`;
      held = [];
      strayBrace = undefined;
      if (top) tell({ file, message: `${why}; record skipped`, offset: stray.at, line: stray.line, reason: 'malformed JSON' });
      else fault(stray.at, stray.line, why);
    } else {
      flushHeld();
    }
    pendingRecovery = top ? { kind: 'value', from: k, open: 0, wrapper: false } : { kind: 'record', from: k, open: 0, wrapper: r.wrapper };
    return recover();
  };

  /** Tries to start the next segment after a fault, with the bytes kept so far. */
  const recover = (): Buffer | undefined => {
    if (notJson) return undefined;
    const r = pendingRecovery as NonNullable<typeof pendingRecovery>;
    if (r.kind === 'brace' || r.kind === 'top-brace') return afterStrayBrace(r);
    const at = closesWrapper || r.kind === 'at' || r.kind === 'top' ? r.from : r.kind === 'record' ? recordStartFrom(r.from) : afterBrokenValue(r.from, r.open);
    closesWrapper = false;
    if (at < 0) return undefined;
    pendingRecovery = undefined;
    const line = lineOf(at);
    const inRecords = r.kind === 'record' || r.kind === 'at';
    startSegment(at, line, inRecords ? '[' : '', inRecords && r.wrapper);
    return kept.subarray(at - keptFrom);
  };

  // Lines: newlines counted in the bytes kept, from a known line at `keptFrom`.
  let keptFromLine = 1;
  const lineOf = (at: number): number => {
    let n = keptFromLine;
    for (let k = kept.indexOf(0x0a); k >= 0 && k + keptFrom < at; k = kept.indexOf(0x0a, k + 1)) n++;
    return n;
  };

  /** Feeds text of the current segment; on a syntax error, recovers and feeds what follows. */
  const feed = async (bytes: Buffer, byteStart: number) => {
    let text = bytes.toString('utf8');
    if (seg.chars === 0 && seg.prefix) text = seg.prefix + text;
    const charStart = seg.chars;
    seg.pieces.push({ charStart: charStart + (charStart === 0 ? seg.prefix.length : 0), byteStart, text: charStart === 0 && seg.prefix ? text.slice(seg.prefix.length) : text });
    if (seg.pieces.length > 4) seg.pieces.shift();
    let errorAt: number | undefined;
    let errorLine = 0;
    let errorMessage = '';
    try {
      seg.verify(text);
    } catch (error) {
      const e = error as { offset?: number; line?: number; message?: string };
      errorAt = e.offset ?? charStart;
      errorLine = e.line ?? 1;
      errorMessage = describeVerifierError(e.message);
    }
    const good = errorAt === undefined ? text : text.slice(0, Math.max(0, errorAt - charStart));
    seg.chars += text.length;
    seg.places.feed(errorAt === undefined ? bytes : bytes.subarray(0, Math.max(0, byteOf(errorAt) - byteStart)));
    if (good.length > 0) {
      const tokens = seg.parse(good);
      if (tokens && typeof (tokens as AsyncIterable<Token>)[Symbol.asyncIterator] === 'function') {
        for await (const token of tokens as AsyncIterable<Token>) onToken(token);
      }
    }
    if (errorAt !== undefined) {
      onSyntaxError(byteOf(errorAt), seg.line + errorLine - 1, errorMessage || 'malformed JSON');
      const rest = recover();
      if (rest) await feedSegment(rest);
    }
  };
  const feedSegment = (bytes: Buffer) => feed(bytes, seg.start);

  startSegment(0, 1, '', false);
  let carry: Buffer = Buffer.alloc(0);
  let atFirstText = true;
  try {
    for await (const chunk of decodedChunks(input, () => {
      gzipped = true;
    })) {
      delivered += chunk.length;
      let [whole, rest] = completeCharacters(carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk);
      // A UTF-8 byte order mark, as some editors write (JSON itself has none): not text to parse.
      // Whole characters only reach here, so a split mark arrives in one piece, in the first text.
      let bom = 0;
      if (atFirstText && whole.length > 0) {
        atFirstText = false;
        // The splitter's rule: an archive or another compression is one fault, and nothing more.
        const archive = archiveKind(chunk);
        if (archive) {
          tell({ file, message: archiveFault(archive), offset: 0, line: 1, reason: 'truncated or corrupt input' });
          yield* drain();
          return;
        }
        if (whole[0] === 0xef && whole[1] === 0xbb && whole[2] === 0xbf) {
          bom = 3;
          whole = whole.subarray(3);
          seg.start = 3;
          seg.places = new ValuePlaces(3, 1, false);
        }
      }
      carry = Buffer.from(rest);
      if (!badUtf8Seen && !isUtf8(whole)) badUtf8Seen = true;
      const byteStart = delivered - whole.length - rest.length;
      // Keep the bytes of this piece and the one before it.
      const previous = kept.subarray(Math.max(0, kept.length - 256 * 1024));
      keptFromLine = lineOf(keptFrom + kept.length - previous.length);
      keptFrom = keptFrom + kept.length - previous.length + bom;
      kept = Buffer.concat([previous, whole]);
      if (pendingRecovery) {
        const next = recover();
        if (next) await feedSegment(next);
      } else {
        await feed(whole, byteStart);
      }
      // A JSON line's record whose line ended is handed on now (the splitter's rule, at a chunk's end).
      const top = held.length === 1 && held[0].kind === 'top' ? held[0].place : undefined;
      if (top && !pendingRecovery && top.end >= 0 && newlineIn(top.end, keptFrom + kept.length)) flushHeld();
      progress();
      yield* drain();
      if (faults.halted || notJson) return;
    }
  } catch (error) {
    if (!(error instanceof ReadFault)) throw error;
    flushHeld();
    progress();
    yield* drain();
    tell({ file, message: delivered === 0 ? error.message : `${error.message} (after ${delivered} bytes of data)`, reason: 'truncated or corrupt input' });
    yield* drain();
    return;
  }
  /**
   * At the end, the records array left open and its last record JSON all the same: cut short
   * right after a nested list's element and its ',', it took in the records after it, and the
   * array's `]}` closed both (the splitter's rule, see its cutShortAtEnd). Read on from the first
   * record start inside it; true when there is one.
   */
  const cutShortAtEnd = (): boolean => {
    const place = held.length === 1 && held[0].object ? held[0].place : undefined;
    if (!place || !afterElement || elementDepth < 1 || depth !== elementDepth || place.end < 0 || place.start < keptFrom || place.end > keptFrom + kept.length) return false;
    const inside = cutShortRecordStart(kept.subarray(place.start - keptFrom, place.end - keptFrom), place.end - place.start);
    if (inside < 0) return false;
    held = [];
    const at = place.start + inside;
    fault(at, lineOf(at), `a record that began at byte ${place.start} is cut short: the next record starts inside it`);
    pendingRecovery = { kind: 'at', from: at, open: 0, wrapper: seg.wrapperOpen || elementDepth === 2 };
    return true;
  };

  // The end: complete elements first, then what the end says (a value or array left open, or a
  // syntax error the verifier could only see once no more text could follow).
  for (;;) {
    // The input ended right after a record and a '}' too many: the record is whole.
    if (pendingRecovery?.kind === 'brace') pendingRecovery = { ...pendingRecovery, kind: 'record' };
    if (pendingRecovery?.kind === 'top-brace') pendingRecovery = { ...pendingRecovery, kind: 'value' };
    if (cutShortAtEnd()) {
      const rest = recover();
      if (rest) {
        await feedSegment(rest);
        continue;
      }
    }
    flushHeld();
    progress();
    yield* drain();
    if (pendingRecovery || notJson) break;
    try {
      seg.verify(none);
    } catch (error) {
      const e = error as { offset?: number; line?: number; message?: string };
      if (e.offset !== undefined && e.offset < seg.chars) {
        onSyntaxError(byteOf(e.offset), seg.line + (e.line ?? 1) - 1, describeVerifierError(e.message));
        const rest = recover();
        if (rest) {
          await feedSegment(rest);
          continue;
        }
      } else if (depth > 0 || asm) {
        const at = delivered;
        tell({ file, message: `unexpected end of data (truncated file?)`, offset: at, line: lineOf(at), reason: 'truncated or corrupt input' });
      } else if (e.offset !== undefined) {
        tell({ file, message: 'malformed JSON', offset: byteOf(e.offset), line: seg.line + (e.line ?? 1) - 1, reason: 'malformed JSON' });
      }
    }
    break;
  }
  if (!sawValue) tell({ file, message: delivered === 0 ? 'empty input' : 'no JSON value (only whitespace)', reason: 'empty input' });
  yield* drain();
}

/** The verifier's message without its place (told apart) and its own name. */
function describeVerifierError(message: string | undefined): string {
  return (message ?? 'malformed JSON').replace(/^ERROR at \d+ \(\d+, \d+\): /, '').replace(/^Verifier (cannot parse input|has expected)[: ]*/, '') || 'malformed JSON';
}
