/**
 * Property-based tests for both readers: the record splitter (`readTrail`) and the stream-json
 * reader (`readTrailWithStreamJson`), fed generated trails cut into random chunks.
 *
 * Records are generated as a small JSON model (so that keys can come in any order, strings can be
 * written with any escape, numbers in any textual form) and rendered either with JSON.stringify
 * (compact or indented) or by hand with random escapes and whitespace. The oracle is always
 * JSON.parse of the exact text that was written: "every reader returns exactly the records
 * JSON.parse finds, in order".
 *
 * Inputs are TrailInputs whose `open()` streams the bytes in chunks cut at random places, with a
 * bias towards the places that matter to a byte scanner: right after a backslash, inside a
 * multi-byte UTF-8 character, at quotes, inside the keys the scanner looks for.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filterSpecFromOptions, type RawFilterOptions } from '../../../src/cli/options/filter-options.js';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { buildRecordFilter, type TimesSeen } from '../../../src/filters/record-filter.js';
import { readTrailWithStreamJson } from '../../../src/reader/stream-json-reader.js';
import { RECORDS_ELEMENT, type ResumePoint } from '../../../src/reader/record-splitter.js';
import type { ReadOptions } from '../../../src/reader/read-options.js';
import type { TrailPartOptions } from '../../../src/reader/trail-part.js';
import { readTrail } from '../../../src/reader/trail-reader.js';
import type { InputFault, TrailRecord } from '../../../src/reader/trail-record.js';
import type { TrailInput } from '../../../src/sources/trail-input.js';
import { readTrailWithJsLoops } from '../../helpers/js-loops-reader.js';
import { readTrailUnparsed } from '../../helpers/unparsed-reader.js';
import { recordsPassedOver } from '../../../src/reader/json-scan.js';

const LABEL = 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/01/generated.json';
const NOW = Date.UTC(2025, 0, 1);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// ---------------------------------------------------------------------------------------------
// A JSON model that can be rendered in many textual forms.
// ---------------------------------------------------------------------------------------------

/** A string and how to write each of its code points (cycled; empty: the plainest way). */
interface JStr {
  s: string;
  style: number[];
}
type JVal =
  | { t: 'lit'; text: 'null' | 'true' | 'false' }
  | { t: 'num'; text: string }
  | { t: 'str'; v: JStr }
  | { t: 'arr'; items: JVal[] }
  | { t: 'obj'; entries: Entry[] };
type Entry = [JStr, JVal];
type JObj = Extract<JVal, { t: 'obj' }>;

const jstr = (s: string, style: number[] = []): JStr => ({ s, style });
const str = (s: string, style: number[] = []): JVal => ({ t: 'str', v: jstr(s, style) });
const obj = (entries: Entry[]): JObj => ({ t: 'obj', entries });

/** How a value is written: by JSON.stringify (indent 0: compact), or by hand. */
type Style =
  | { kind: 'stringify'; indent: number | string }
  /** Escapes as each string's `style` says, whitespace from `ws` (cycled) between all tokens. */
  | { kind: 'exotic'; ws: string[] };

const SHORT_ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: '\\\\',
  0x2f: '\\/',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
};

function unicodeEscape(ch: string, upper: boolean): string {
  let out = '';
  for (let k = 0; k < ch.length; k++) {
    const hex = ch.charCodeAt(k).toString(16).padStart(4, '0');
    out += `\\u${upper ? hex.toUpperCase() : hex}`;
  }
  return out;
}

/** A JSON string literal for `j`, each code point written raw, as \uXXXX, or as a short escape. */
function quote(j: JStr): string {
  let out = '"';
  let n = 0;
  for (const ch of j.s) {
    const cp = ch.codePointAt(0) as number;
    const style = j.style.length > 0 ? j.style[n++ % j.style.length] % 4 : 0;
    const lone = cp >= 0xd800 && cp <= 0xdfff;
    const mustEscape = cp === 0x22 || cp === 0x5c || cp < 0x20 || lone;
    if (style === 1) out += unicodeEscape(ch, true);
    else if (style === 3) out += unicodeEscape(ch, false);
    else if (style === 2 && SHORT_ESCAPES[cp] !== undefined) out += SHORT_ESCAPES[cp];
    else if (!mustEscape) out += ch;
    else out += SHORT_ESCAPES[cp] ?? unicodeEscape(ch, false);
  }
  return `${out}"`;
}

/** The JavaScript value (duplicate keys: the last wins, as in JSON.parse). */
function toJs(v: JVal): unknown {
  switch (v.t) {
    case 'lit':
    case 'num':
      return JSON.parse(v.text);
    case 'str':
      return v.v.s;
    case 'arr':
      return v.items.map(toJs);
    case 'obj': {
      const o: Record<string, unknown> = {};
      for (const [k, x] of v.entries) {
        // defineProperty, so that a "__proto__" key is an own property as JSON.parse makes it.
        Object.defineProperty(o, k.s, { value: toJs(x), enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
  }
}

function render(v: JVal, style: Style): string {
  if (style.kind === 'stringify') return JSON.stringify(toJs(v), null, style.indent);
  let k = 0;
  const ws = () => (style.ws.length === 0 ? '' : style.ws[k++ % style.ws.length]);
  const go = (x: JVal): string => {
    switch (x.t) {
      case 'lit':
      case 'num':
        return x.text;
      case 'str':
        return quote(x.v);
      case 'arr': {
        let out = `[${ws()}`;
        x.items.forEach((item, i) => {
          if (i > 0) out += `,${ws()}`;
          out += go(item) + ws();
        });
        return `${out}]`;
      }
      case 'obj': {
        let out = `{${ws()}`;
        x.entries.forEach(([key, value], i) => {
          if (i > 0) out += `,${ws()}`;
          out += `${quote(key)}${ws()}:${ws()}`;
          out += go(value) + ws();
        });
        return `${out}}`;
      }
    }
  };
  return go(v);
}

// ---------------------------------------------------------------------------------------------
// Arbitraries.
// ---------------------------------------------------------------------------------------------

/** Characters that matter to a JSON scanner, plus multi-byte and lone-surrogate code units. */
const SPECIAL_UNITS = [
  '"', '\\', '/', '\u0000', '\u0001', '\b', '\f', '\n', '\r', '\t', '\u001f', '\u007f', '\u0080', '\u00ff',
  '\u2028', '\u2029', '\ufeff', 'é', 'ß', '€', '\u{1F600}', '\u{10FFFF}', '\ud800', '\udfff', '{', '}', '[', ']',
  ',', ':', ' ', 'a', 'Z', '0', '\\u', '"}', '"]', '\\"', '\\\\', 'eventName', 'Records',
];

const textArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: fc.constantFrom(...SPECIAL_UNITS), maxLength: 8 }),
);

/** How each code point of a string is written; mostly plain. */
const escapeStyleArb: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<number[]>([]) },
  { weight: 2, arbitrary: fc.array(fc.nat(3), { minLength: 1, maxLength: 12 }) },
);

const jstrArb = (text: fc.Arbitrary<string>): fc.Arbitrary<JStr> =>
  fc.tuple(text, escapeStyleArb).map(([s, style]) => jstr(s, style));

const digits = (minLength: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength: 18 });

/** Number texts in every JSON form: signs, fractions, exponents with e/E and +/-, huge and tiny. */
const numberTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '0', '-0', '-0.0', '0e0', '-0E-0', '1e300', '1.5E-7', '0.1', '1E+2', '1e-2', '5e-324', '1e-400', '1e400', '-1e400',
    '123456789012345678901234567890', '9007199254740993', '1.7976931348623157e308', '0.30000000000000004', '1.50',
  ),
  fc
    .tuple(
      fc.boolean(),
      fc.oneof(fc.constant('0'), fc.tuple(fc.constantFrom(...'123456789'), digits(0)).map(([a, b]) => a + b)),
      fc.option(digits(1), { nil: undefined }),
      fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1)), { nil: undefined }),
    )
    .map(([neg, int, frac, exp]) => `${neg ? '-' : ''}${int}${frac !== undefined ? `.${frac}` : ''}${exp ? exp.join('') : ''}`),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.integer().map(String),
);

/** Keys of nested objects: anything, including the names the scanner looks for at record level. */
const nestedKeyArb: fc.Arbitrary<JStr> = jstrArb(
  fc.oneof(
    { weight: 3, arbitrary: textArb },
    {
      weight: 1,
      arbitrary: fc.constantFrom('eventName', 'eventSource', 'eventTime', 'Records', 'Events', 'CloudTrailEvent', 'detail', '__proto__', ''),
    },
  ),
);

const scalarArb: fc.Arbitrary<JVal> = fc.oneof(
  fc.constantFrom<JVal>({ t: 'lit', text: 'null' }, { t: 'lit', text: 'true' }, { t: 'lit', text: 'false' }),
  numberTextArb.map((text): JVal => ({ t: 'num', text })),
  jstrArb(textArb).map((v): JVal => ({ t: 'str', v })),
);

const { value: jsonValueArb } = fc.letrec<{ value: JVal; arr: JVal; obj: JVal }>((tie) => ({
  value: fc.oneof({ maxDepth: 3, depthIdentifier: 'json' }, scalarArb, tie('arr'), tie('obj')),
  arr: fc.array(tie('value'), { maxLength: 4, depthIdentifier: 'json' }).map((items): JVal => ({ t: 'arr', items })),
  obj: fc
    .array(fc.tuple(nestedKeyArb, tie('value')), { maxLength: 4, depthIdentifier: 'json' })
    .map((entries): JVal => ({ t: 'obj', entries })),
}));

const nonStringArb: fc.Arbitrary<JVal> = jsonValueArb.filter((v) => v.t !== 'str');

const EVENT_NAMES = ['CreateKey', 'Decrypt', 'Encrypt', 'ScheduleKeyDeletion', 'createkey', 'GenerateDataKey', 'ListKeys', 'CreateAlias'];
const EVENT_SOURCES = ['kms.amazonaws.com', 'KMS.amazonaws.com', 's3.amazonaws.com', 'kms.amazonaws.com ', 'sts.amazonaws.com'];
const EVENT_TIMES = [
  '2024-03-01T10:00:00Z', '2024-02-29T23:59:59Z', '2024-03-02 00:00:00', '2024-03-01T10:00:00.123456789+02:00',
  '2024-03-01T00:00:00Z', '2023-12-31T23:59:59.999Z', 'not a time', '', '2024-02-30T00:00:00Z',
];

/** A hot field's value: mostly a plain pool value, sometimes escaped, random text, or not a string. */
const hotValueArb = (pool: string[]): fc.Arbitrary<JVal> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...pool), escapeStyleArb).map(([s, style]) => str(s, style)) },
    // "Create\u004bey": one escaped letter.
    { weight: 1, arbitrary: fc.constantFrom(...pool).map((s) => str(s, [...Array(Math.max(0, s.length - 3)).fill(0), 3, 0, 0])) },
    { weight: 1, arbitrary: jstrArb(textArb).map((v): JVal => ({ t: 'str', v })) },
    { weight: 1, arbitrary: nonStringArb },
  );

/** Key names of a record's top level that would change what the record is (or duplicate a hot field). */
const RESERVED_TOP_KEYS = new Set(['eventName', 'eventSource', 'eventTime', 'userIdentity', 'Records', 'Events', 'CloudTrailEvent', 'detail', 'detail-type']);

const extraKeyArb: fc.Arbitrary<JStr> = jstrArb(
  fc.oneof(
    { weight: 3, arbitrary: textArb },
    { weight: 1, arbitrary: fc.constantFrom('requestParameters', 'responseElements', 'awsRegion', 'eventID', '__proto__', 'constructor', '', 'é') },
  ),
).filter((k) => !RESERVED_TOP_KEYS.has(k.s));

const hotKey = (name: string) => fc.oneof({ weight: 5, arbitrary: fc.constant(jstr(name)) }, { weight: 1, arbitrary: escapeStyleArb.map((style) => jstr(name, style)) });

/** Sorts entries by generated sort keys (stable): keys in any order. */
function shuffle<T>(items: T[], order: number[]): T[] {
  return items
    .map((item, i) => ({ item, key: order.length > 0 ? order[i % order.length] : 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.item);
}

/** A CloudTrail-like record: hot fields sometimes missing, escaped or not strings; random extras. */
const recordArb: fc.Arbitrary<JObj> = fc
  .record({
    eventName: fc.option(fc.tuple(hotKey('eventName'), hotValueArb(EVENT_NAMES)), { nil: undefined, freq: 6 }),
    eventSource: fc.option(fc.tuple(hotKey('eventSource'), hotValueArb(EVENT_SOURCES)), { nil: undefined, freq: 6 }),
    eventTime: fc.option(fc.tuple(hotKey('eventTime'), hotValueArb(EVENT_TIMES)), { nil: undefined, freq: 4 }),
    userIdentity: fc.option(fc.tuple(hotKey('userIdentity'), jsonValueArb), { nil: undefined, freq: 3 }),
    extras: fc.array(fc.tuple(extraKeyArb, jsonValueArb), { maxLength: 4 }),
    order: fc.array(fc.nat(20), { maxLength: 8 }),
  })
  .map(({ eventName, eventSource, eventTime, userIdentity, extras, order }) => {
    const entries: Entry[] = [];
    for (const e of [eventName, eventSource, eventTime, userIdentity]) if (e) entries.push(e as Entry);
    entries.push(...extras);
    return obj(shuffle(entries, order));
  });

/** A record must carry one of the fields that say "CloudTrail" (alone or in an array alike). */
function asTopRecord(r: JObj): JObj {
  const marks = ['eventName', 'eventSource', 'eventTime', 'userIdentity'];
  if (r.entries.some(([k]) => marks.includes(k.s))) return r;
  return obj([[jstr('eventName'), str('CreateKey')], ...r.entries]);
}

/** Whitespace between tokens; `oneLine` leaves out newlines. */
const wsArb = (oneLine: boolean): fc.Arbitrary<string[]> => {
  const pieces = oneLine ? ['', ' ', '\t', '  ', '\r'] : ['', ' ', '\n', '\t', '\r\n', '\n    ', '\n\t\t', '  '];
  return fc.oneof(fc.constant<string[]>([]), fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 6 }));
};

const styleArb = (oneLine: boolean): fc.Arbitrary<Style> =>
  oneLine
    ? fc.oneof(
        fc.constant<Style>({ kind: 'stringify', indent: 0 }),
        wsArb(true).map((ws): Style => ({ kind: 'exotic', ws })),
      )
    : fc.oneof(
        fc.constant<Style>({ kind: 'stringify', indent: 0 }),
        fc.constantFrom<Style>({ kind: 'stringify', indent: 2 }, { kind: 'stringify', indent: 4 }, { kind: 'stringify', indent: '\t' }),
        wsArb(false).map((ws): Style => ({ kind: 'exotic', ws })),
      );

// ---------------------------------------------------------------------------------------------
// Trails: shapes built with the exact place of every record noted.
// ---------------------------------------------------------------------------------------------

interface ExpectedRecord {
  /** JSON.parse of the record's own text in the file. */
  value: unknown;
  /** Byte offset and 1-based line of the slice: the record, the lookup-events row, the envelope. */
  offset: number;
  line: number;
  /** Byte just after the slice's closing brace. */
  end: number;
  /** What `raw` and `multiline` must be. */
  raw: string | undefined;
  multiline: string | undefined;
}

interface Trail {
  shape: Shape;
  text: string;
  bytes: Buffer;
  records: ExpectedRecord[];
  /** Byte just after the last structural character (trailing whitespace excluded). */
  structureEnd: number;
  /** Where the top-level "Records" / "Events" key is: its opening and closing quote. */
  wrapperKey?: [number, number];
}

class Writer {
  private readonly parts: string[] = [];
  pos = 0;
  line = 1;
  structureEnd = 0;

  write(s: string): void {
    this.parts.push(s);
    this.pos += Buffer.byteLength(s, 'utf8');
    this.line += s.split('\n').length - 1;
    if (s.trim() !== '') this.structureEnd = this.pos;
  }

  get text(): string {
    return this.parts.join('');
  }
}

const SHAPES = ['delivery', 'lookup-events', 'jsonl', 'eventbridge', 'bare-array', 'single', 'concatenated'] as const;
type Shape = (typeof SHAPES)[number];

interface TrailSpec {
  shape: Shape;
  records: JObj[];
  /** How records are written (one-line styles for JSON lines). */
  recordStyles: Style[];
  /** How the wrapper (delivery, lookup-events, array) is written around them. */
  wrapStyle: Style;
  wrapWs: string[];
  /** Extra top-level entries of a delivery / lookup-events file, before and after the array. */
  before: Entry[];
  after: Entry[];
  separators: string[];
  lead: string;
  trail: string;
  bom: boolean;
  rowOrder: number[];
  escapeStyle: number[];
  /** How the "Records" / "Events" key is written (mostly plain; escaped ones have their own property). */
  wrapperKeyStyle?: number[];
}

function cycle<T>(items: T[], fallback: T): () => T {
  let k = 0;
  return () => (items.length === 0 ? fallback : items[k++ % items.length]);
}

/** A slice that sits alone in the file: element of Records / a bare array, or a top-level record. */
function writeRecord(w: Writer, text: string, out: ExpectedRecord[]): void {
  const offset = w.pos;
  const line = w.line;
  w.write(text);
  const oneLine = !text.includes('\n');
  out.push({ value: JSON.parse(text), offset, line, end: w.pos, raw: oneLine ? text : undefined, multiline: oneLine ? undefined : text });
}

function buildTrail(spec: TrailSpec): Trail {
  const w = new Writer();
  const out: ExpectedRecord[] = [];
  const ws = cycle(spec.wrapWs, '');
  const style = cycle(spec.recordStyles, { kind: 'stringify', indent: 0 } as Style);
  const sep = cycle(spec.separators, '\n');
  let wrapperKey: [number, number] | undefined;
  if (spec.bom) w.write('\ufeff');
  w.write(spec.lead);
  const entriesText = (entries: Entry[]) =>
    entries.map(([k, v]) => `${quote(k)}${ws()}:${ws()}${render(v, spec.wrapStyle)}${ws()},${ws()}`).join('');

  switch (spec.shape) {
    case 'delivery':
    case 'bare-array': {
      if (spec.shape === 'delivery') {
        w.write(`{${ws()}${entriesText(spec.before)}`);
        const key = quote(jstr('Records', spec.wrapperKeyStyle));
        wrapperKey = [w.pos, w.pos + key.length - 1];
        w.write(`${key}${ws()}:${ws()}`);
      }
      w.write(`[${ws()}`);
      spec.records.forEach((r, i) => {
        if (i > 0) w.write(`,${ws()}`);
        writeRecord(w, render(r, style()), out);
        w.write(ws());
      });
      w.write(']');
      if (spec.shape === 'delivery') {
        const after = entriesText(spec.after);
        // entriesText ends each entry with a comma: move it to the front.
        w.write(`${ws()}${after === '' ? '' : `,${ws()}${after.replace(/,[ \t\r\n]*$/, '')}`}}`);
      }
      break;
    }
    case 'lookup-events': {
      w.write(`{${ws()}${entriesText(spec.before)}`);
      const key = quote(jstr('Events', spec.wrapperKeyStyle));
      wrapperKey = [w.pos, w.pos + key.length - 1];
      w.write(`${key}${ws()}:${ws()}[${ws()}`);
      spec.records.forEach((r, i) => {
        if (i > 0) w.write(`,${ws()}`);
        const recordText = render(r, style());
        const row = obj(
          shuffle<Entry>(
            [
              [jstr('EventId'), str(`0000000${i}-aaaa-bbbb-cccc-dddddddddddd`)],
              [jstr('EventName'), str('CreateKey')],
              [jstr('ReadOnly'), str('false')],
              [jstr('EventTime'), { t: 'num', text: '1709287200.0' }],
              [jstr('EventSource'), str('kms.amazonaws.com')],
              [jstr('Resources'), { t: 'arr', items: [] }],
              [jstr('CloudTrailEvent'), str(recordText, spec.escapeStyle)],
            ],
            spec.rowOrder,
          ),
        );
        const rowText = render(row, spec.wrapStyle);
        const offset = w.pos;
        const line = w.line;
        w.write(rowText);
        const embedded = (JSON.parse(rowText) as { CloudTrailEvent: string }).CloudTrailEvent;
        out.push({
          value: JSON.parse(embedded),
          offset,
          line,
          end: w.pos,
          raw: embedded.includes('\n') ? undefined : embedded,
          multiline: undefined,
        });
        w.write(ws());
      });
      const after = entriesText([[jstr('NextToken'), str('token+/=')], ...spec.after]);
      w.write(`]${ws()},${ws()}${after.replace(/,[ \t\r\n]*$/, '')}}`);
      break;
    }
    case 'jsonl':
    case 'concatenated':
    case 'single': {
      const records = spec.shape === 'single' ? spec.records.slice(0, 1) : spec.records;
      records.forEach((r, i) => {
        if (i > 0) w.write(sep());
        writeRecord(w, render(asTopRecord(r), style()), out);
      });
      break;
    }
    case 'eventbridge': {
      spec.records.forEach((r, i) => {
        if (i > 0) w.write(sep());
        const envelope = obj(
          shuffle<Entry>(
            [
              [jstr('version'), str('0')],
              [jstr('id'), str(`1111111${i}-2222-3333-4444-555555555555`)],
              [jstr('detail-type'), str('AWS API Call via CloudTrail')],
              [jstr('source'), str('aws.kms')],
              [jstr('account'), str('111122223333')],
              [jstr('time'), str('2024-03-01T10:00:00Z')],
              [jstr('region'), str('us-east-1')],
              [jstr('resources'), { t: 'arr', items: [] }],
              [jstr('detail'), r],
            ],
            spec.rowOrder,
          ),
        );
        const text = render(envelope, style());
        const offset = w.pos;
        const line = w.line;
        w.write(text);
        out.push({ value: (JSON.parse(text) as { detail: unknown }).detail, offset, line, end: w.pos, raw: undefined, multiline: undefined });
      });
      break;
    }
  }
  w.write(spec.trail);
  const text = w.text;
  return { shape: spec.shape, text, bytes: Buffer.from(text, 'utf8'), records: out, structureEnd: w.structureEnd, wrapperKey };
}

/** Shapes whose records are top-level values, one per line. */
const ONE_LINE_SHAPES: ReadonlySet<Shape> = new Set(['jsonl', 'eventbridge']);

const trailSpecArb = (shape: Shape, options: { records?: fc.Arbitrary<JObj>; bom?: boolean; maxRecords?: number } = {}): fc.Arbitrary<TrailSpec> => {
  const oneLine = ONE_LINE_SHAPES.has(shape);
  const ws = oneLine ? [' ', '\t', '\r'] : [' ', '\n', '\t', '\r\n'];
  return fc.record({
    shape: fc.constant(shape),
    // Every shape holds records to the same "is this CloudTrail?" test, elements of arrays too.
    records: fc.array((options.records ?? recordArb).map(asTopRecord), { minLength: shape === 'single' ? 1 : 0, maxLength: options.maxRecords ?? 6 }),
    recordStyles: fc.array(styleArb(oneLine), { minLength: 1, maxLength: 3 }),
    wrapStyle: styleArb(false),
    wrapWs: wsArb(false),
    before: shape === 'delivery' || shape === 'lookup-events' ? fc.array(fc.tuple(extraKeyArb, jsonValueArb), { maxLength: 2 }) : fc.constant([]),
    after: shape === 'delivery' || shape === 'lookup-events' ? fc.array(fc.tuple(extraKeyArb, jsonValueArb), { maxLength: 2 }) : fc.constant([]),
    separators: oneLine
      ? fc.array(fc.constantFrom('\n', '\r\n', '\n\n', ' \n', '\n\t', '\n \r\n'), { minLength: 1, maxLength: 3 })
      : fc.array(fc.constantFrom('\n', '\n\n', ' ', '\r\n', '\t\n'), { minLength: 1, maxLength: 3 }),
    lead: fc.string({ unit: fc.constantFrom(...ws), maxLength: 2 }),
    trail: fc.string({ unit: fc.constantFrom(...ws, '\n'), maxLength: 2 }),
    bom: options.bom === false ? fc.constant(false) : fc.boolean(),
    rowOrder: fc.array(fc.nat(20), { maxLength: 9 }),
    escapeStyle: escapeStyleArb,
  });
};

// ---------------------------------------------------------------------------------------------
// Chunking and running the readers.
// ---------------------------------------------------------------------------------------------

interface ChunkPlan {
  mode: 'whole' | 'random' | 'tiny' | 'interesting';
  cuts: number[];
  size: number;
}

const chunkPlanArb: fc.Arbitrary<ChunkPlan> = fc.record({
  mode: fc.constantFrom<ChunkPlan['mode']>('whole', 'random', 'tiny', 'interesting', 'interesting'),
  cuts: fc.array(fc.nat(), { maxLength: 16 }),
  size: fc.integer({ min: 1, max: 9 }),
});

const SCANNER_WORDS = ['eventName', 'eventSource', 'eventTime', 'Records', 'Events', 'CloudTrailEvent'].map((s) => Buffer.from(s));

/** Places where a chunk boundary is most likely to break a byte scanner. */
function interestingCuts(bytes: Buffer): number[] {
  const places: number[] = [1, 2];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x5c) places.push(i + 1, i + 2); // right after a backslash, and after its escaped byte
    if ((b & 0xc0) === 0x80) places.push(i); // inside a multi-byte UTF-8 character
    if (b === 0x22) places.push(i, i + 1); // at a quote
    for (const word of SCANNER_WORDS) {
      if (b === word[0] && bytes.subarray(i, i + word.length).equals(word)) places.push(i + 1, i + (word.length >> 1), i + word.length - 1);
    }
  }
  return places;
}

/** Where the plan cuts `bytes`. */
function cutPositions(bytes: Buffer, plan: ChunkPlan): number[] {
  const n = bytes.length;
  if (n < 2) return [];
  let cuts: number[];
  switch (plan.mode) {
    case 'whole':
      return [];
    case 'tiny':
      cuts = [];
      for (let at = plan.size; at < n; at += plan.size) cuts.push(at);
      break;
    case 'random':
      cuts = plan.cuts.map((c) => 1 + (c % (n - 1)));
      break;
    case 'interesting': {
      const places = interestingCuts(bytes);
      cuts = plan.cuts.map((c) => places[c % places.length]);
      break;
    }
  }
  return [...new Set(cuts.filter((c) => c > 0 && c < n))].sort((a, b) => a - b);
}

/** The bytes in fresh (copied) chunks, cut at `cuts`. */
function chunksAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    if (at > from) chunks.push(Buffer.from(bytes.subarray(from, at)));
    from = at;
  }
  return chunks;
}

function inputAt(bytes: Buffer, cuts: number[], label = LABEL): TrailInput {
  return { label, open: () => Readable.from(chunksAt(bytes, cuts)) };
}

function inputOf(bytes: Buffer, plan: ChunkPlan, label = LABEL): TrailInput {
  return inputAt(bytes, cutPositions(bytes, plan), label);
}

type Reader = (input: TrailInput, options: ReadOptions) => AsyncGenerator<TrailRecord[]>;
const READERS: Array<[string, Reader]> = [
  ['readTrail', readTrail],
  ['readTrailWithStreamJson', readTrailWithStreamJson],
  ['readTrail with the JavaScript loops', readTrailWithJsLoops],
  ['readTrail handing records on unparsed', readTrailUnparsed],
];

interface Run {
  records: TrailRecord[];
  faults: InputFault[];
  /** Records read, kept or not (the readers' progress: what --stats counts). */
  seen: number;
  /** 'r' for each record, 'f' for each fault, in the order they arrived. */
  events: string;
  thrown?: unknown;
}

async function runReader(reader: Reader, input: TrailInput, prefilter?: ReadOptions['prefilter']): Promise<Run> {
  const run: Run = { records: [], faults: [], events: '', seen: 0 };
  try {
    const options: ReadOptions = {
      onFault: (fault) => {
        run.faults.push(fault);
        run.events += 'f';
      },
      onProgress: (progress) => {
        run.seen += progress.records;
      },
    };
    if (prefilter) options.prefilter = prefilter;
    for await (const batch of reader(input, options)) {
      for (const record of batch) {
        run.records.push(record);
        run.events += 'r';
      }
    }
  } catch (error) {
    run.thrown = error;
  }
  return run;
}

/** Deep equality that tells -0 from 0, and on failure shows the first differing record. */
function expectSameValues(actual: unknown[], expected: unknown[], what: string): void {
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (!isDeepStrictEqual(actual[i], expected[i])) {
      expect({ what, index: i, count: actual.length, record: actual[i] }).toEqual({ what, index: i, count: expected.length, record: expected[i] });
      // toEqual does not tell -0 from 0 everywhere; make sure a difference never passes.
      throw new Error(`${what}: record ${i} differs: ${String(JSON.stringify(actual[i]))} vs ${String(JSON.stringify(expected[i]))}`);
    }
  }
}

function faultsText(run: Run): string {
  return JSON.stringify(run.faults);
}

/** Printed with a counterexample: the file as bytes a human can read. */
function showTrail(trail: Trail, plan: ChunkPlan): string {
  const cuts = cutPositions(trail.bytes, plan);
  return `file (${trail.bytes.length} bytes, chunks cut at [${cuts.join(',')}]): ${JSON.stringify(trail.text)}`;
}

/** A truncated file as a counterexample shows it: the prefix, and where its chunks were cut. */
function showPrefix(full: Trail, cut: number, plan: ChunkPlan): string {
  const prefix = full.bytes.subarray(0, cut);
  return `prefix of ${cut} bytes, chunks cut at [${cutPositions(prefix, plan).join(',')}]: ${JSON.stringify(prefix.toString('utf8'))} (of ${full.bytes.length} bytes)`;
}

/** PROPERTY_SCALE=10 npx vitest run ... for a longer hunt; the default keeps the file near 10 s. */
const SCALE = Math.max(1, Number(process.env.PROPERTY_SCALE ?? 1) || 1);
const runs = (n: number) => ({ numRuns: Math.round(n * SCALE) });

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

describe('generated trails: every reader returns exactly the records JSON.parse finds, in order', () => {
  it('the generator itself writes valid JSON (sanity check of the oracle)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SHAPES).chain((shape) => trailSpecArb(shape)), (spec) => {
        const trail = buildTrail(spec);
        const text = trail.text.replace(/^\ufeff/, '');
        if (spec.shape === 'delivery') {
          expectSameValues((JSON.parse(text) as { Records: unknown[] }).Records, trail.records.map((r) => r.value), 'delivery');
        } else if (spec.shape === 'bare-array') {
          expectSameValues(JSON.parse(text) as unknown[], trail.records.map((r) => r.value), 'bare array');
        } else if (spec.shape === 'single') {
          expectSameValues([JSON.parse(text)], trail.records.map((r) => r.value), 'single');
        }
        for (const r of trail.records) {
          expect(trail.bytes[r.offset]).toBe(0x7b);
          expect(trail.bytes[r.end - 1]).toBe(0x7d);
        }
      }),
      runs(200),
    );
  });

  describe.each(SHAPES.map((s) => [s]))('%s', (shape) => {
    it('both readers: same records as JSON.parse, in order, no faults, whatever the chunking', async () => {
      await fc.assert(
        fc.asyncProperty(trailSpecArb(shape, { bom: false }), chunkPlanArb, async (spec, plan) => {
          const trail = buildTrail(spec);
          const expected = trail.records.map((r) => r.value);
          const results: Run[] = [];
          for (const [name, reader] of READERS) {
            const run = await runReader(reader, inputOf(trail.bytes, plan));
            const context = `${name}; ${showTrail(trail, plan)}`;
            expect(run.thrown, context).toBeUndefined();
            const faults = trail.records.length === 0 && shape !== 'delivery' && shape !== 'bare-array' && shape !== 'lookup-events'
              ? run.faults.filter((f) => f.reason !== 'empty input')
              : run.faults;
            expect(faults, `${context}; faults ${faultsText(run)}`).toEqual([]);
            expectSameValues(
              run.records.map((r) => r.record),
              expected,
              context,
            );
            for (const r of run.records) expect(r.file).toBe(LABEL);
            results.push(run);
          }
          // The differential, explicitly: the readers agree record for record.
          expectSameValues(results[0].records.map((r) => r.record), results[1].records.map((r) => r.record), 'readTrail vs stream-json');
          expect(results[2].records.map((r) => ({ offset: r.offset, line: r.line })), 'readTrail: WebAssembly vs JavaScript loops').toEqual(
            results[0].records.map((r) => ({ offset: r.offset, line: r.line })),
          );
          // The splitter also knows where each record was.
          const places = results[0].records.map((r) => ({ offset: r.offset, line: r.line }));
          expect(places, showTrail(trail, plan)).toEqual(trail.records.map((r) => ({ offset: r.offset, line: r.line })));
        }),
        runs(150),
      );
    });
  });

  it('both readers: a UTF-8 byte order mark before any shape is skipped, wherever the first chunk ends', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SHAPES).chain((shape) => trailSpecArb(shape, { bom: true })).filter((s) => s.bom),
        chunkPlanArb,
        async (spec, plan) => {
          const trail = buildTrail(spec);
          for (const [name, reader] of READERS) {
            const run = await runReader(reader, inputOf(trail.bytes, plan));
            const context = `${name}; ${showTrail(trail, plan)}`;
            expect(run.thrown, context).toBeUndefined();
            expect(run.faults.filter((f) => f.reason !== 'empty input'), `${context}; faults ${faultsText(run)}`).toEqual([]);
            expectSameValues(run.records.map((r) => r.record), trail.records.map((r) => r.value), context);
          }
        },
      ),
      runs(150),
    );
  });
});

describe('raw passthrough', () => {
  it('a record read from a one-line slice keeps its text byte for byte; a multi-line one keeps it as `multiline`', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Shape>('delivery', 'bare-array', 'jsonl', 'lookup-events', 'single', 'concatenated', 'eventbridge').chain((shape) => trailSpecArb(shape, { bom: false })),
        chunkPlanArb,
        async (spec, plan) => {
          const trail = buildTrail(spec);
          const run = await runReader(readTrail, inputOf(trail.bytes, plan));
          const context = showTrail(trail, plan);
          expect(run.thrown, context).toBeUndefined();
          expect(run.records.length, context).toBe(trail.records.length);
          run.records.forEach((got, i) => {
            const want = trail.records[i];
            expect(got.raw, `record ${i}; ${context}`).toBe(want.raw);
            expect(got.multiline, `record ${i}; ${context}`).toBe(want.multiline);
            if (got.raw !== undefined) {
              expect(isDeepStrictEqual(JSON.parse(got.raw), got.record), `record ${i}: JSON.parse(raw) vs record; ${context}`).toBe(true);
              if (spec.shape !== 'lookup-events') {
                // Byte-identical to the file's bytes for that record.
                expect(Buffer.from(got.raw, 'utf8').equals(trail.bytes.subarray(want.offset, want.end)), `record ${i}; ${context}`).toBe(true);
              }
            }
          });
        },
      ),
      runs(200),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Prefilter soundness.
// ---------------------------------------------------------------------------------------------

interface FilterChoice {
  event: string[];
  allSources: boolean;
  since?: string;
  until?: string;
}

const filterChoiceArb: fc.Arbitrary<FilterChoice> = fc.record(
  {
    event: fc.constantFrom(['CreateKey'], ['createkey'], ['Create*'], ['Decrypt,Encrypt'], ['*Key*'], ['ListKeys'], ['c?eateKey']),
    allSources: fc.boolean(),
    since: fc.constantFrom('2024-03-01T00:00:00Z', '2024-03-01', '2024-02-29T23:59:59.5Z'),
    until: fc.constantFrom('2024-03-02T00:00:00Z', '2024-03-01T10:00:00Z'),
  },
  { requiredKeys: ['event', 'allSources'] },
);

function filterFor(choice: FilterChoice) {
  const raw: RawFilterOptions = { event: choice.event };
  if (choice.allSources) raw.allSources = true;
  if (choice.since !== undefined) raw.since = choice.since;
  if (choice.until !== undefined) raw.until = choice.until;
  return buildRecordFilter(filterSpecFromOptions(raw, NOW));
}

/** Runs readTrail with the filter's prefilter; every record `matches` accepts must come out. */
async function checkPrefilter(spec: TrailSpec, plan: ChunkPlan, choice: FilterChoice): Promise<void> {
  const trail = buildTrail(spec);
  const filter = filterFor(choice);
  const all = trail.records.map((r) => r.value as JsonObject);
  const run = await runReader(readTrail, inputOf(trail.bytes, plan), filter.hot);
  // What the time window noted while reading (the checks below ask it more).
  const notes = (times: TimesSeen | undefined) => times && { first: times.first, last: times.last, untimed: times.untimed, inside: times.inside > 0 };
  const noted = notes(filter.times);
  const context = `${JSON.stringify(choice)}; ${showTrail(trail, plan)}`;
  expect(run.thrown, context).toBeUndefined();
  expect(run.faults.filter((f) => f.reason !== 'empty input'), context).toEqual([]);
  // What came out is a subsequence of the file's records (by place), each as JSON.parse reads it...
  const byOffset = new Map(trail.records.map((r, i) => [r.offset, i]));
  let last = -1;
  for (const got of run.records) {
    const i = byOffset.get(got.offset);
    expect(i, `record at ${got.offset} is not one of the file's; ${context}`).toBeDefined();
    expect(i as number, context).toBeGreaterThan(last);
    last = i as number;
    expect(isDeepStrictEqual(got.record, all[i as number]), context).toBe(true);
  }
  // ...and nothing that matches was dropped by the pre-check.
  expectSameValues(
    run.records.map((r) => r.record).filter((r) => filter.matches(r)),
    all.filter((r) => filter.matches(r)),
    `prefiltered ${context}`,
  );
  // The splitter's JavaScript loops pass over exactly the same records, and leave the time
  // window the same notes (its own filter: the window notes what it is asked about).
  const jsFilter = filterFor(choice);
  const js = await runReader(readTrailWithJsLoops, inputOf(trail.bytes, plan), jsFilter.hot);
  expect(noted, `time window notes; ${context}`).toEqual(notes(jsFilter.times));
  expect(js.records.map((r) => [r.offset, r.line]), `JavaScript loops; ${context}`).toEqual(run.records.map((r) => [r.offset, r.line]));
  // ...and the places are the file's.
  for (const got of run.records) expect(got.line, context).toBe(trail.records[byOffset.get(got.offset) as number].line);
  expect(js.faults, `JavaScript loops; ${context}`).toEqual(run.faults);
  // Every record is counted as read, kept or ruled out unparsed.
  expect(js.seen, `JavaScript loops, records read; ${context}`).toBe(run.seen);
  expect(run.seen, `records read; ${context}`).toBe(trail.records.length);
}

describe('prefilter soundness: hot fields are only a pre-check', () => {
  it('every record that matches is still yielded by readTrail with the prefilter', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SHAPES).chain((shape) => trailSpecArb(shape, { bom: false })),
        chunkPlanArb,
        filterChoiceArb,
        checkPrefilter,
      ),
      runs(200),
    );
  });

  it('many records in big chunks: those the verdicts rule out are passed over unparsed, yet counted, and nothing else changes', async () => {
    const passedBefore = recordsPassedOver();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Shape>('delivery', 'bare-array').chain((shape) => trailSpecArb(shape, { bom: false, maxRecords: 40 })),
        fc.record({ mode: fc.constantFrom<ChunkPlan['mode']>('whole', 'random'), cuts: fc.array(fc.nat(), { maxLength: 3 }), size: fc.constant(9) }),
        filterChoiceArb,
        checkPrefilter,
      ),
      runs(150),
    );
    // Records are passed over (93 at the lowest seed seen): a bound that holds for any seed.
    expect(recordsPassedOver() - passedBefore).toBeGreaterThan(30 * SCALE);
  });

  /**
   * A record whose eventName / eventSource is given twice: first a value the filter rejects, last
   * one it accepts. `escapeSecond`: the second key is written with at least one \uXXXX escape
   * (`"event\u004eame"`), which JSON.parse reads as the same key.
   */
  const duplicatedRecordArb = (escapeSecond: boolean): fc.Arbitrary<JObj> =>
    fc
      .tuple(
        recordArb,
        fc.constantFrom('eventName', 'eventSource'),
        hotValueArb(['Decrypt', 's3.amazonaws.com', 'ListKeys']),
        escapeSecond
          ? fc.tuple(fc.nat(10), fc.constantFrom(1, 3), escapeStyleArb).map(([at, how, rest]) => {
              const style = Array.from({ length: 11 }, (_, i) => (rest.length > 0 ? rest[i % rest.length] : 0));
              style[at] = how;
              return style;
            })
          : fc.constant<number[]>([]),
      )
      .map(([r, field, first, keyStyle]) => {
        const rest = r.entries.filter(([k]) => k.s !== 'eventName' && k.s !== 'eventSource');
        const lastValue = field === 'eventName' ? 'CreateKey' : 'kms.amazonaws.com';
        const other: Entry = field === 'eventName' ? [jstr('eventSource'), str('kms.amazonaws.com')] : [jstr('eventName'), str('CreateKey')];
        return obj([[jstr(field), first], other, ...rest, [jstr(field, keyStyle), str(lastValue)]]);
      });

  const duplicateProperty = (escapeSecond: boolean) =>
    fc.asyncProperty(
      fc.constantFrom<Shape>('delivery', 'jsonl', 'bare-array', 'single', 'lookup-events', 'eventbridge').chain((shape) =>
        trailSpecArb(shape, { bom: false, records: duplicatedRecordArb(escapeSecond) }),
      ),
      chunkPlanArb,
      fc.constant<FilterChoice>({ event: ['CreateKey'], allSources: false }),
      checkPrefilter,
    );

  // Found at HEAD cc00fd0 (and by test/e2e/differential.test.ts "a field given twice in a
  // record"): `{"Records":[{"eventName":"Decrypt","eventSource":"kms.amazonaws.com","eventName":"CreateKey"}]}`
  // with --event CreateKey gave no record. Fixed in the working tree (RecordSplitter.repeatedHotKey).
  it('a hot field given twice (same spelling): the last value counts, as in JSON.parse', async () => {
    await fc.assert(duplicateProperty(false), runs(100));
  });

  // Found by this suite after the fix above: the repeat check compared raw key bytes, so a repeated
  // key written with a JSON escape was not seen as a repeat, and the pre-check still ruled the
  // record out on the first value, while JSON.parse (and `matches`, jq, --reader stream-json) see
  // the last one: a crafted log line could hide an event from `--event` / `--source`. Minimal
  // counterexample (readTrail, prefilter of `--event CreateKey`, default source kms, one chunk):
  //   [{"eventName":"Decrypt","eventSource":"kms.amazonaws.com","\u0065\u0076\u0065\u006e\u0074\u004e\u0061\u006d\u0065":"CreateKey"}]
  // gave no record and no fault (one escaped letter, "event\u004eame", is enough).
  it('a hot field given twice, the second key written with escapes: the last value counts', async () => {
    await fc.assert(duplicateProperty(true), runs(100));
  });
});

// ---------------------------------------------------------------------------------------------
// Truncated downloads.
// ---------------------------------------------------------------------------------------------

const TRUNCATION_SHAPES = ['delivery-compact', 'delivery-pretty', 'jsonl'] as const;
type TruncationShape = (typeof TRUNCATION_SHAPES)[number];

const truncationSpecArb = (shape: TruncationShape): fc.Arbitrary<TrailSpec> =>
  fc.record({
    shape: fc.constant<Shape>(shape === 'jsonl' ? 'jsonl' : 'delivery'),
    records: fc.array(recordArb.map(asTopRecord), { minLength: 1, maxLength: 5 }),
    recordStyles: shape === 'delivery-pretty'
      ? fc.constantFrom<Style[]>([{ kind: 'stringify', indent: 2 }], [{ kind: 'stringify', indent: 4 }])
      : fc.array(styleArb(true), { minLength: 1, maxLength: 2 }),
    wrapStyle: fc.constant<Style>(shape === 'delivery-pretty' ? { kind: 'stringify', indent: 2 } : { kind: 'stringify', indent: 0 }),
    wrapWs: fc.constant(shape === 'delivery-pretty' ? ['\n  '] : []),
    before: shape === 'jsonl' ? fc.constant([]) : fc.array(fc.tuple(extraKeyArb, jsonValueArb), { maxLength: 1 }),
    after: shape === 'jsonl' ? fc.constant([]) : fc.array(fc.tuple(extraKeyArb, jsonValueArb), { maxLength: 1 }),
    separators: fc.constantFrom(['\n'], ['\r\n'], ['\n', '\n\n']),
    lead: fc.constant(''),
    trail: fc.constantFrom('', '\n'),
    bom: fc.constant(false),
    rowOrder: fc.constant([]),
    escapeStyle: fc.constant([]),
  });

describe('truncated downloads: complete records first, then one fault naming the file and offset', () => {
  describe.each(TRUNCATION_SHAPES.map((s) => [s]))('%s', (shape) => {
    it('readTrail: every prefix', async () => {
      await fc.assert(
        fc.asyncProperty(truncationSpecArb(shape), fc.nat(), chunkPlanArb, async (spec, cutSeed, plan) => {
          const full = buildTrail(spec);
          const cut = cutSeed % (full.bytes.length + 1);
          const prefix = full.bytes.subarray(0, cut);
          // Computed from the written positions only: complete means the closing brace is in.
          const complete = full.records.filter((r) => r.end <= cut);
          const inside = full.records.some((r) => r.offset < cut && cut < r.end);
          const faultExpected = cut === 0 || (spec.shape === 'delivery' ? cut < full.structureEnd : inside);

          const run = await runReader(readTrail, inputOf(prefix, plan));
          const context = `${showPrefix(full, cut, plan)}; faults ${faultsText(run)}`;
          expect(run.thrown, context).toBeUndefined();
          expectSameValues(run.records.map((r) => r.record), complete.map((r) => r.value), context);
          expect(run.records.map((r) => r.offset), context).toEqual(complete.map((r) => r.offset));
          if (!faultExpected) {
            expect(run.faults, context).toEqual([]);
            return;
          }
          expect(run.faults.length, context).toBe(1);
          const [fault] = run.faults;
          expect(fault.file, context).toBe(LABEL);
          expect(fault.warning, context).toBeFalsy(); // a real error: exit code 1
          if (cut === 0) {
            expect(fault.reason, context).toBe('empty input');
          } else {
            expect(typeof fault.offset, context).toBe('number');
            expect(fault.offset as number, context).toBeGreaterThanOrEqual(0);
            expect(fault.offset as number, context).toBeLessThanOrEqual(cut);
            expect(fault.reason, context).toBe('truncated or corrupt input');
          }
          // Records first, then the fault.
          expect(run.events, context).toBe(`${'r'.repeat(complete.length)}f`);
        }),
        runs(300),
      );
    });

    it('stream-json reader: every prefix, every complete record and in order, then a fault naming the file', async () => {
      await fc.assert(
        fc.asyncProperty(truncationSpecArb(shape), fc.nat(), chunkPlanArb, async (spec, cutSeed, plan) => {
          const full = buildTrail(spec);
          const cut = cutSeed % (full.bytes.length + 1);
          const prefix = full.bytes.subarray(0, cut);
          const complete = full.records.filter((r) => r.end <= cut);
          const inside = full.records.some((r) => r.offset < cut && cut < r.end);
          const faultExpected = cut === 0 || (spec.shape === 'delivery' ? cut < full.structureEnd : inside);

          const run = await runReader(readTrailWithStreamJson, inputOf(prefix, plan));
          const context = `${showPrefix(full, cut, plan)}; faults ${faultsText(run)}`;
          expect(run.thrown, context).toBeUndefined();
          expectSameValues(run.records.map((r) => r.record), complete.map((r) => r.value), context);
          if (!faultExpected) {
            expect(run.faults, context).toEqual([]);
            expect(run.records.length, context).toBe(complete.length);
            return;
          }
          expect(run.faults.length, context).toBe(1);
          expect(run.faults[0].file, context).toBe(LABEL);
          expect(run.faults[0].warning, context).toBeFalsy();
          expect(run.events, context).toBe(`${'r'.repeat(run.records.length)}f`);
        }),
        runs(150),
      );
    });
  });
});

describe('wrapper keys written with escapes', () => {
  /** "Records" / "Events" with at least one letter written as \uXXXX: JSON.parse reads the same key. */
  const escapedKeyStyleArb = fc
    .tuple(fc.nat(6), fc.constantFrom(1, 3), fc.array(fc.nat(3), { maxLength: 7 }))
    .map(([at, how, rest]) => {
      const style = Array.from({ length: 7 }, (_, i) => (rest.length > 0 ? rest[i % rest.length] : 0));
      style[at] = how;
      return style;
    });

  // Regression guard (was a bug, fixed by decoding escaped keys): readTrail recognised the "Records" / "Events" wrapper only by its raw bytes, so a wrapper
  // key written with a JSON escape (`"Rec\u006frds"`, `"\u0045vents"`), which JSON.parse (and jq,
  // and --reader stream-json) read as "Records" / "Events", is not one: the whole file becomes a
  // single top-level slice (held in memory whole), and is then dropped with the fault "\"Records\"
  // is not an array; skipped", which is wrong, it is an array. No real producer escapes ASCII
  // letters in keys, so this is about agreeing with JSON.parse (and the misleading message), not
  // about real trails. fast-check's minimal counterexample (readTrail, one chunk):
  //   {"\u0052ecords":[]}
  // expected: no records and no fault (stream-json: same); got: fault {"message":"\"Records\" is
  // not an array; skipped","offset":0,"line":1,"reason":"not a CloudTrail record"}. With a record,
  // `{"Rec\u006frds":[{"eventName":"A"}]}` gives [] and that fault instead of [{"eventName":"A"}].
  it('readTrail: the same records as JSON.parse when the wrapper key is escaped', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Shape>('delivery', 'lookup-events').chain((shape) =>
          fc.tuple(trailSpecArb(shape, { bom: false }), escapedKeyStyleArb).map(([spec, wrapperKeyStyle]) => ({ ...spec, wrapperKeyStyle })),
        ),
        chunkPlanArb,
        async (spec, plan) => {
          const trail = buildTrail(spec);
          const run = await runReader(readTrail, inputOf(trail.bytes, plan));
          const context = showTrail(trail, plan);
          expect(run.faults, `${context}; faults ${faultsText(run)}`).toEqual([]);
          expectSameValues(run.records.map((r) => r.record), trail.records.map((r) => r.value), context);
        },
      ),
      runs(50),
    );
  });

  it('stream-json reader: the same records as JSON.parse when the wrapper key is escaped', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Shape>('delivery', 'lookup-events').chain((shape) =>
          fc.tuple(trailSpecArb(shape, { bom: false }), escapedKeyStyleArb).map(([spec, wrapperKeyStyle]) => ({ ...spec, wrapperKeyStyle })),
        ),
        chunkPlanArb,
        async (spec, plan) => {
          const trail = buildTrail(spec);
          const run = await runReader(readTrailWithStreamJson, inputOf(trail.bytes, plan));
          const context = showTrail(trail, plan);
          expect(run.faults, `${context}; faults ${faultsText(run)}`).toEqual([]);
          expectSameValues(run.records.map((r) => r.record), trail.records.map((r) => r.value), context);
        },
      ),
      runs(50),
    );
  });
});

describe('truncated downloads: the stream-json reader', () => {
  // Regression guard (was a bug, fixed by taking tokens from 'data' events): readTrailWithStreamJson could lose the last complete records before a truncation. When the
  // input ends mid-value, stream-json's parser fails in its flush and the token stream is destroyed
  // with that error; `for await` over a destroyed Node stream stops reading at once, so the tokens
  // still buffered in it (up to its highWaterMark, 16) are dropped, and with them the endObject of
  // a record the parser had already read whole. Whether that happens depends on how the chunks
  // fell (how far the consumer lags when the final write completes): the property above, with
  // random chunking, hits it in roughly one run in four or five of its 150 cases per shape, so it
  // only asks for a prefix of the complete records; this example is deterministic.
  // Found by the truncation property (delivery-pretty shape); fast-check's counterexample was a
  // 1,376-byte file cut at 1,262 bytes, chunks [0,544) [544,1040) [1040,1262): readTrail gave 3
  // records, stream-json 2. Reduced by hand (delta debugging) to these 239 bytes, the prefix of a
  // delivery file cut right after its 3rd record, in 3 chunks of 113, 119 and 7 bytes:
  //   {"":[[],{"":{"":"","":null,"":0}}],"Records":[{"":"","":"","":{"":null}},{"":"","":"","":"","":{},"":{"":{"":1,""
  //   | :"","":false},"":0,"":{"":null,"":1}}},{"":"","":"","":"","":{"":{"":8},"":[null,1,null]},"":null,"":[null],"":{"":3,""
  //   | :null}}
  // Expected (as readTrail, and as with the same bytes in one chunk): the 3 records, then the
  // fault. Got: the first 2 records, then the fault ("malformed JSON (Parser cannot parse input:
  // expected ',') (after 239 bytes of data)"); the 3rd record, complete in the input, is lost.
  // (Each record now starts with an eventName, which makes it a CloudTrail record to both readers.)
  it('keeps every record completed before the truncation, however the chunks fell', async () => {
    const chunks = [
      '{"":[[],{"":{"":"","":null,"":0}}],"Records":[{"eventName":"A","":"","":{"":null}},{"eventName":"B","":"","":"","":{},"":{"":{"":1,""',
      ':"","":false},"":0,"":{"":null,"":1}}},{"eventName":"C","":"","":"","":{"":{"":8},"":[null,1,null]},"":null,"":[null],"":{"":3,""',
      ':null}}',
    ];
    const bytes = Buffer.from(chunks.join(''));
    const cuts = [chunks[0].length, chunks[0].length + chunks[1].length];
    const oracle = await runReader(readTrail, inputAt(bytes, []));
    expect(oracle.records).toHaveLength(3);
    const run = await runReader(readTrailWithStreamJson, inputAt(bytes, cuts));
    expect(run.faults).toHaveLength(1);
    expectSameValues(run.records.map((r) => r.record), oracle.records.map((r) => r.record), 'stream-json, 3 chunks');
  });
});

// ---------------------------------------------------------------------------------------------
// The samples: both readers agree, whatever the chunking.
// ---------------------------------------------------------------------------------------------

function sampleFiles(): string[] {
  const dirs = ['samples', 'test/fixtures/shapes', 'test/fixtures/records'];
  return dirs.flatMap((d) =>
    readdirSync(join(ROOT, d))
      .filter((f) => /\.(json|jsonl|gz)$/.test(f) || f === 'delivery-gz-no-extension')
      .map((f) => join(d, f)),
  );
}

describe('samples: both readers, random chunking, same records in the same order', () => {
  const files = sampleFiles();
  it('finds the samples', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((f) => [f]))('%s', async (file) => {
    const bytes = readFileSync(join(ROOT, file));
    const whole = await runReader(readTrail, inputOf(bytes, { mode: 'whole', cuts: [], size: 1 }, file));
    expect(whole.thrown).toBeUndefined();
    expect(whole.faults).toEqual([]);
    expect(whole.records.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(chunkPlanArb.filter((p) => p.mode !== 'tiny' || p.size > 4), async (plan) => {
        for (const [name, reader] of READERS) {
          const run = await runReader(reader, inputOf(bytes, plan, file));
          expect(run.thrown, name).toBeUndefined();
          expect(run.faults, name).toEqual([]);
          expectSameValues(run.records.map((r) => r.record), whole.records.map((r) => r.record), `${name}, ${file}`);
        }
      }),
      runs(10),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// gzip: the compressed bytes cut at random places.
// ---------------------------------------------------------------------------------------------

describe('gzipped trails', () => {
  it('both readers: the same records as JSON.parse, whatever the compressed chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SHAPES).chain((shape) => trailSpecArb(shape)),
        chunkPlanArb,
        async (spec, plan) => {
          const trail = buildTrail(spec);
          const gz = gzipSync(trail.bytes);
          for (const [name, reader] of READERS) {
            const run = await runReader(reader, inputOf(gz, plan));
            const context = `${name}; gzip of ${showTrail(trail, { mode: 'whole', cuts: [], size: 1 })}, cut at [${cutPositions(gz, plan).join(',')}]`;
            expect(run.thrown, context).toBeUndefined();
            expect(run.faults.filter((f) => f.reason !== 'empty input'), `${context}; faults ${faultsText(run)}`).toEqual([]);
            expectSameValues(run.records.map((r) => r.record), trail.records.map((r) => r.value), context);
          }
        },
      ),
      runs(100),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Chunk boundaries that broke the readers at HEAD (cc00fd0), found by this suite; fixed in the
// working tree. The general properties above cut anywhere; these aim at the exact places.
// ---------------------------------------------------------------------------------------------

describe('chunk boundaries in the worst places', () => {
  // Was: RecordSplitter.stringEnded() gave up on a key whose bytes began in an earlier chunk
  // ("too rare to decode") before checking for the wrapper keys, so a cut inside the top-level
  // "Records" / "Events" key made the whole file one top-level value, dropped at the end with
  // "\"Records\" is not an array; skipped": zero records, exit code 1. Minimal counterexample:
  // `{"Records":[{}]}` cut as `{"Re` | `cords":[{}]}` gave [] instead of [{}]. Seen on a real
  // file too: samples/111111111111_CloudTrail_eu-central-1_...json.gz with its compressed bytes cut
  // at 158..161 (gunzip's first output chunk ends inside "Records").
  it('readTrail: a chunk boundary inside the "Records" / "Events" key', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Shape>('delivery', 'lookup-events').chain((shape) => trailSpecArb(shape, { bom: false })),
        fc.nat(),
        chunkPlanArb,
        async (spec, seed, plan) => {
          const trail = buildTrail(spec);
          const [open, close] = trail.wrapperKey as [number, number];
          // A cut in (open + 1, close]: the key's bytes begin in one chunk and end in the next.
          const cut = open + 2 + (seed % (close - open - 1));
          const cuts = [...new Set([...cutPositions(trail.bytes, plan), cut])].sort((a, b) => a - b);
          const context = `${showTrail(trail, { mode: 'whole', cuts: [], size: 1 })} cut at [${cuts.join(',')}]`;
          for (const [name, reader] of READERS) {
            const run = await runReader(reader, inputAt(trail.bytes, cuts));
            expect(run.faults, `${name}; ${context}; faults ${faultsText(run)}`).toEqual([]);
            expectSameValues(run.records.map((r) => r.record), trail.records.map((r) => r.value), `${name}; ${context}`);
          }
        },
      ),
      runs(100),
    );
  });

  // Was: RecordSplitter.topLevelStart() skipped a byte order mark only when its 3 bytes were in
  // one chunk; EF | BB BF `{"Records":[{}]}` gave a fault ("expected a JSON object or array, found
  // byte 0xef") and, the splitter then skipping to the next newline, no records.
  it('both readers: a chunk boundary inside a leading byte order mark', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SHAPES).chain((shape) => trailSpecArb(shape, { bom: true })).filter((s) => s.bom),
        fc.constantFrom<number[]>([1], [2], [1, 2]),
        async (spec, cuts) => {
          const trail = buildTrail(spec);
          const context = `${showTrail(trail, { mode: 'whole', cuts: [], size: 1 })} cut at [${cuts.join(',')}]`;
          for (const [name, reader] of READERS) {
            const run = await runReader(reader, inputAt(trail.bytes, cuts));
            expect(run.faults.filter((f) => f.reason !== 'empty input'), `${name}; ${context}; faults ${faultsText(run)}`).toEqual([]);
            expectSameValues(run.records.map((r) => r.record), trail.records.map((r) => r.value), `${name}; ${context}`);
          }
        },
      ),
      runs(100),
    );
  });

  // Was: decodedChunks recognised gzip only when the first chunk held both magic bytes, so a first
  // chunk of 1 byte (1F) sent the compressed bytes to the JSON reader as text, with both readers:
  // gzip of `{"eventName":"CreateKey"}` cut after byte 1 gave no records and "expected a JSON object
  // or array, found byte 0x1f" (readTrail) / "malformed JSON (Parser cannot parse input: expected
  // a value)" (stream-json).
  it('both readers: first chunks holding less than the gzip magic number', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SHAPES).chain((shape) => trailSpecArb(shape, { bom: false })),
        fc.constantFrom<number[]>([1], [1, 2], [1, 2, 3]),
        async (spec, cuts) => {
          const trail = buildTrail(spec);
          const gz = gzipSync(trail.bytes);
          const context = `gzip of ${showTrail(trail, { mode: 'whole', cuts: [], size: 1 })}, cut at [${cuts.join(',')}]`;
          for (const [name, reader] of READERS) {
            const run = await runReader(reader, inputAt(gz, cuts));
            expect(run.faults.filter((f) => f.reason !== 'empty input'), `${name}; ${context}; faults ${faultsText(run)}`).toEqual([]);
            expectSameValues(run.records.map((r) => r.record), trail.records.map((r) => r.value), `${name}; ${context}`);
          }
        },
      ),
      runs(60),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// A file read in two parts (src/pipeline/split-file.ts): the first part up to a guessed record
// start, the second from there by a splitter resumed in the middle of the Records array.
// ---------------------------------------------------------------------------------------------

describe('a file read in two parts gives what reading it whole gives', () => {
  interface PartRun {
    records: TrailRecord[];
    faults: InputFault[];
  }
  const readPart = async (input: TrailInput, part: TrailPartOptions): Promise<PartRun> => {
    const run: PartRun = { records: [], faults: [] };
    for await (const batch of readTrail(input, { onFault: (fault) => run.faults.push(fault) }, part)) run.records.push(...batch);
    return run;
  };
  const place = (r: TrailRecord) => ({ offset: r.offset, line: r.line, raw: r.raw, multiline: r.multiline });
  /** Every '{': planSplit only ever proposes the start of an object. */
  const braces = (bytes: Buffer) => [...bytes.keys()].filter((i) => bytes[i] === 0x7b);

  const splitSpecArb = fc.oneof(
    fc.constantFrom(...SHAPES).chain((shape) => trailSpecArb(shape, { bom: false })),
    fc.constantFrom<TruncationShape>('delivery-compact', 'delivery-pretty').chain((shape) => truncationSpecArb(shape)),
  );

  it('at every object start, truncated or not: same records, places and faults, or the split is refused', async () => {
    await fc.assert(
      fc.asyncProperty(splitSpecArb, fc.nat(), fc.boolean(), chunkPlanArb, async (spec, cutSeed, truncate, plan) => {
        const full = buildTrail(spec);
        const bytes = truncate ? full.bytes.subarray(0, cutSeed % (full.bytes.length + 1)) : full.bytes;
        const whole = await readPart(inputOf(bytes, plan), {});
        const starts = new Set(full.records.map((r) => r.offset));
        for (const at of braces(bytes)) {
          let between: boolean | undefined;
          let lineThere = 0;
          const head = await readPart(inputOf(bytes, plan), {
            splitAt: {
              offset: at,
              handOver: (ok, line) => {
                between = ok;
                lineThere = line;
                return ok;
              },
            },
          });
          const context = `split at ${at} (between records: ${between}) of ${showTrail({ ...full, bytes, text: bytes.toString('utf8') }, plan)}`;
          expect(between, context).toBeDefined();
          let records = head.records;
          let faults = head.faults;
          if (between) {
            const tail = await readPart(inputOf(bytes.subarray(at), plan), { resume: { point: { offset: at, line: 1, ...RECORDS_ELEMENT }, inputOffset: at } });
            const shift = (line: number | undefined) => (line === undefined ? undefined : line + lineThere - 1);
            records = [...head.records, ...tail.records.map((r) => ({ ...r, line: shift(r.line) as number }))];
            faults = [...head.faults, ...tail.faults.map((f) => ({ ...f, line: shift(f.line) }))];
          }
          expectSameValues(records.map((r) => r.record), whole.records.map((r) => r.record), context);
          expect(records.map(place), context).toEqual(whole.records.map(place));
          expect(faults, context).toEqual(whole.faults);
          // Not only sound but useful: every record after the first of an intact Records array is a
          // place to split.
          if (spec.shape === 'delivery' && !truncate && starts.has(at) && at !== full.records[0]?.offset) {
            expect(between, context).toBe(true);
          }
        }
      }),
      runs(60),
    );
  });
});

describe('a file handed back at a record: the rest read from there gives what reading whole gives', () => {
  const readAll = async (input: TrailInput, part: TrailPartOptions) => {
    const run = { records: [] as TrailRecord[], faults: [] as InputFault[] };
    for await (const batch of readTrail(input, { onFault: (fault) => run.faults.push(fault) }, part)) run.records.push(...batch);
    return run;
  };
  const place = (r: TrailRecord) => ({ offset: r.offset, line: r.line, raw: r.raw, multiline: r.multiline });

  it('every shape, every record, truncated or not: records before it, then the rest resumed there', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SHAPES).chain((shape) => trailSpecArb(shape)),
        fc.nat(),
        fc.boolean(),
        chunkPlanArb,
        async (spec, cutSeed, truncate, plan) => {
          const full = buildTrail(spec);
          const bytes = truncate ? full.bytes.subarray(0, cutSeed % (full.bytes.length + 1)) : full.bytes;
          // Every record counts as huge: its place is noted (when a chunk ends inside it, and when it
          // is complete), and reading goes on. A wrapper object is asked about too, while it is not
          // yet known to be one: reading on from there is reading the whole file.
          const asked = new Map<number, ResumePoint>();
          const whole = await readAll(inputOf(bytes, plan), { handBackBytes: 0, handBack: (point) => (asked.set(point.offset, point), false) });
          for (const record of whole.records) expect(asked.has(record.offset)).toBe(true);
          for (const [k, point] of [...asked.values()].entries()) {
            const context = `hand back at record ${k} (${JSON.stringify(point)}) of ${showTrail({ ...full, bytes, text: bytes.toString('utf8') }, plan)}`;
            const before = await readAll(inputOf(bytes, plan), { handBackBytes: 0, handBack: (p) => p.offset === point.offset });
            const rest = await readAll(inputOf(bytes, plan), { resume: { point, inputOffset: 0 } });
            const records = [...before.records, ...rest.records];
            expectSameValues(records.map((r) => r.record), whole.records.map((r) => r.record), context);
            expect(records.map(place), context).toEqual(whole.records.map(place));
            expect([...before.faults, ...rest.faults], context).toEqual(whole.faults);
          }
        },
      ),
      runs(60),
    );
  });
});
