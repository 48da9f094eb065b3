/**
 * Differential tests: the record splitter (`readTrail`) and the stream-json reader are two
 * independent readings of the same bytes, so on every broken input they must agree: the same
 * records at the same places, the same faults (reason, byte offset, line) in the same order. Only
 * the wording of a fault may differ (each says what its own parser saw).
 *
 * Two corpora: the hand-made broken files of test/fixtures/bad (and the good shapes beside them),
 * each read whole and in small chunks; and generated `Records` arrays of real records with one
 * corruption inside a record (a stray or missing brace, a missing comma, a byte deleted or
 * inserted), where on top of agreeing the readers must keep every record the damage cannot reach.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filterSpecFromOptions } from '../../../src/cli/options/filter-options.js';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { buildRecordFilter } from '../../../src/filters/record-filter.js';
import { MAX_CHUNK, recordsPassedOver } from '../../../src/reader/json-scan.js';
import type { ReadOptions } from '../../../src/reader/read-options.js';
import { readTrailWithStreamJson } from '../../../src/reader/stream-json-reader.js';
import { readTrail, readTrailBytes } from '../../../src/reader/trail-reader.js';
import { UnparsedRecord, type InputFault, type TrailRecord } from '../../../src/reader/trail-record.js';
import type { TrailInput } from '../../../src/sources/trail-input.js';
import { readTrailWithJsLoops } from '../../helpers/js-loops-reader.js';
import { readTrailUnparsed, unparsedSeen } from '../../helpers/unparsed-reader.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');

type Reader = (input: TrailInput, options: ReadOptions) => AsyncGenerator<TrailRecord[]>;

interface Reading {
  records: Array<{ record: JsonObject; offset: number; line: number }>;
  faults: Array<Pick<InputFault, 'reason' | 'offset' | 'line' | 'warning' | 'silent'>>;
  /** The faults' messages (wordings differ between the readers; their endings are shared). */
  messages: string[];
  /** 'r' per record, 'f' per fault, in the order they came. */
  order: string;
}

function inputOf(bytes: Buffer, chunk: number, label: string): TrailInput {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunk) chunks.push(Buffer.from(bytes.subarray(at, at + chunk)));
  return { label, open: () => Readable.from(chunks) };
}

async function read(reader: Reader, input: TrailInput, more: Partial<ReadOptions> = {}): Promise<Reading> {
  const reading: Reading = { records: [], faults: [], messages: [], order: '' };
  const options: ReadOptions = {
    ...more,
    onFault: (fault) => {
      const { reason, offset, line, warning, silent } = fault;
      reading.faults.push({ reason, offset, line, ...(warning ? { warning } : {}), ...(silent ? { silent } : {}) });
      reading.messages.push(fault.message);
      reading.order += 'f';
    },
  };
  for await (const batch of reader(input, options)) {
    for (const r of batch) {
      reading.records.push({ record: r.record, offset: r.offset, line: r.line });
      reading.order += 'r';
    }
  }
  return reading;
}

async function bothReadings(bytes: Buffer, chunk: number, label: string, more: Partial<ReadOptions> = {}): Promise<[Reading, Reading]> {
  const splitter = await read(readTrail, inputOf(bytes, chunk, label), more);
  // The splitter's WebAssembly loops stand in for its JavaScript loops, which must read the same.
  expect(await read(readTrailWithJsLoops, inputOf(bytes, chunk, label), more), `${label}: the splitter's JavaScript loops`).toEqual(splitter);
  // Records handed on unparsed, as when every record is printed, must be the same records.
  expect(await read(readTrailUnparsed, inputOf(bytes, chunk, label), more), `${label}: records handed on unparsed`).toEqual(splitter);
  return [splitter, await read(readTrailWithStreamJson, inputOf(bytes, chunk, label), more)];
}

const CHUNKINGS = [1 << 20, 1000, 61, 7];
/** PROPERTY_SCALE=10 for a longer hunt. */
const SCALE = Math.max(1, Number(process.env.PROPERTY_SCALE ?? 1) || 1);

describe('both readers agree on every broken and every good fixture', () => {
  const files = ['bad', 'shapes'].flatMap((dir) =>
    readdirSync(join(FIXTURES, dir))
      .filter((name) => !name.endsWith('.md'))
      .map((name) => `${dir}/${name}`),
  );

  it('finds the corpus', () => {
    expect(files.filter((f) => f.startsWith('bad/')).length).toBeGreaterThanOrEqual(19);
  });

  for (const file of files) {
    it(file, async () => {
      const bytes = readFileSync(join(FIXTURES, file));
      for (const chunk of CHUNKINGS) {
        const [splitter, streamJson] = await bothReadings(bytes, chunk, file);
        const where = `${file} in chunks of ${chunk} bytes`;
        expect(streamJson.faults, where).toEqual(splitter.faults);
        expect(streamJson.records, where).toEqual(splitter.records);
        expect(streamJson.order, where).toBe(splitter.order);
      }
    });
  }

  it('with --strict, both stop at the same first fault: the same records before it, and one fault that says it stopped', async () => {
    let stopped = 0;
    for (const file of files) {
      const bytes = readFileSync(join(FIXTURES, file));
      for (const chunk of [1 << 20, 61]) {
        const [splitter, streamJson] = await bothReadings(bytes, chunk, file, { stopOnFault: true });
        const where = `${file} in chunks of ${chunk} bytes, --strict`;
        expect(streamJson.faults, where).toEqual(splitter.faults);
        expect(streamJson.records, where).toEqual(splitter.records);
        expect(streamJson.order, where).toBe(splitter.order);
        const ending = splitter.faults.findIndex((f) => !f.warning);
        if (ending < 0) continue;
        stopped++;
        // Nothing after the fault that ended the reading, and both say so the same way.
        let at = -1;
        for (let k = 0; k <= ending; k++) at = splitter.order.indexOf('f', at + 1);
        expect(splitter.order.slice(at + 1), where).toBe('');
        for (const reading of [splitter, streamJson]) expect(reading.messages[ending], where).toMatch(/; stopped here \(--strict\)$/);
      }
    }
    expect(stopped).toBeGreaterThan(20);
  });

  it('past 20 faults in an input, both show one line saying more are left out and count the rest silently', async () => {
    const record = (k: number) => JSON.stringify({ ...REAL[k % REAL.length], eventID: `id-${k}` });
    const lines = Array.from({ length: 60 }, (_, k) => (k % 2 === 0 ? record(k) : `{"eventName": oops${k}}`));
    const bytes = Buffer.from(`${lines.join('\n')}\n`);
    for (const chunk of [1 << 20, 61]) {
      const [splitter, streamJson] = await bothReadings(bytes, chunk, 'many.jsonl');
      const where = `in chunks of ${chunk} bytes`;
      expect(streamJson.faults, where).toEqual(splitter.faults);
      expect(streamJson.records.length, where).toBe(30);
      for (const reading of [splitter, streamJson]) {
        expect(reading.faults.filter((f) => !f.silent && !f.warning), where).toHaveLength(20);
        expect(reading.faults.filter((f) => f.silent), where).toHaveLength(10);
        expect(reading.messages[20], where).toMatch(/more problems in this input are not shown/);
      }
    }
  });

  it('the broken records arrays lose only the broken record, and say so once', async () => {
    // What each file's README row promises: the records kept, by eventName, and one fault.
    const expected: Record<string, number> = {
      'stray-brace.json': 4,
      'missing-brace.json': 4,
      'missing-comma-between.json': 5,
      'extra-brace.json': 5,
      'malformed-middle.json': 4,
      'lost-open-brace.json': 4,
    };
    for (const [name, records] of Object.entries(expected)) {
      const reading = await read(readTrail, inputOf(readFileSync(join(FIXTURES, 'bad', name)), 1 << 20, name));
      expect(reading.records.length, name).toBe(records);
      expect(reading.faults.length, name).toBe(1);
    }
  });
});

describe('delivery files cat\'ed together', () => {
  /** test/fixtures/shapes/delivery.json's five records: the two files hold its first two and last three. */
  const DELIVERY = (JSON.parse(readFileSync(join(FIXTURES, 'shapes', 'delivery.json'), 'utf8')) as { Records: JsonObject[] }).Records;

  it('a byte order mark before each (each file had one) is no fault; stray text between them is one, and every record is kept', async () => {
    for (const [name, faults] of [['cat-bom.json', 0], ['cat-junk.json', 1]] as const) {
      for (const chunk of CHUNKINGS) {
        const [splitter, streamJson] = await bothReadings(readFileSync(join(FIXTURES, 'bad', name)), chunk, name);
        expect(splitter.records.map((r) => r.record), `${name} in chunks of ${chunk}`).toEqual(DELIVERY);
        expect(splitter.faults, `${name} in chunks of ${chunk}`).toHaveLength(faults);
        expect(streamJson.records).toEqual(splitter.records);
        expect(streamJson.faults).toEqual(splitter.faults);
      }
    }
  });
});

describe('JSON lines: a line cut between two properties', () => {
  const lines = readFileSync(join(FIXTURES, 'shapes', 'expected.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
  // Where a shipper may cut a line: after a value, after a comma, inside a nested object or list.
  const cuts: Array<[string, (line: string) => string]> = [
    ['after a value', (line) => line.slice(0, line.indexOf(',"eventSource"'))],
    ['after a comma', (line) => line.slice(0, line.indexOf(',"eventSource"') + 1)],
    ['inside userIdentity', (line) => line.slice(0, line.indexOf(',"', line.indexOf('"userIdentity":{')) + 1)],
  ];

  it.each(cuts)('%s: the cut line is told at its end, every other line is read, at any chunking', async (_name, cut) => {
    const text = [lines[0], cut(lines[1]), ...lines.slice(2)].join('\n') + '\n';
    for (const chunk of CHUNKINGS) {
      for (const reader of [readTrail, readTrailWithJsLoops] as Reader[]) {
        const reading = await read(reader, inputOf(Buffer.from(text), chunk, 'cut.jsonl'));
        expect(reading.records.map((r) => r.record), `chunks of ${chunk}`).toEqual([lines[0], ...lines.slice(2)].map((l) => JSON.parse(l)));
        expect(reading.faults, `chunks of ${chunk}`).toEqual([{ reason: 'malformed JSON', offset: lines[0].length + 1 + cut(lines[1]).length, line: 2 }]);
        expect(reading.messages[0]).toMatch(/not closed at the end of its line/);
      }
    }
  });

  it.each(cuts)('%s, on the first line: nothing says JSON lines yet, and the cut line is still told at its end', async (_name, cut) => {
    const text = [cut(lines[0]), ...lines.slice(1)].join('\n') + '\n';
    for (const chunk of CHUNKINGS) {
      for (const reader of [readTrail, readTrailWithJsLoops] as Reader[]) {
        const reading = await read(reader, inputOf(Buffer.from(text), chunk, 'cut.jsonl'));
        expect(reading.records.map((r) => r.record), `chunks of ${chunk}`).toEqual(lines.slice(1).map((l) => JSON.parse(l)));
        expect(reading.faults, `chunks of ${chunk}`).toEqual([{ reason: 'malformed JSON', offset: cut(lines[0]).length, line: 1 }]);
        expect(reading.messages[0]).toMatch(/not closed at the end of its line/);
      }
    }
  });

  // A shipper that loses a cut line's end loses its newline too: the next record follows on the
  // same line. Before, that record went with the cut one (the line was skipped to its end).
  const glueCuts: Array<[string, (line: string) => string]> = [
    ...cuts,
    ['inside a string', (line) => line.slice(0, line.indexOf('"kms.amazonaws.com"') + 5)],
    ['inside resources, after an element and its comma', (line) => `${line.slice(0, line.lastIndexOf('}]'))}},`],
    ['inside resources, after an element', (line) => `${line.slice(0, line.lastIndexOf('}]'))}}`],
  ];

  it.each(glueCuts)('%s, the next record glued on at the cut: that record is read, one fault at its start', async (_name, cut) => {
    const text = [lines[0], cut(lines[1]) + lines[2], ...lines.slice(3)].join('\n') + '\n';
    const gluedAt = lines[0].length + 1 + cut(lines[1]).length;
    for (const chunk of CHUNKINGS) {
      for (const reader of [readTrail, readTrailWithJsLoops, readTrailUnparsed] as Reader[]) {
        const reading = await read(reader, inputOf(Buffer.from(text), chunk, 'glued.jsonl'));
        const where = `${reader.name}, chunks of ${chunk}`;
        expect(reading.records.map((r) => r.record), where).toEqual([lines[0], ...lines.slice(2)].map((l) => JSON.parse(l)));
        expect(reading.records[1], where).toMatchObject({ offset: gluedAt, line: 2 });
        expect(reading.records[2], where).toMatchObject({ offset: gluedAt + lines[2].length + 1, line: 3 });
        expect(reading.faults, where).toEqual([{ reason: 'malformed JSON', offset: gluedAt, line: 2 }]);
        expect(reading.messages[0]).toMatch(new RegExp(`record that began at byte ${lines[0].length + 1} is cut short: the next record starts inside it`));
      }
      // With a prefilter the cut record is ruled out as soon as its eventName is read: the glued
      // record is still found.
      const want = [lines[0], ...lines.slice(2)].map((l) => JSON.parse(l) as JsonObject).filter((r) => r.eventName === 'Decrypt');
      const prefiltered = await read(readTrail, inputOf(Buffer.from(text), chunk, 'glued.jsonl'), { prefilter: DECRYPT.hot });
      expect(prefiltered.records.map((r) => r.record).filter((r) => r.eventName === 'Decrypt'), `prefiltered, chunks of ${chunk}`).toEqual(want);
      expect(prefiltered.faults).toHaveLength(1);
    }
  });

  it('a nested object that starts a line after its key is read as part of the record, not as a new one', async () => {
    const text = `${lines[0]}\n{"eventName":"CreateKey","eventSource":"kms.amazonaws.com","userIdentity":\n{"type":"Root"}}\n${lines[2]}\n`;
    const reading = await read(readTrail, inputOf(Buffer.from(text), 61, 'pretty.jsonl'));
    expect(reading.faults).toEqual([]);
    expect(reading.records).toHaveLength(3);
  });
});

// ---------------------------------------------------------------------------------------------
// Generated: real records in a Records array, one corruption inside one of them.
// ---------------------------------------------------------------------------------------------

/** Real records (AWS KMS Developer Guide examples, see test/fixtures/shapes/README.md). */
const REAL: JsonObject[] = readFileSync(join(FIXTURES, 'shapes', 'expected.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line) as JsonObject);

/** `junk-before`/`junk-after`: stray text between two records, before the victim's '{' or after its '}'. */
type Corruption =
  | 'stray-brace'
  | 'stray-braces'
  | 'missing-brace'
  | 'missing-comma'
  | 'double-comma'
  | 'trailing-comma'
  | 'extra-brace'
  | 'delete-byte'
  | 'insert-byte'
  | 'junk-before'
  | 'junk-after'
  /** The victim cut short anywhere (a write cut off), the next record right after: with its ',' or without. */
  | 'cut-short'
  | 'cut-short-bare';

interface Damage {
  records: JsonObject[];
  pretty: boolean;
  /** Keys sorted at every level, as `jq -S` writes them: records start with additionalEventData, apiVersion or awsRegion. */
  sortedKeys: boolean;
  victim: number;
  corruption: Corruption;
  /** Where inside the victim, as a fraction of its length. */
  at: number;
  inserted: string;
  /** Stray text for the junk corruptions. */
  junk: string;
}

const damageArb: fc.Arbitrary<Damage> = fc
  .record({
    picks: fc.array(fc.nat(REAL.length - 1), { minLength: 2, maxLength: 7 }),
    pretty: fc.boolean(),
    sortedKeys: fc.boolean(),
    victimFraction: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    corruption: fc.constantFrom<Corruption>(
      'stray-brace',
      'stray-braces',
      'missing-brace',
      'missing-comma',
      'double-comma',
      'trailing-comma',
      'extra-brace',
      'delete-byte',
      'insert-byte',
      'junk-before',
      'junk-after',
      'cut-short',
      'cut-short-bare',
    ),
    at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    inserted: fc.constantFrom('}', '{', ']', '[', ',', ':', '"', '\\', 'x', '\n'),
    // Bytes no JSON holds, and stray text that starts like a value (a literal, a number, a string,
    // an array) but is none where it stands.
    junk: fc.constantFrom('x', '\u0000', 'é', '#', 'Z', 'abc', 'x ', ' \u0007 ', 'foo', 'tru', 'f', '12', 'true', 'null', '-', '12x', '[1]', '"note"', '"a"b', ' 12 ', 'null\n', 'note:\n', ' @@: \n'),
  })
  .map(({ picks, pretty, sortedKeys, victimFraction, corruption, at, inserted, junk }) => ({
    // Each record its own eventID, so that a record lost or doubled cannot hide behind a twin.
    records: picks.map((p, k) => {
      const record = { ...REAL[p], eventID: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}` };
      return sortedKeys ? (withSortedKeys(record) as JsonObject) : record;
    }),
    pretty,
    sortedKeys,
    victim: Math.floor(victimFraction * picks.length),
    corruption,
    at,
    inserted,
    junk,
  }));

function parsedOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function withSortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, withSortedKeys((value as Record<string, unknown>)[k])]),
  );
}

/** The victim's text up to where a `cut-short` damage cuts it. */
function cutText(d: Damage): string {
  const victim = JSON.stringify(d.records[d.victim], null, d.pretty ? 2 : undefined);
  return victim.slice(0, 1 + Math.floor(d.at * (victim.length - 2)));
}

/** The damaged file, and the victim's damaged text. */
function damagedTrail(d: Damage): { bytes: Buffer; text: string; victim: string } {
  const texts = d.records.map((r) => JSON.stringify(r, null, d.pretty ? 2 : undefined));
  let victim = texts[d.victim];
  const pos = 1 + Math.floor(d.at * (victim.length - 2));
  let comma = true;
  switch (d.corruption) {
    case 'stray-brace': {
      // A '}' right after a value inside the record: it closes the record early.
      const after = victim.indexOf('",', pos);
      const cut = after < 0 ? victim.length - 1 : after + 1;
      victim = victim.slice(0, cut) + '}' + victim.slice(cut);
      break;
    }
    case 'stray-braces': {
      // Two: after a value of the record itself, one closes it early and the other follows it.
      const after = victim.indexOf('",', pos);
      const cut = after < 0 ? victim.length - 1 : after + 1;
      victim = victim.slice(0, cut) + '}}' + victim.slice(cut);
      break;
    }
    case 'missing-brace':
      victim = victim.slice(0, -1);
      break;
    case 'extra-brace':
      victim += '}';
      break;
    case 'missing-comma':
      comma = false;
      break;
    case 'double-comma':
      // After the victim, when a record follows it.
      victim += d.victim < d.records.length - 1 ? ',' : '';
      break;
    case 'trailing-comma':
      // After the last record, whichever the victim: `…},]`.
      if (d.victim === texts.length - 1) victim += ',';
      else texts[texts.length - 1] += ',';
      break;
    case 'delete-byte':
      victim = victim.slice(0, pos) + victim.slice(pos + 1);
      break;
    case 'insert-byte':
      victim = victim.slice(0, pos) + d.inserted + victim.slice(pos);
      break;
    case 'junk-before':
      victim = d.junk + victim;
      break;
    case 'junk-after':
      victim += d.junk;
      break;
    case 'cut-short':
      victim = victim.slice(0, pos);
      break;
    case 'cut-short-bare':
      victim = victim.slice(0, pos);
      comma = false;
      break;
  }
  texts[d.victim] = victim;
  const sep = d.pretty ? '\n' : '';
  let body = '';
  texts.forEach((t, k) => {
    if (k > 0) body += (k - 1 === d.victim && !comma ? '' : ',') + sep;
    body += t;
  });
  const text = `{"Records":[${sep}${body}${sep}]}\n`;
  return { bytes: Buffer.from(text), text, victim };
}

const DECRYPT = buildRecordFilter(filterSpecFromOptions({ event: ['Decrypt'] }, Date.UTC(2025, 0, 1)));

describe('records handed on unparsed (every record printed)', () => {
  it('real records: the same records, places and faults, and each one without an escape is handed on unparsed', async () => {
    const before = unparsedSeen();
    let plain = 0;
    for (const name of readdirSync(join(FIXTURES, 'records'))) {
      const bytes = readFileSync(join(FIXTURES, 'records', name));
      for (const chunk of [1 << 20, 1000]) {
        const parsed = await read(readTrail, inputOf(bytes, chunk, name));
        const seen: TrailRecord[] = [];
        const unparsed = await read(
          async function* (input, options) {
            for await (const batch of readTrailUnparsed(input, options)) {
              seen.push(...batch);
              yield batch;
            }
          },
          inputOf(bytes, chunk, name),
        );
        expect(unparsed, `${name} in chunks of ${chunk}`).toEqual(parsed);
        if (chunk !== 1 << 20) continue;
        // In one chunk, no record spans two: only an escape keeps a record from being checked.
        for (const r of seen) {
          if ((r.raw ?? '').includes('\\')) continue;
          plain++;
          expect(r, `${name}:${r.line}`).toBeInstanceOf(UnparsedRecord);
        }
      }
    }
    expect(plain).toBeGreaterThan(100);
    expect(unparsedSeen() - before).toBeGreaterThanOrEqual(plain);
  });
});

describe('a Records array with one damaged record', () => {
  it('both readers agree, one fault at most, and every record out of reach of the damage is kept', async () => {
    const passedBefore = recordsPassedOver();
    await fc.assert(
      fc.asyncProperty(damageArb, fc.constantFrom(1 << 20, 97, 13), fc.boolean(), async (damage, chunk, gzipped) => {
        const { bytes, text, victim } = damagedTrail(damage);
        const stored = gzipped ? gzipSync(bytes) : bytes;
        const [splitter, streamJson] = await bothReadings(stored, chunk, 'damaged.json');
        const where = `${damage.corruption} in record ${damage.victim} of ${damage.records.length}: ${JSON.stringify(text)}`;
        // With a prefilter, the splitter's WebAssembly loop passes over records the verdicts rule
        // out: the damage must stop it exactly where it stops the JavaScript loops.
        const prefiltered = { prefilter: DECRYPT.hot };
        expect(await read(readTrail, inputOf(stored, chunk, 'damaged.json'), prefiltered), `${where}, --event Decrypt`).toEqual(
          await read(readTrailWithJsLoops, inputOf(stored, chunk, 'damaged.json'), prefiltered),
        );
        expect(streamJson.faults, where).toEqual(splitter.faults);
        expect(streamJson.records, where).toEqual(splitter.records);
        expect(splitter.faults.length, where).toBeLessThanOrEqual(1);
        // Records before the damaged one, and from the second after it on, are out of its reach (a
        // quote lost or added shifts what is string and what is not until the next record start).
        const kept = new Set(splitter.records.map((r) => r.record.eventID));
        damage.records.forEach((r, k) => {
          if (k < damage.victim || k > damage.victim + 1) expect(kept.has(r.eventID), `${where}: record ${k} lost`).toBe(true);
        });
        // A comma too many damages no record: every one is kept.
        if (damage.corruption === 'double-comma' || damage.corruption === 'trailing-comma') expect(kept.size, `${where}: a record lost`).toBe(damage.records.length);
        // Stray text before a record leaves it whole too: reading goes on at its '{'.
        if (damage.corruption === 'junk-before') expect(kept.has(damage.records[damage.victim].eventID), `${where}: the record after the junk lost`).toBe(true);
        // Stray text after a record leaves the record whole: it is kept. Unless the text starts
        // with a quote: `{…}"key":` is also what a stray '}' right after a record's '{' leaves.
        if (damage.corruption === 'junk-after' && !damage.junk.trimStart().startsWith('"')) {
          expect(kept.has(damage.records[damage.victim].eventID), `${where}: the record before the junk lost`).toBe(true);
        }
        // A record cut short loses only itself when the next one follows: its start (`{"eventVersion"`)
        // is read as one wherever the cut left it, also where the cut left it an array's element
        // (`"resources":[{…},` then the records after it, JSON to the array's end). A record with sorted keys starts as a nested object may, so not
        // where the cut left it a field's value (after ':').
        const cutAfterKey = damage.sortedKeys && /:\s*$/.test(cutText(damage));
        if (damage.corruption.startsWith('cut-short') && damage.victim < damage.records.length - 1 && !cutAfterKey) {
          expect(splitter.faults.length, `${where}: one fault`).toBe(1);
          damage.records.forEach((r, k) => {
            if (k !== damage.victim) expect(kept.has(r.eventID), `${where}: record ${k} lost`).toBe(true);
          });
        }
        // Whatever is kept is a record as written: the victim only if JSON.parse reads it the same.
        for (const r of splitter.records) {
          const k = damage.records.findIndex((x) => x.eventID === r.record.eventID);
          if (k >= 0 && k !== damage.victim) expect(r.record, where).toEqual(damage.records[k]);
          // Not a record as written (a part of the victim that a stray '}' closed early, say): the
          // victim's damaged text must read as it alone.
          if (!damage.records.some((x) => isDeepStrictEqual(x, r.record))) expect(r.record, `${where}: a record kept that is not as written`).toEqual(parsedOrUndefined(victim));
        }
      }),
      { numRuns: 300 * SCALE },
    );
    // The prefiltered readings did pass over ruled-out records (see above).
    expect(recordsPassedOver() - passedBefore).toBeGreaterThan(20);
  }, 60_000 * SCALE);
});

describe('a Records array with a record cut short inside a nested object', () => {
  // Each record its own eventID, so that a record lost cannot hide behind a twin.
  const records = Array.from({ length: 12 }, (_, k) => ({ ...REAL[k % REAL.length], eventID: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}` }));
  const cuts: Array<[string, (record: string) => string]> = [
    ['inside userIdentity, after a comma', (r) => r.slice(0, r.indexOf(',"', r.indexOf('"userIdentity":{')) + 1)],
    ['inside userIdentity, after a value', (r) => r.slice(0, r.indexOf(',"', r.indexOf('"userIdentity":{')))],
    ['after a key, inside requestParameters', (r) => r.slice(0, r.indexOf('":', r.indexOf('"requestParameters":{') + 21) + 2)],
    // With no comma after it, the records after the cut are that list's elements, and the
    // array's `]}` closes the list and the cut record: JSON up to the end, the array left open.
    ['inside resources, after an element and its comma', (r) => `${r.slice(0, r.lastIndexOf('}]'))}},`],
  ];
  const cases = cuts.flatMap(([name, cut]) =>
    [true, false].flatMap((pretty) => [',', ''].map((comma) => [`${name}${pretty ? ', pretty-printed' : ''}${comma ? '' : ', no comma'}`, cut, pretty, comma] as const)),
  );

  it.each(cases)('%s: every other record is kept, one fault at the cut record, by every reader', async (_name, cut, pretty, comma) => {
    const victim = 5;
    const texts = records.map((r) => JSON.stringify(r, null, pretty ? 2 : undefined));
    const cutText = cut(JSON.stringify(records[victim]));
    texts[victim] = pretty ? cut(texts[victim].replace(/\n */g, '')).replace(/^\{/, '{\n  ') : cutText;
    const sep = pretty ? '\n' : '';
    const pieces = texts.map((t, k) => (k === 0 ? '' : k - 1 === victim ? comma + sep : `,${sep}`) + t);
    const bytes = Buffer.from(`{"Records":[${sep}${pieces.join('')}${sep}]}\n`);
    const start = Buffer.byteLength(`{"Records":[${sep}${pieces.slice(0, victim + 1).join('')}`) - Buffer.byteLength(texts[victim]);
    const want = records.filter((_, k) => k !== victim).map((r) => r.eventID);
    for (const chunk of [1 << 20, 97]) {
      const [splitter, streamJson] = await bothReadings(bytes, chunk, 'cut.json');
      expect(splitter.records.map((r) => r.record.eventID), `chunks of ${chunk}`).toEqual(want);
      expect(splitter.faults, `chunks of ${chunk}`).toHaveLength(1);
      expect(splitter.messages[0]).toContain(`a record that began at byte ${start} is malformed`);
      expect(streamJson.records).toEqual(splitter.records);
      expect(streamJson.faults).toEqual(splitter.faults);
      // With a prefilter the cut record is ruled out early (it is no Decrypt): the cut is still found.
      const prefiltered = await read(readTrail, inputOf(bytes, chunk, 'cut.json'), { prefilter: DECRYPT.hot });
      expect(prefiltered.faults).toEqual(splitter.faults);
      const passed = new Set(prefiltered.records.map((r) => r.record.eventID));
      expect(splitter.records.filter((r) => passed.has(r.record.eventID))).toEqual(prefiltered.records);
      for (const r of splitter.records) if (r.record.eventName === 'Decrypt') expect(passed.has(r.record.eventID)).toBe(true);
    }
  });

  it('a whole record holding objects that start as records do is one record, and no fault', async () => {
    const inner = { eventVersion: '1.08', eventName: 'Decrypt' };
    const odd = { ...records[1], requestParameters: { batch: [inner, inner, { note: 'x' }, inner] }, responseElements: { eventVersion: 1 } };
    for (const pretty of [false, true]) {
      const text = JSON.stringify({ Records: [records[0], odd, records[2]] }, null, pretty ? 2 : undefined);
      for (const chunk of [1 << 20, 61]) {
        const [splitter, streamJson] = await bothReadings(Buffer.from(text), chunk, 'odd.json');
        expect(splitter.faults).toEqual([]);
        expect(splitter.records.map((r) => r.record)).toEqual([records[0], odd, records[2]]);
        expect(streamJson.records).toEqual(splitter.records);
      }
    }
  });
});

describe('lookup-events output ({"Events":[…]}) with one damage', () => {
  // Rows as `aws cloudtrail lookup-events` prints them: the record as a JSON string in CloudTrailEvent.
  const records = REAL.map((r, k) => ({ ...r, eventID: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}` }));
  const rows = records.map((r) =>
    JSON.stringify({ EventId: r.eventID, EventName: r.eventName, ReadOnly: 'true', EventTime: 1709251200, EventSource: r.eventSource, Resources: [], CloudTrailEvent: JSON.stringify(r) }),
  );
  const doc = (texts: readonly string[]) => `{"Events":[${texts.join(',')}]}`;
  const cases: Array<[string, string, number]> = [
    // [name, file, the row the damage spoils (-1: none)]
    ['stray text between two rows', `{"Events":[${rows.slice(0, 2).join(',')},garbage,${rows.slice(2).join(',')}]}`, -1],
    ['no comma between two rows', `{"Events":[${rows.slice(0, 2).join(',')}${rows.slice(2).join(',')}]}`, -1],
    ['an escape broken inside a row', doc(rows.map((t, k) => (k === 1 ? t.replace('\\"eventVersion', '\\xeventVersion') : t))), 1],
    ['a row cut inside its CloudTrailEvent, the next row glued on', doc([...rows.slice(0, 1), rows[1].slice(0, rows[1].length >> 1) + rows[2], ...rows.slice(3)]), 1],
  ];

  it.each(cases)('%s: both readers read every intact row, with one fault', async (_name, text, spoiled) => {
    const want = records.filter((_, k) => k !== spoiled).map((r) => r.eventID);
    for (const chunk of [1 << 20, 97]) {
      const [splitter, streamJson] = await bothReadings(Buffer.from(text), chunk, 'events.json');
      expect(splitter.records.map((r) => r.record.eventID), `chunks of ${chunk}`).toEqual(want);
      expect(splitter.faults, `chunks of ${chunk}`).toHaveLength(1);
      expect(streamJson.records.map((r) => r.record.eventID), `stream-json, chunks of ${chunk}`).toEqual(want);
      expect(streamJson.faults.map((f) => f.offset), `stream-json, chunks of ${chunk}`).toEqual(splitter.faults.map((f) => f.offset));
    }
  });
});

describe('a Records array whose [ was lost', () => {
  // `{"Records":{…},{…}]}`: one byte gone, and before, every record of the file with it.
  const records = REAL.map((r, k) => ({ ...r, eventID: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}` }));

  it.each([false, true])('pretty-printed %s: one fault where the [ belongs, and every record is read (the splitter)', async (pretty) => {
    const whole = JSON.stringify({ Records: records }, null, pretty ? 2 : undefined);
    const bracket = whole.indexOf('[');
    const bytes = Buffer.from(whole.slice(0, bracket) + whole.slice(bracket + 1));
    const recordAt = whole.indexOf('{', bracket) - 1;
    for (const chunk of [1 << 20, 1000, 61]) {
      for (const reader of [readTrail, readTrailWithJsLoops, readTrailUnparsed] as Reader[]) {
        const reading = await read(reader, inputOf(bytes, chunk, 'lost-bracket.json'));
        const where = `${reader.name}, chunks of ${chunk}`;
        expect(reading.records.map((r) => r.record), where).toEqual(records);
        expect(reading.faults, where).toEqual([{ reason: 'malformed JSON', offset: recordAt, line: pretty ? 3 : 1 }]);
        expect(reading.messages[0]).toMatch(/expected '\[' after "Records":, found '\{'; read as the records array/);
      }
    }
  });

  it('a "Records" object that is no record is still one fault for the input', async () => {
    const reading = await read(readTrail, inputOf(Buffer.from('{"Records":{"a":1,"b":[2]}}\n'), 1 << 20, 'odd.json'));
    expect(reading.records).toEqual([]);
    expect(reading.messages).toEqual(['"Records" is not an array; skipped']);
  });
});

describe("after the records array, in the file's wrapper", () => {
  const records = REAL.map((r, k) => ({ ...r, eventID: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}` }));
  const array = JSON.stringify({ Records: records }).slice(0, -1);
  const cases: Array<[string, string, RegExp | undefined, number]> = [
    ['other members, with JSON values', ',"x":null,"y":-1.5e3, "z": [true, {"a": false}], "w": "note"}', undefined, -1],
    ['stray text on a line of its own', '\nnote: rotated by hand\n}', /unexpected 'n' after the records array, in the trail file's wrapper/, 1],
    ['a trailing comma', ',}', /trailing comma after the last member of the trail file's wrapper/, 0],
    ['a trailing comma after another member', ',"x":1,\n}', /trailing comma after the last member/, 6],
  ];

  it.each(cases)('%s: every record is read, and one fault names what is wrong (or none)', async (_name, tail, message, at) => {
    const bytes = Buffer.from(array + tail);
    for (const chunk of [1 << 20, 1000, 61]) {
      for (const reader of [readTrail, readTrailWithJsLoops, readTrailUnparsed] as Reader[]) {
        const reading = await read(reader, inputOf(bytes, chunk, 'wrapper.json'));
        const where = `${reader.name}, chunks of ${chunk}`;
        expect(reading.records.map((r) => r.record), where).toEqual(records);
        if (!message) {
          expect(reading.faults, where).toEqual([]);
          continue;
        }
        expect(reading.faults, where).toEqual([{ reason: 'malformed JSON', offset: array.length + at, line: 1 + (tail.slice(0, at).match(/\n/g)?.length ?? 0) }]);
        expect(reading.messages[0], where).toMatch(message);
      }
    }
  });
});

describe("a '}' too many after the last record, at the end of the input", () => {
  it.each(['}', '}}', '}}  ', '} \n'])('%j: the record is read, one fault at the first, as with the stream-json reader', async (tail) => {
    const record = JSON.stringify({ ...REAL[0], eventID: '00000000-0000-4000-8000-000000000000' });
    const text = `{"Records":[${record}${tail}`;
    for (const chunk of CHUNKINGS) {
      const [splitter, streamJson] = await bothReadings(Buffer.from(text), chunk, 'end.json');
      expect(splitter.records.map((r) => r.record), `chunks of ${chunk}`).toEqual([JSON.parse(record)]);
      expect(splitter.faults, `chunks of ${chunk}`).toEqual([{ reason: 'malformed JSON', offset: text.indexOf(tail.trim()[0], 12 + record.length), line: 1 }]);
      expect(streamJson.faults, `chunks of ${chunk}`).toEqual(splitter.faults);
      expect(streamJson.records, `chunks of ${chunk}`).toEqual(splitter.records);
    }
  });
});

describe('JSON lines: a line with a \'}\' too many', () => {
  const lines = REAL.map((r, k) => JSON.stringify({ ...r, eventID: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}` }));
  const afterName = (line: string) => line.indexOf('",', line.indexOf('"eventName"')) + 1;
  const damages: Array<[string, (line: string) => string, boolean]> = [
    // One of the two closes the record after its eventName: its errorCode, eventID... are cut off.
    ['two inside it, then its other members', (l) => `${l.slice(0, afterName(l))}}}${l.slice(afterName(l))}`, false],
    ['three, with spaces', (l) => `${l.slice(0, afterName(l))} } } },${l.slice(afterName(l) + 1)}`, false],
    ['one after the whole record', (l) => `${l}}`, true],
    ['one after the whole record, then stray text', (l) => `${l}} x`, true],
    // A key needs the ',' before it: a quote right after the '}' is stray text.
    ['one after the whole record, then a quoted word', (l) => `${l}}"x"`, true],
  ];
  it.each(damages)('%s: one fault; the record kept only when whole; every other line read; both readers, any chunking', async (_name, damage, whole) => {
    for (const victim of [0, 2, lines.length - 1]) {
      const text = lines.map((l, k) => (k === victim ? damage(l) : l)).join('\n') + '\n';
      for (const chunk of CHUNKINGS) {
        const [splitter, streamJson] = await bothReadings(Buffer.from(text), chunk, 'braces.jsonl');
        const where = `victim ${victim}, chunks of ${chunk}: ${JSON.stringify(damage(lines[victim]).slice(0, 200))}`;
        const expected = lines.filter((_, k) => whole || k !== victim).map((l) => JSON.parse(l));
        expect(splitter.records.map((r) => r.record), where).toEqual(expected);
        expect(splitter.faults, where).toHaveLength(1);
        // At the '}' too many: the one after the whole record, or after the '}' that closed it early.
        const lineStart = victim === 0 ? 0 : lines.slice(0, victim).join('\n').length + 1;
        const closing = whole ? lineStart + lines[victim].length - 1 : text.indexOf('}', lineStart + afterName(lines[victim]));
        expect(splitter.faults[0].offset, where).toBe(text.indexOf('}', closing + 1));
        expect(streamJson.records, where).toEqual(splitter.records);
        expect(streamJson.faults, where).toEqual(splitter.faults);
      }
    }
  });

  // A single '}' too many closes the record early with nothing stray after it: the ',' and the key
  // that follow are what show it (jq: "Expected value before ','"). The part before it was printed
  // as a record, with no eventTime, errorCode...
  const closedAt: Array<[string, (line: string) => number]> = [
    ['after its eventName', (l) => afterName(l)],
    ['after its userIdentity', (l) => l.indexOf(',"eventTime"')],
  ];
  it.each(closedAt)('one closing it %s, then its other members: skipped with one fault at the comma; both readers, any chunking', async (_name, cut) => {
    for (const victim of [0, 2, lines.length - 1]) {
      const damaged = (l: string) => `${l.slice(0, cut(l))}}${l.slice(cut(l))}`;
      const text = lines.map((l, k) => (k === victim ? damaged(l) : l)).join('\n') + '\n';
      for (const chunk of CHUNKINGS) {
        const [splitter, streamJson] = await bothReadings(Buffer.from(text), chunk, 'brace.jsonl');
        const where = `victim ${victim}, chunks of ${chunk}: ${JSON.stringify(damaged(lines[victim]).slice(0, 200))}`;
        expect(splitter.records.map((r) => r.record), where).toEqual(lines.filter((_, k) => k !== victim).map((l) => JSON.parse(l)));
        expect(splitter.faults, where).toHaveLength(1);
        const lineStart = victim === 0 ? 0 : lines.slice(0, victim).join('\n').length + 1;
        expect(splitter.faults[0].offset, where).toBe(lineStart + cut(lines[victim]) + 1);
        expect(splitter.messages[0], where).toMatch(/malformed \(unexpected ','\); record skipped/);
        expect(streamJson.records, where).toEqual(splitter.records);
        expect(streamJson.faults, where).toEqual(splitter.faults);
      }
    }
  });

  it("JSON lines with a ',' after each record are still read, the first ',' told", async () => {
    const text = lines.map((l) => `${l},`).join('\n') + '\n';
    for (const chunk of CHUNKINGS) {
      const [splitter, streamJson] = await bothReadings(Buffer.from(text), chunk, 'commas.jsonl');
      expect(splitter.records.map((r) => r.record), `chunks of ${chunk}`).toEqual(lines.map((l) => JSON.parse(l)));
      expect(splitter.faults.map((f) => [f.offset, f.line]), `chunks of ${chunk}`).toEqual([[lines[0].length, 1]]);
      expect(streamJson.records, `chunks of ${chunk}`).toEqual(splitter.records);
      expect(streamJson.faults, `chunks of ${chunk}`).toEqual(splitter.faults);
    }
  });
});

describe('a wrapper with two "Records" keys', () => {
  it('the records of both arrays are read, in file order, with no fault (no record is dropped for a repeated key)', async () => {
    const records = REAL.map((r, k) => ({ ...r, eventID: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}` }));
    const texts = records.map((r) => JSON.stringify(r));
    const half = Math.ceil(texts.length / 2);
    for (const nl of ['', '\n']) {
      const text = `{"Records":[${nl}${texts.slice(0, half).join(`,${nl}`)}${nl}],${nl}"note":{"a":[1,{"b":"Records"}]},"Records":[${nl}${texts.slice(half).join(`,${nl}`)}${nl}]}${nl}`;
      for (const chunk of CHUNKINGS) {
        const [splitter, streamJson] = await bothReadings(Buffer.from(text), chunk, 'two-records.json');
        const where = `chunks of ${chunk}${nl ? ', pretty' : ''}`;
        expect(splitter.records.map((r) => r.record), where).toEqual(records);
        expect(splitter.faults, where).toEqual([]);
        expect(streamJson.records, where).toEqual(splitter.records);
        expect(streamJson.faults, where).toEqual([]);
      }
    }
  });
});

describe('a records array closed too early (`]}` after a record, the records after it still in the file)', () => {
  const records = REAL.map((r, k) => ({ ...r, eventID: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}` }));
  const texts = records.map((r) => JSON.stringify(r));
  it.each([
    ['one record per line', '\n', ',\n'],
    ['all on one line', '', ','],
  ])('%s: every record is read, one fault at the first comma after the wrapper, none for the others or the displaced ]}', async (_name, nl, sep) => {
    const early = 3;
    const text = `{"Records":[${nl}${texts.slice(0, early).join(sep)}]}${sep}${texts.slice(early).join(sep)}${nl}]}${nl}`;
    const bytes = Buffer.from(text);
    const comma = text.indexOf(']},') + 2;
    for (const chunk of [1 << 20, 1000, 61]) {
      const [splitter, streamJson] = await bothReadings(bytes, chunk, 'early.json');
      const where = `chunks of ${chunk}`;
      expect(splitter.records.map((r) => r.record), where).toEqual(records);
      expect(splitter.faults, where).toEqual([{ reason: 'malformed JSON', offset: comma, line: 1 + (text.slice(0, comma).match(/\n/g)?.length ?? 0) }]);
      expect(splitter.messages[0], where).toMatch(/records array closed too early/);
      expect(streamJson.records, where).toEqual(splitter.records);
      expect(streamJson.faults, where).toEqual(splitter.faults);
    }
  });
});

describe('a whole input in memory bigger than the WebAssembly scanner takes at once', () => {
  it('readTrailBytes reads it in pieces: the records, places and faults readTrail gives', async () => {
    const records = Array.from({ length: 40_000 }, (_, k) => ({ ...REAL[k % REAL.length], eventID: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}` }));
    // Pretty-printed, so that places have lines to count; a stray byte between the last records.
    const text = JSON.stringify({ Records: records }, null, 1);
    const between = text.lastIndexOf('},') + 2;
    const bytes = Buffer.from(`${text.slice(0, between)}#${text.slice(between)}`);
    expect(bytes.length).toBeGreaterThan(MAX_CHUNK * 1.5);
    // Read whole from memory (the input only names it), noted as every reading here is.
    const fromMemory: Reader = async function* (input, options) {
      yield* readTrailBytes(input.label, bytes, options);
    };
    const whole = await read(fromMemory, { label: 'big.json', open: () => Readable.from([]) }, { prefilter: DECRYPT.hot });
    const streamed = await read(readTrail, inputOf(bytes, 1 << 20, 'big.json'), { prefilter: DECRYPT.hot });
    expect(whole.records.length).toBeGreaterThan(1000);
    expect(whole.faults.length).toBe(1);
    expect(whole).toEqual(streamed);
  });
});
