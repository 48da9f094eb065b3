/**
 * Broken inputs: every file in fixtures/bad/ gives the right records, exit code and one
 * compiler-style stderr line per problem (`kmstrail: <file>:<line>: ... (byte N)`), never a stack
 * trace. Then the path-level problems: missing paths, empty and unreadable ones, symlink loops,
 * and --strict.
 */
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gunzipSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BAD,
  expectedShapeLines,
  expectedShapeRecords,
  KMS_DOCS,
  makeTempDir,
  parseCsv,
  RECORDS,
  removeDir,
  SHAPES,
  STACK_FRAME,
  stderrLines,
  tableRows,
  type Json,
} from '../helpers/e2e.js';
import { damagedInMiddle } from '../helpers/damaged-gzip.js';
import { BIN, jsonLines, runCli } from '../helpers/run-cli.js';

// Every shape fixture holds the same records: copies of one event on purpose, so they are kept here.
const ALL = ['filter', '--all-sources', '--keep-duplicates', '--format', 'jsonl'];
const EXPECTED = expectedShapeRecords();
/** The five records of test/fixtures/shapes/delivery.json, which the cat'ed fixtures split in two files. */
const DELIVERY = () => (JSON.parse(readFileSync(join(SHAPES, 'delivery.json'), 'utf8')) as { Records: Json[] }).Records;
const EXPECTED_LINES = expectedShapeLines();
const bytesOf = (name: string) => readFileSync(join(BAD, name));
const recordsOf = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { Records: Json[] }).Records;

/** `(byte N)` at the end of a message line. */
function byteOffset(line: string): number {
  const m = / \(byte (\d+)\)$/.exec(line);
  expect(m, `no byte offset in: ${line}`).not.toBeNull();
  return Number(m![1]);
}

interface BadCase {
  code: number;
  /** The records expected on stdout, in order. */
  records: () => unknown[];
  /** How many stderr lines. */
  lines: number;
  /** Further checks on the stderr lines (each already known to start with `kmstrail: <path>:`). */
  check?: (lines: string[], path: string) => void;
}

const CASES: Record<string, BadCase> = {
  'truncated.json': {
    code: 1,
    records: () => EXPECTED.slice(0, 3),
    lines: 1,
    check: ([line]) => {
      // The cut is inside the 4th record: the offset points into it (or at the end of the data).
      const text = bytesOf('truncated.json').toString('utf8');
      const fourthStart = text.indexOf(EXPECTED_LINES[2]) + EXPECTED_LINES[2].length + 1;
      const offset = byteOffset(line);
      expect(offset).toBeGreaterThanOrEqual(fourthStart);
      expect(offset).toBeLessThanOrEqual(text.length);
    },
  },
  'truncated.json.gz': {
    code: 1,
    // Whatever records lie whole in the part that does decompress.
    records: () => {
      const partial = gunzipSync(bytesOf('truncated.json.gz'), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('utf8');
      const whole = EXPECTED_LINES.filter((line) => partial.includes(line));
      expect(whole.length).toBeGreaterThan(0);
      expect(whole.length).toBeLessThan(5);
      return whole.map((line) => JSON.parse(line) as unknown);
    },
    lines: 1,
  },
  'bad-crc.json.gz': {
    code: 1,
    records: () => EXPECTED,
    lines: 1,
    check: ([line]) => expect(line).toMatch(/checksum|crc/i),
  },
  'not-gzip.json.gz': { code: 0, records: () => EXPECTED, lines: 0 },
  'empty.json': { code: 1, records: () => [], lines: 1, check: ([line]) => expect(line).toMatch(/empty/i) },
  'whitespace.json': { code: 1, records: () => [], lines: 1 },
  'records-object.json': { code: 1, records: () => [], lines: 1, check: ([line]) => expect(line).toContain('Records') },
  'records-non-objects.json': {
    code: 1,
    records: () => recordsOf(join(BAD, 'records-non-objects.json')).filter((r) => typeof r === 'object' && r !== null),
    lines: 3,
    check: (lines) => {
      const text = bytesOf('records-non-objects.json').toString('utf8');
      const open = text.indexOf('[');
      const starts = [text.indexOf('1', open), text.indexOf('"x"', open), text.indexOf('null', open)];
      expect(lines.map(byteOffset)).toEqual(starts);
      for (const line of lines) expect(line).toMatch(/not an object/);
    },
  },
  'malformed-middle.json': {
    code: 1,
    records: () => [EXPECTED[0], EXPECTED[1], EXPECTED[3], EXPECTED[4]],
    lines: 1,
    check: ([line], path) => {
      // Line 4 holds the 3rd record; the missing comma is before "eventSource".
      expect(line.startsWith(`kmstrail: ${path}:4:`)).toBe(true);
      const bytes = bytesOf('malformed-middle.json');
      const before = '"eventTime":"2014-11-05T21:35:47Z" ';
      expect(byteOffset(line)).toBe(bytes.indexOf(before) + Buffer.byteLength(before));
    },
  },
  // One fault inside the Records array: one line naming the line and byte, every other record kept.
  'stray-brace.json': {
    code: 1,
    records: () => [EXPECTED[0], EXPECTED[1], EXPECTED[3], EXPECTED[4]],
    lines: 1,
    check: ([line], path) => {
      // The extra '}' closes the 3rd record (line 4) early: its next ':' can be no array element.
      expect(line.startsWith(`kmstrail: ${path}:4:`)).toBe(true);
      const bytes = bytesOf('stray-brace.json');
      expect(byteOffset(line)).toBe(bytes.indexOf('}}}},"eventTime"') + '}}}},"eventTime"'.length);
    },
  },
  'missing-brace.json': {
    code: 1,
    records: () => [EXPECTED[0], EXPECTED[1], EXPECTED[3], EXPECTED[4]],
    lines: 1,
    check: ([line], path) => {
      // The 4th record's '{' (line 5) comes where a key of the unclosed 3rd belongs.
      expect(line.startsWith(`kmstrail: ${path}:5:`)).toBe(true);
      const bytes = bytesOf('missing-brace.json');
      expect(byteOffset(line)).toBe(bytes.indexOf('",\n{') + 3);
    },
  },
  'missing-comma-between.json': {
    code: 1,
    records: () => EXPECTED,
    lines: 1,
    check: ([line], path) => {
      expect(line.startsWith(`kmstrail: ${path}:4:`)).toBe(true);
      const bytes = bytesOf('missing-comma-between.json');
      expect(byteOffset(line)).toBe(bytes.indexOf('"}\n{') + 3);
    },
  },
  'stray-note.json': {
    code: 1,
    records: () => EXPECTED,
    lines: 1,
    check: ([line], path) => {
      // A line of text between two records, after the first one's ',': both records are whole.
      expect(line.startsWith(`kmstrail: ${path}:4:`)).toBe(true);
      const bytes = bytesOf('stray-note.json');
      expect(byteOffset(line)).toBe(bytes.indexOf('note: key rotated'));
    },
  },
  'extra-brace.json': {
    code: 1,
    records: () => EXPECTED,
    lines: 1,
    check: ([line], path) => {
      expect(line.startsWith(`kmstrail: ${path}:3:`)).toBe(true);
      const bytes = bytesOf('extra-brace.json');
      expect(byteOffset(line)).toBe(bytes.indexOf('"}},') + 2);
    },
  },
  'lost-open-brace.json': {
    code: 1,
    records: () => [EXPECTED[0], EXPECTED[1], EXPECTED[3], EXPECTED[4]],
    lines: 1,
    check: ([line], path) => {
      // The record's own first error, where JSON.parse stops (line 4), not where its early '}' lets
      // the scan notice that the rest of it is no record.
      expect(line.startsWith(`kmstrail: ${path}:4:`)).toBe(true);
      const bytes = bytesOf('lost-open-brace.json');
      expect(byteOffset(line)).toBe(bytes.indexOf('"userIdentity":"type"') + '"userIdentity":"type"'.length);
    },
  },
  'garbage-after.json.gz': {
    code: 1,
    // Every record (the gzip data is whole and its CRC right), then one line for what follows it.
    records: () => EXPECTED,
    lines: 1,
    check: ([line]) => {
      const stored = bytesOf('garbage-after.json.gz');
      const garbage = stored.length - stored.indexOf('garbage');
      expect(line).toContain(`${garbage} bytes after the gzip data (from stored byte ${stored.length - garbage}) are not gzip: ignored`);
    },
  },
  'zeros-then-garbage.json.gz': {
    code: 1,
    // zlib stops at the zeros without a word; the text after them is reported as zcat does.
    records: () => EXPECTED,
    lines: 1,
    check: ([line]) => {
      const stored = bytesOf('zeros-then-garbage.json.gz');
      const from = stored.length - 512 - 'garbage garbage\n'.length;
      expect(line).toContain(`${stored.length - from} bytes after the gzip data (from stored byte ${from}) are not gzip: ignored`);
    },
  },
  'bom.json': { code: 0, records: () => EXPECTED, lines: 0 },
  // Two delivery files cat'ed together: a byte order mark before each, or text between them.
  'cat-bom.json': { code: 0, records: () => DELIVERY(), lines: 0 },
  'cat-junk.json': {
    code: 1,
    records: () => DELIVERY(),
    lines: 1,
    check: ([line], path) => {
      expect(line.startsWith(`kmstrail: ${path}:1:`)).toBe(true);
      expect(byteOffset(line)).toBe(bytesOf('cat-junk.json').indexOf('== next file =='));
    },
  },
  // Another compression or an archive: one line that says what it is, not a line per line of noise.
  'zip-archive.json.gz': {
    code: 1,
    records: () => [],
    lines: 1,
    check: ([line], path) => expect(line).toBe(`kmstrail: ${path}:1: a zip archive, not JSON or gzip: unpack it first (byte 0)`),
  },
  'bzip2.json': {
    code: 1,
    records: () => [],
    lines: 1,
    check: ([line], path) => expect(line).toBe(`kmstrail: ${path}:1: bzip2-compressed data, not JSON or gzip: unpack it first (byte 0)`),
  },
  'nul-bytes.json': {
    code: 1,
    records: () => EXPECTED,
    lines: 1,
    check: ([line]) => expect(byteOffset(line)).toBe(bytesOf('nul-bytes.json').indexOf(0)),
  },
  'invalid-utf8.json': {
    code: 0,
    records: () => {
      // What a UTF-8 decoder makes of the bytes: U+FFFD for each invalid sequence.
      const decoded = recordsOf(join(BAD, 'invalid-utf8.json'));
      expect(decoded[0].userAgent).toContain('\uFFFD');
      expect(decoded.slice(1)).toEqual(EXPECTED.slice(1));
      return decoded;
    },
    lines: 1,
    check: ([line]) => {
      expect(line).toContain('warning');
      expect(line).toMatch(/UTF-8/i);
      // The bad byte itself (iconv's place), not the start of the record holding it.
      expect(byteOffset(line)).toBe(bytesOf('invalid-utf8.json').indexOf(Buffer.from([0xc3, 0x28])));
    },
  },
  'ansi-injection.json': { code: 0, records: () => recordsOf(join(BAD, 'ansi-injection.json')), lines: 0 },
  'garbage.jsonl': {
    code: 1,
    records: () => EXPECTED,
    lines: 1,
    check: ([line], path) => {
      expect(line.startsWith(`kmstrail: ${path}:4:`)).toBe(true);
      expect(byteOffset(line)).toBe(bytesOf('garbage.jsonl').indexOf('oops'));
    },
  },
  'unparsed-kms-doc.json': {
    code: 1,
    records: () => [],
    lines: 1,
    check: ([line], path) => {
      // README: trailing comma, parse error at line 23 col 5, char 758.
      expect(line.startsWith(`kmstrail: ${path}:23:5:`)).toBe(true);
      const lines = bytesOf('unparsed-kms-doc.json').toString('latin1').split('\n');
      const offset = lines.slice(0, 22).reduce((sum, l) => sum + l.length + 1, 0) + 4;
      expect(byteOffset(line)).toBe(offset);
    },
  },
};

const BAD_FILES = readdirSync(BAD)
  .filter((name) => name !== 'README.md')
  .sort();

describe('every file in fixtures/bad/', () => {
  it('has an expectation written here', () => {
    expect(BAD_FILES.filter((name) => !(name in CASES))).toEqual([]);
  });

  it.each(BAD_FILES)('%s', async (name) => {
    const spec = CASES[name];
    expect(spec, `no expectation for ${name}`).toBeDefined();
    const path = join(BAD, name);
    const result = await runCli([...ALL, path]);
    expect(result.signal).toBeNull();
    expect(result.stderr).not.toMatch(STACK_FRAME);
    const lines = stderrLines(result.stderr);
    for (const line of lines) expect(line.startsWith(`kmstrail: ${path}:`), line).toBe(true);
    expect(lines).toHaveLength(spec.lines);
    expect(result.code).toBe(spec.code);
    expect(jsonLines(result.stdout)).toEqual(spec.records());
    spec.check?.(lines, path);
  });
});

describe('many faults in one input', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('kmstrail-many-faults-');
  });
  afterEach(() => removeDir(dir));

  it('20 lines are shown, then one saying more were left out; --stats and the exit code count them all', async () => {
    // 50 broken lines among the 5 records of the shapes, as JSON lines.
    const bad = Array.from({ length: 50 }, (_, k) => `{"eventName": oops${k}}`);
    const text = [...bad.slice(0, 25), ...EXPECTED_LINES, ...bad.slice(25)].join('\n') + '\n';
    const path = join(dir, 'many.jsonl');
    writeFileSync(path, text);
    const result = await runCli([...ALL, '--stats', path]);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout)).toEqual(EXPECTED);
    const lines = stderrLines(result.stderr).filter((l) => !l.startsWith('kmstrail: stats:'));
    expect(lines.filter((l) => l.includes('oops') || /malformed|expected/i.test(l))).toHaveLength(20);
    expect(lines.at(-1)).toBe(`kmstrail: ${path}: warning: more problems in this input are not shown (--stats counts them)`);
    expect(result.stderr).toContain('50 input problems (malformed JSON: 50)');
  });
});

describe('bytes appended after gzip data, beyond what is decoded in one piece', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('kmstrail-gzip-tail-');
  });
  afterEach(() => removeDir(dir));

  it('a member of more than 16 MiB decoded, then junk (or two bytes of gzip magic): every record, on a path and on stdin', async () => {
    // About 20 MiB of JSON: the shapes' records again and again, each its own eventID.
    const records = Array.from({ length: 16_000 }, (_, k) => ({ ...(EXPECTED[k % EXPECTED.length] as Json), eventID: `tail-${k}` }));
    const member = gzipSync(JSON.stringify({ Records: records }), { level: 1 });
    for (const junk of [Buffer.from('trailing junk bytes'), Buffer.from([0x1f, 0x8b, 0x58, 0x58, 0x58])]) {
      const path = join(dir, 'big.json.gz');
      writeFileSync(path, Buffer.concat([member, junk]));
      for (const run of [() => runCli([...ALL, path]), () => runCli(ALL, { input: readFileSync(path) })]) {
        const result = await run();
        expect(result.code).toBe(1);
        expect(jsonLines(result.stdout)).toHaveLength(records.length);
        const lines = stderrLines(result.stderr);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(`${junk.length} bytes after the gzip data (from stored byte ${member.length}) are not gzip: ignored`);
      }
    }
  });
});

describe('gzip damaged in the middle of its deflate data', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('kmstrail-gzip-damage-');
  });
  afterEach(() => removeDir(dir));

  // The shapes' records again, each its own eventID, one a line: whole records are whole lines.
  // A pseudo-random requestID in each, so that the file compresses as a real trail does (~8x).
  let x = 7;
  const noise = () => Array.from({ length: 6 }, () => ((x = (x * 1103515245 + 12345) % 2 ** 31), (x >> 8).toString(36))).join('');
  const lines = Array.from({ length: 900 }, (_, k) => JSON.stringify({ ...(EXPECTED[k % EXPECTED.length] as Json), eventID: `damage-${k}`, requestID: noise() }));
  const gz = gzipSync(`{"Records":[\n${lines.join(',\n')}\n]}\n`);

  /**
   * The reference: the records zcat writes out whole before it stops at the damage (what it decodes
   * between the damage and where it notices is garbage, so only the lines as written count).
   */
  function zcatRecords(path: string, written: string[]): Json[] {
    const out = spawnSync('zcat', [path], { maxBuffer: 1 << 28 }).stdout.toString('utf8').split('\n').slice(1);
    const whole = out.findIndex((line, k) => line.replace(/,$/, '') !== written[k]);
    return written.slice(0, whole).map((line) => JSON.parse(line) as Json);
  }

  it('on a path, on stdin and among many small good files read by workers: the records before the damage, one fault line at a stored byte, exit 1', async () => {
    const bad = damagedInMiddle(gz);
    const path = join(dir, 'bad.json.gz');
    writeFileSync(path, bad);
    const expected = zcatRecords(path, lines);
    expect(expected.length).toBeGreaterThan(100);
    expect(expected.length).toBeLessThan(lines.length);
    for (const run of [() => runCli([...ALL, path]), () => runCli(ALL, { input: bad })]) {
      const result = await run();
      expect(result.code).toBe(1);
      const got = jsonLines(result.stdout);
      // zcat loses what its last read decoded to: at most a record or two more here.
      expect(got.slice(0, expected.length)).toEqual(expected);
      expect(got.length - expected.length).toBeLessThanOrEqual(2);
      const gzipLines = stderrLines(result.stderr).filter((line) => /corrupt gzip|gzip data|gzip checksum/.test(line));
      expect(gzipLines).toHaveLength(1);
      expect(gzipLines[0]).toMatch(/: corrupt gzip data \(.+\) at stored byte \d+ \(after \d+ bytes of data\)$/);
    }

    // A tree of small files, one of them damaged: the others whole, the damaged one its good part.
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    const small = Array.from({ length: 30 }, (_, k) => lines.slice(k * 30, k * 30 + 30));
    small.forEach((part, k) => writeFileSync(join(tree, `f${String(k).padStart(2, '0')}.json.gz`), gzipSync(`{"Records":[\n${part.join(',\n')}\n]}\n`)));
    const brokenPath = join(tree, 'f13.json.gz');
    writeFileSync(brokenPath, damagedInMiddle(readFileSync(brokenPath), 64));
    const keptOfBroken = zcatRecords(brokenPath, small[13]);
    expect(keptOfBroken.length).toBeLessThan(30);
    for (const jobs of ['1', '2']) {
      const result = await runCli([...ALL, '--jobs', jobs, tree]);
      expect(result.code).toBe(1);
      const want = [...small.slice(0, 13).flat().map((l) => JSON.parse(l) as Json), ...keptOfBroken, ...small.slice(14).flat().map((l) => JSON.parse(l) as Json)];
      const got = jsonLines(result.stdout);
      expect(got.length - want.length).toBeGreaterThanOrEqual(0);
      expect(got.length - want.length).toBeLessThanOrEqual(2);
      const wanted = new Set(want.map((r) => JSON.stringify(r)));
      expect(got.filter((r) => !wanted.has(JSON.stringify(r))).length).toBeLessThanOrEqual(2);
      expect(stderrLines(result.stderr).filter((line) => /corrupt gzip|gzip data|gzip checksum/.test(line))).toEqual([expect.stringContaining(`${brokenPath}: corrupt gzip data`)]);
    }
  });

  it('a second member cut short is said to end early, not to be bytes that are not gzip', async () => {
    const path = join(dir, 'two.json.gz');
    writeFileSync(path, Buffer.concat([gz, gz.subarray(0, gz.length >> 1)]));
    const result = await runCli([...ALL, path]);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout).length).toBeGreaterThan(lines.length);
    const errors = stderrLines(result.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('gzip data ends early (truncated download?)');
    expect(errors[0]).not.toContain('not gzip');
  });
});

describe('hostile strings (ansi-injection.json)', () => {
  const path = join(BAD, 'ansi-injection.json');
  const CONTROL = /[\x1b\x07\x08\r]/;

  it.each([
    [['--format', 'table']],
    [['--format', 'table', '--fields', 'principal,principal-arn,user-agent']],
  ])('table %j has no ESC, BEL, CR or backspace byte', async (args) => {
    const result = await runCli(['filter', ...args, path]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    // One table, one header; long values wrap onto more lines when piped (nothing is cut there).
    for (const corner of ['┌', '├', '└']) expect(result.stdout.split('\n').filter((l) => l.startsWith(corner))).toHaveLength(1);
    expect(result.stdout).not.toMatch(CONTROL);
    // The escapes are shown, whole once the cells' lines are joined.
    const joined = tableRows(result.stdout).map((r) => r.join('')).join('');
    expect(joined).toContain('\\x1b[31mred');
  });

  it('csv has no control bytes and defuses cells that start with =', async () => {
    const fields = 'time,event,principal,key,region,source-ip,error,account,principal-arn,source,user-agent,event-id,error-message,file';
    const result = await runCli(['filter', '--format', 'csv', '--fields', fields, path]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    // CR only as part of the CRLF row terminator; ESC, BEL and backspace nowhere.
    expect(result.stdout.replace(/\r\n/g, '\n')).not.toMatch(CONTROL);
    const rows = parseCsv(result.stdout);
    expect(rows).toHaveLength(2);
    for (const cell of rows.flat()) {
      expect(cell).not.toMatch(CONTROL);
      expect(cell).not.toMatch(/^[=+\-@]/);
    }
    const header = fields.split(',');
    const principal = rows[1][header.indexOf('principal')];
    expect(principal.startsWith(`'=HYPERLINK(`)).toBe(true);
  });

  it('jsonl keeps the record exactly (round trip)', async () => {
    const result = await runCli(['filter', '--format', 'jsonl', path]);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(recordsOf(path));
  });

  it('json keeps the record exactly (round trip)', async () => {
    const result = await runCli(['filter', '--format', 'json', path]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(recordsOf(path));
  });

  it('a file name with control characters is shown escaped on stderr', async () => {
    const dir = makeTempDir();
    try {
      const evil = join(dir, 'evil\x1b[31m\x07.json');
      writeFileSync(evil, '');
      const result = await runCli([...ALL, evil]);
      expect(result.code).toBe(1);
      expect(stderrLines(result.stderr)).toHaveLength(1);
      expect(result.stderr.startsWith(`kmstrail: ${dir}/evil`)).toBe(true);
      expect(result.stderr).not.toMatch(/[\x1b\x07]/);
    } finally {
      removeDir(dir);
    }
  });
});

describe('good and bad inputs together', () => {
  it('a good file and a truncated one: every good record is printed, exit 1', async () => {
    const truncated = join(BAD, 'truncated.json');
    const result = await runCli([...ALL, join(SHAPES, 'delivery.json'), truncated, join(SHAPES, 'records.jsonl')]);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout)).toEqual([...EXPECTED, ...EXPECTED.slice(0, 3), ...EXPECTED]);
    const lines = stderrLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`kmstrail: ${truncated}:`)).toBe(true);
  });

  it('an empty file first, then a gzip file: the gzip records are printed, exit 1', async () => {
    const empty = join(BAD, 'empty.json');
    const result = await runCli([...ALL, empty, join(SHAPES, 'delivery.json.gz')]);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout)).toEqual(EXPECTED);
    const lines = stderrLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`kmstrail: ${empty}:`)).toBe(true);
  });

  it('every bad file at once, between good ones: all good records printed, no stack trace', async () => {
    const single = join(SHAPES, 'single-record.json');
    const args = BAD_FILES.flatMap((name) => [single, join(BAD, name)]);
    const result = await runCli([...ALL, ...args, single]);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    for (const line of stderrLines(result.stderr)) expect(line.startsWith('kmstrail: ')).toBe(true);
    const expected = [...BAD_FILES.flatMap((name) => [EXPECTED[0], ...CASES[name].records()]), EXPECTED[0]];
    expect(jsonLines(result.stdout)).toEqual(expected);
  });
});

describe('path problems', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => {
    if (dir) {
      // Undo chmod 000 so the directory can be removed.
      try {
        chmodSync(join(dir, 'locked.json'), 0o644);
      } catch {
        /* not there */
      }
      removeDir(dir);
    }
  });

  it('a file whose name is not valid UTF-8, in a folder: one line with its bytes escaped (not "no such file"); the others are read', async () => {
    copyFileSync(KMS_DOCS, join(dir, 'a.json'));
    // Written by name as bytes: Node would turn a string with \xff into UTF-8.
    const made = spawnSync('sh', ['-c', `cp "$0" "$(printf '%s/bad\\377\\376name.json' "$1")"`, KMS_DOCS, dir]);
    expect(made.status).toBe(0);
    const result = await runCli([...ALL, dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`kmstrail: ${dir}/bad\\xff\\xfename.json: its name is not valid UTF-8, and Node opens files only by UTF-8 names: rename it to read it\n`);
    expect(jsonLines(result.stdout).length).toBe(jsonLines((await runCli([...ALL, KMS_DOCS])).stdout).length);
  });

  it.skipIf(!existsSync('/dev/zero'))('an endless input that is no trail (/dev/zero): one line, and the run ends; the next path is read', async () => {
    // It read on to the input's end after the fault, and /dev/zero has none: killed after 20 s.
    const result = spawnSync(process.execPath, [BIN, ...ALL, '/dev/zero', join(SHAPES, 'single-record.json')], { encoding: 'utf8', timeout: 20_000 });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr)).toEqual(["kmstrail: /dev/zero:1: not JSON: it starts with byte 0x00 (NUL), not '{' or '[' (not a trail file) (byte 0)"]);
    expect(jsonLines(result.stdout)).toEqual([EXPECTED[0]]);
  });

  it('a missing path is reported in one line, exit 1, and the other paths are still read', async () => {
    const missing = join(dir, 'missing.json');
    const result = await runCli([...ALL, join(SHAPES, 'delivery.json'), missing, join(SHAPES, 'single-record.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`kmstrail: ${missing}: no such file or directory\n`);
    expect(jsonLines(result.stdout)).toEqual([...EXPECTED, EXPECTED[0]]);
  });

  it('a missing path alone: nothing on stdout, exit 1', async () => {
    const missing = join(dir, 'nope', 'missing.json.gz');
    const result = await runCli([...ALL, missing]);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: `kmstrail: ${missing}: no such file or directory\n` });
  });

  it('an empty directory is reported, exit 1', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const result = await runCli([...ALL, empty]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = stderrLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`kmstrail: ${empty}: `)).toBe(true);
    expect(lines[0]).toMatch(/no trail files/);
  });

  it('an empty directory among other paths: the others are read, exit 1', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'README.txt'), 'not a trail');
    const result = await runCli([...ALL, empty, join(SHAPES, 'records.jsonl')]);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout)).toEqual(EXPECTED);
    expect(stderrLines(result.stderr)).toHaveLength(1);
    expect(result.stderr.startsWith(`kmstrail: ${empty}: `)).toBe(true);
  });

  it('a file without read permission is reported, exit 1, others still read', async ({ skip }) => {
    const locked = join(dir, 'locked.json');
    copyFileSync(join(SHAPES, 'delivery.json'), locked);
    chmodSync(locked, 0o000);
    let readable = false;
    try {
      accessSync(locked, constants.R_OK);
      readable = true;
    } catch {
      readable = false;
    }
    // Root reads files whatever their mode: the case cannot be made here.
    if (readable) skip('running with privileges that ignore file modes (root)');
    const result = await runCli([...ALL, locked, join(SHAPES, 'single-record.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    const lines = stderrLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`kmstrail: ${locked}: permission denied`)).toBe(true);
    expect(jsonLines(result.stdout)).toEqual([EXPECTED[0]]);
  });

  it('a symlink loop in a directory tree: the walk finishes and reads the real files once', async () => {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    copyFileSync(join(SHAPES, 'delivery.json'), join(dir, 'a', 'x.json'));
    copyFileSync(join(SHAPES, 'records.jsonl'), join(dir, 'a', 'b', 'y.jsonl'));
    symlinkSync('..', join(dir, 'a', 'b', 'up'));
    symlinkSync('../a', join(dir, 'a', 'loop'));
    const result = await runCli(['filter', '--all-sources', '--keep-duplicates', '--format', 'csv', '--fields', 'file,event-id', dir]);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    const rows = parseCsv(result.stdout).slice(1);
    const ids = EXPECTED.map((r) => String(r.eventID));
    // Name order: a/b/y.jsonl, then a/x.json (a/loop leads back to a/, already walked).
    expect(rows).toEqual([
      ...ids.map((id) => [join(dir, 'a', 'b', 'y.jsonl'), id]),
      ...ids.map((id) => [join(dir, 'a', 'x.json'), id]),
    ]);
    for (const line of stderrLines(result.stderr)) {
      expect(line.startsWith(`kmstrail: ${dir}/`)).toBe(true);
      expect(line).toContain('warning');
    }
    // a/b/up and a/loop lead back to a folder they are in: loops.
    expect(stderrLines(result.stderr).sort()).toEqual(
      [join(dir, 'a', 'b', 'up'), join(dir, 'a', 'loop')].map((link) => `kmstrail: ${link}: warning: symbolic link loop, already walked; skipped`).sort(),
    );
  });

  it('a symbolic link to a folder walked already, not above it, is skipped as such, not called a loop', async () => {
    mkdirSync(join(dir, 'a'), { recursive: true });
    mkdirSync(join(dir, 'b'), { recursive: true });
    copyFileSync(join(SHAPES, 'delivery.json'), join(dir, 'a', 'x.json'));
    symlinkSync('../a', join(dir, 'b', 'to-a'));
    const result = await runCli(['filter', '--all-sources', '--keep-duplicates', '--format', 'jsonl', dir]);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toHaveLength(EXPECTED.length);
    expect(stderrLines(result.stderr)).toEqual([`kmstrail: ${join(dir, 'b', 'to-a')}: warning: the same folder as one already walked; skipped`]);
  });

  it('a symlink to itself and a dangling one are reported; the real file is read', async () => {
    copyFileSync(join(SHAPES, 'delivery.json'), join(dir, 'real.json'));
    symlinkSync('self.json', join(dir, 'self.json'));
    symlinkSync('nowhere.json', join(dir, 'dangling.json'));
    const result = await runCli([...ALL, dir]);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout)).toEqual(EXPECTED);
    const lines = stderrLines(result.stderr);
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => l.startsWith(`kmstrail: ${join(dir, 'self.json')}: `))).toBe(true);
    expect(lines.some((l) => l.startsWith(`kmstrail: ${join(dir, 'dangling.json')}: `))).toBe(true);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});

describe('text that is not JSON, named as a path', () => {
  it('one line for the input (not one per line of it), in both readers; the good file after it is read', async () => {
    const dir = makeTempDir();
    try {
      const notes = join(dir, 'NOTES.md');
      writeFileSync(notes, '# Incident notes\n\nThe key was scheduled for deletion at 10:02.\n'.repeat(40));
      const utf16 = join(dir, 'unicode.json');
      writeFileSync(utf16, Buffer.from(`\ufeff${readFileSync(join(SHAPES, 'delivery.json'), 'utf8')}`, 'utf16le'));
      for (const reader of ['fast', 'stream-json']) {
        const run = await runCli(['filter', '--all-sources', '--reader', reader, '-f', 'jsonl', notes, utf16, join(SHAPES, 'delivery.json')]);
        expect(stderrLines(run.stderr), reader).toEqual([
          `kmstrail: ${notes}:1: not JSON: it starts with '#', not '{' or '[' (not a trail file) (byte 0)`,
          `kmstrail: ${utf16}:1: UTF-16LE text, not UTF-8: convert it first (iconv -f UTF-16LE -t UTF-8) (byte 0)`,
        ]);
        expect(run.code).toBe(1);
        expect(jsonLines(run.stdout)).toHaveLength(5);
      }
    } finally {
      removeDir(dir);
    }
  });
});

describe('--strict', () => {
  // Regression guard: with --strict the records before the first fault in the same chunk are lost after the first one: forEachMatch breaks out of the batch as soon as `stop` is set, and the fault has already set it while the batch was bein
  it('stops at the first fault: malformed-middle.json emits records 1 and 2 only', async () => {
    const path = join(BAD, 'malformed-middle.json');
    const result = await runCli([...ALL, '--strict', path]);
    expect(result.code).toBe(1);
    expect(stderrLines(result.stderr)).toHaveLength(1);
    expect(result.stderr.startsWith(`kmstrail: ${path}:4:`)).toBe(true);
    // Regression guard: --strict said "record skipped", as if the run had gone on past the fault.
    expect(result.stderr).toMatch(/; stopped here \(--strict\) \(byte \d+\)\n$/);
    expect(result.stderr).not.toContain('skipped');
    expect(jsonLines(result.stdout)).toEqual(EXPECTED.slice(0, 2));
  });

  it('inside a Records array too, the line says it stopped, not that it read on', async () => {
    const path = join(BAD, 'stray-brace.json');
    const result = await runCli([...ALL, '--strict', path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/; stopped here \(--strict\) \(byte \d+\)\n$/);
    expect(result.stderr).not.toContain('read on');
  });

  // Regression guard: same cause as above: garbage.jsonl should give its first 3 records, gives only the 1st.
  it('stops at the first fault: garbage.jsonl emits records 1 to 3 only', async () => {
    const path = join(BAD, 'garbage.jsonl');
    const result = await runCli([...ALL, '--strict', path]);
    expect(result.code).toBe(1);
    expect(stderrLines(result.stderr)).toHaveLength(1);
    expect(jsonLines(result.stdout)).toEqual(EXPECTED.slice(0, 3));
  });

  it('emits nothing after the first fault, and reads no further input', async () => {
    const path = join(BAD, 'malformed-middle.json');
    const other = join(RECORDS, 'aws__aws-cli.json');
    const otherIds = new Set(recordsOf(other).map((r) => r.eventID));
    const result = await runCli([...ALL, '--strict', path, other]);
    expect(result.code).toBe(1);
    const lines = stderrLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`kmstrail: ${path}:4:`)).toBe(true);
    const out = jsonLines(result.stdout) as Json[];
    for (const record of out) expect(otherIds.has(record.eventID)).toBe(false);
    // Never the records after the fault (4 and 5).
    expect(out).not.toContainEqual(EXPECTED[3]);
    expect(out).not.toContainEqual(EXPECTED[4]);
    expect(EXPECTED.slice(0, 2)).toEqual(expect.arrayContaining(out));
  });

  it('a truncated file emits its complete records, then stops', async () => {
    const result = await runCli([...ALL, '--strict', join(BAD, 'truncated.json'), join(SHAPES, 'single-record.json')]);
    expect(result.code).toBe(1);
    expect(stderrLines(result.stderr)).toHaveLength(1);
    expect(jsonLines(result.stdout)).toEqual(EXPECTED.slice(0, 3));
  });

  it('a missing first path stops the run before anything is read', async () => {
    const dir = makeTempDir();
    try {
      const missing = join(dir, 'missing.json');
      const result = await runCli([...ALL, '--strict', missing, join(SHAPES, 'delivery.json')]);
      expect(result).toMatchObject({ code: 1, stdout: '', stderr: `kmstrail: ${missing}: no such file or directory\n` });
    } finally {
      removeDir(dir);
    }
  });

  it('commands that read twice (--key alias/x, the origins of summary) tell the stop once and use nothing after it', async () => {
    const dir = makeTempDir();
    try {
      const key = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      const record = (n: number, more: string) =>
        `{"eventVersion":"1.08","eventTime":"2024-03-01T00:00:0${n}Z","eventSource":"kms.amazonaws.com","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u${n}"},"eventID":"11111111-0000-0000-0000-00000000000${n}",${more}}`;
      const path = join(dir, 'strict.json');
      writeFileSync(
        path,
        `{"Records":[\n${record(1, `"eventName":"Decrypt","requestParameters":{"keyId":"${key}"}`)},\n` +
          `{"eventVersion":"1.08","eventTime":"2024-03-01T00:00:02Z" "eventName":"Decrypt"},\n` +
          `${record(3, `"eventName":"CreateAlias","requestParameters":{"aliasName":"alias/x","targetKeyId":"${key}"}`)}\n]}\n`,
      );
      const byAlias = await runCli(['filter', '--key', 'alias/x', '--strict', '--format', 'jsonl', path]);
      expect(byAlias.code).toBe(1);
      // alias/x names the key only in the CreateAlias after the stop: nothing before it matches.
      expect(byAlias.stdout).toBe('');
      expect(stderrLines(byAlias.stderr)).toEqual([expect.stringMatching(new RegExp(`^kmstrail: ${path}:3: .*; stopped here \\(--strict\\) \\(byte \\d+\\)$`))]);
      for (const command of ['summary', 'trace', 'detect']) {
        const run = await runCli([command, '--strict', '--format', 'json', path]);
        expect(run.code, command).toBe(1);
        expect(stderrLines(run.stderr), command).toEqual(stderrLines(byAlias.stderr));
      }
    } finally {
      removeDir(dir);
    }
  });

  it('a warning (invalid UTF-8) does not stop a strict run', async () => {
    const result = await runCli([...ALL, '--strict', join(BAD, 'invalid-utf8.json'), join(SHAPES, 'single-record.json')]);
    expect(result.code).toBe(0);
    expect(stderrLines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain('warning');
    expect(jsonLines(result.stdout)).toHaveLength(6);
  });
});
