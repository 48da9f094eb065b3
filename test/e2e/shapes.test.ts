/**
 * Every input shape the tool reads (delivery file, pretty, Records not first, bare array, JSON
 * Lines, EventBridge, lookup-events, gzip with and without extension, stdin) yields the same 5
 * records, in order, as shapes/expected.jsonl.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedShapeRecords, SHAPES } from '../helpers/e2e.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';

const EXPECTED = expectedShapeRecords();
// Every shape fixture holds the same records: copies of one event on purpose, so they are kept here.
const ALL = ['filter', '--all-sources', '--keep-duplicates', '--format', 'jsonl'];

/** Every 5-record shape file in the folder (expected.jsonl is itself a JSON Lines input). */
const FIVE_RECORD_SHAPES = readdirSync(SHAPES)
  .filter((name) => name !== 'single-record.json')
  .sort();

describe('input shapes', () => {
  it('the folder holds the shapes this suite expects', () => {
    expect(EXPECTED).toHaveLength(5);
    expect(FIVE_RECORD_SHAPES).toEqual(
      expect.arrayContaining([
        'bare-array.json',
        'delivery-gz-no-extension',
        'delivery-pretty.json',
        'delivery-records-not-first.json',
        'delivery.json',
        'delivery.json.gz',
        'eventbridge.jsonl',
        'lookup-events.json',
        'records.jsonl',
      ]),
    );
  });

  it.each(FIVE_RECORD_SHAPES)('%s yields exactly the 5 expected records, in order', async (name) => {
    const result = await runCli([...ALL, join(SHAPES, name)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.endsWith('\n')).toBe(true);
    expect(jsonLines(result.stdout)).toEqual(EXPECTED);
  });

  it('single-record.json yields only the first record', async () => {
    const result = await runCli([...ALL, join(SHAPES, 'single-record.json')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([EXPECTED[0]]);
  });

  it('detects gzip by its magic bytes, not by its name (delivery-gz-no-extension)', async () => {
    const bytes = readFileSync(join(SHAPES, 'delivery-gz-no-extension'));
    // The file really is gzip: the test proves detection, not a plain file with an odd name.
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const result = await runCli([...ALL, join(SHAPES, 'delivery-gz-no-extension')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(EXPECTED);
  });
});

describe('standard input', () => {
  it('reads stdin when no path is given', async () => {
    const result = await runCli(ALL, { input: readFileSync(join(SHAPES, 'delivery.json')) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(EXPECTED);
  });

  it('reads stdin for the path -', async () => {
    const result = await runCli([...ALL, '-'], { input: readFileSync(join(SHAPES, 'records.jsonl')) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(EXPECTED);
  });

  it('- given twice is a usage error (exit 2), before anything is read', async () => {
    const result = await runCli([...ALL, '-', '-'], { input: readFileSync(join(SHAPES, 'records.jsonl')) });
    expect(result.stdout).toBe('');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^kmstrail: standard input \(-\) is given more than once: it can be read only once/);
  });

  it('gunzips gzip on stdin', async () => {
    const result = await runCli([...ALL, '-'], { input: readFileSync(join(SHAPES, 'delivery.json.gz')) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(EXPECTED);
  });

  it('reports empty stdin as an input failure', async () => {
    const result = await runCli(ALL, { input: '' });
    expect(result.stdout).toBe('');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^kmstrail: <stdin>: .+\n$/);
  });
});

describe('pipes given as paths: <(zcat …), /dev/stdin, a named pipe', () => {
  it('/dev/stdin as a path reads the pipe once, gzip or not', async () => {
    for (const name of ['delivery.json', 'delivery.json.gz']) {
      const result = await runCli([...ALL, '/dev/stdin'], { input: readFileSync(join(SHAPES, name)) });
      expect(result.stderr, name).toBe('');
      expect(result.code).toBe(0);
      expect(jsonLines(result.stdout)).toEqual(EXPECTED);
    }
  });

  it('a named pipe between two files, several jobs: all three read, in order; an alias --key reads the pipe twice, kept as first read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmstrail-fifo-'));
    try {
      const fifo = join(dir, 'trail.fifo');
      execFileSync('mkfifo', [fifo]);
      // The writer blocks until kmstrail opens the pipe for reading, as `<(zcat …)` does.
      const writer = spawn('sh', ['-c', `cat "$1" > "$2"`, 'sh', join(SHAPES, 'delivery.json.gz'), fifo], { stdio: 'ignore' });
      const file = join(SHAPES, 'records.jsonl');
      const result = await runCli([...ALL, '--jobs', '2', '--key', 'alias/ExampleAlias', file, fifo, file]);
      writer.kill();
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
      // What the same files give, the pipe's content as a file: the first pass read the pipe too.
      const files = await runCli([...ALL, '--jobs', '2', '--key', 'alias/ExampleAlias', file, join(SHAPES, 'delivery.json.gz'), file]);
      expect(result.stdout).toBe(files.stdout);
      expect(jsonLines(result.stdout).length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('several paths in one call', () => {
  it('keeps argument order across files of different shapes', async () => {
    const names = ['single-record.json', 'lookup-events.json', 'delivery.json.gz', 'eventbridge.jsonl'];
    const result = await runCli([...ALL, ...names.map((n) => join(SHAPES, n))]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([EXPECTED[0], ...EXPECTED, ...EXPECTED, ...EXPECTED]);
  });

  it('keeps argument order when the small file comes last', async () => {
    const names = ['delivery-pretty.json', 'bare-array.json', 'single-record.json'];
    const result = await runCli([...ALL, ...names.map((n) => join(SHAPES, n))]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([...EXPECTED, ...EXPECTED, EXPECTED[0]]);
  });

  it('reads - in its place among file paths', async () => {
    const result = await runCli([...ALL, join(SHAPES, 'single-record.json'), '-', join(SHAPES, 'single-record.json')], {
      input: readFileSync(join(SHAPES, 'bare-array.json')),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([EXPECTED[0], ...EXPECTED, EXPECTED[0]]);
  });

  it('gives the same output whatever the number of jobs', async () => {
    const paths = FIVE_RECORD_SHAPES.map((n) => join(SHAPES, n));
    const one = await runCli([...ALL, '--jobs', '1', ...paths]);
    const four = await runCli([...ALL, '--jobs', '4', ...paths]);
    expect(one.code).toBe(0);
    expect(four.code).toBe(0);
    const expected = FIVE_RECORD_SHAPES.flatMap(() => EXPECTED);
    expect(jsonLines(one.stdout)).toEqual(expected);
    expect(jsonLines(four.stdout)).toEqual(expected);
  });
});
