/**
 * Where a big file is split across two cores: the planner's byte-level guesses. Whether a guess
 * is taken is proven elsewhere (readers.property.test.ts: reading in two parts gives what reading
 * whole gives) and end to end (e2e/split-file.test.ts).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRecordStart, firstRecordKey, planSplit, SPLIT_MIN_BYTES } from '../../../src/pipeline/split-file.js';
import { readTrail } from '../../../src/reader/trail-reader.js';
import { filePartInput } from '../../../src/sources/local-files.js';
import { generateTrail, writeDecoyTrail } from '../../helpers/big-trails.js';
import { makeTempDir, removeDir } from '../../helpers/e2e.js';

const key = (text: string) => firstRecordKey(Buffer.from(text))?.toString();
const start = (text: string) => findRecordStart(Buffer.from(text), Buffer.from('eventVersion'));

describe('firstRecordKey: only files shaped like CloudTrail writes them are split', () => {
  it.each([
    ['compact', '{"Records":[{"eventVersion":"1.08"', 'eventVersion'],
    ['pretty', '{\n  "Records": [\n    {\n      "eventVersion": "1.08"', 'eventVersion'],
    ['with a byte order mark', '\ufeff{"Records":[{"eventTime":"x"', 'eventTime'],
  ])('%s', (_name, head, expected) => {
    expect(key(head)).toBe(expected);
  });

  it.each([
    ['lookup-events output', '{"Events":[{"EventId":"1"'],
    ['a bare array', '[{"eventVersion":"1.08"'],
    ['JSON lines', '{"eventVersion":"1.08"}\n{"eventVersion":"1.08"}'],
    ['other keys before Records', '{"x":1,"Records":[{"eventVersion":"1.08"'],
    ['an empty Records array', '{"Records":[]}'],
    ['an escaped first key', '{"Records":[{"event\\u0056ersion":"1.08"'],
    ['gzip', gzipSync('{"Records":[{"eventVersion":"1.08"}]}').toString('latin1')],
  ])('%s: no', (_name, head) => {
    expect(key(head)).toBeUndefined();
  });
});

describe('findRecordStart: the first object after "},", whose first key is the records\' first key', () => {
  it('compact and pretty separators', () => {
    expect(start('1.08"}]},{"eventVersion":"1.08"')).toBe(9);
    expect(start('"x"\n    },\n    {\n      "eventVersion": "1.08"')).toBe(15);
  });

  it('not inside a string: there every quote is escaped', () => {
    const text = '"policy":"},{\\"eventVersion\\":\\"1\\"}"},{"eventVersion":"1.08"';
    expect(start(text)).toBe(text.lastIndexOf('{'));
  });

  it('not without "},", not when the name is a value, not another key', () => {
    expect(start('[{"eventVersion":"1"}]')).toBeUndefined();
    expect(start('},{"eventVersionX":"1"},{"x":"eventVersion"}')).toBeUndefined();
    expect(start('},{"eventVersion"}')).toBeUndefined();
  });
});

describe('planSplit on real files', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('kmstrail-split-');
  });
  afterAll(() => removeDir(dir));

  it('a generated trail of 72 MiB splits at a real record start past the middle', () => {
    const path = join(dir, 'trail.json');
    generateTrail(path);
    const size = statSync(path).size;
    const at = planSplit(path, size) as number;
    expect(at).toBeGreaterThan(size / 2);
    expect(at).toBeLessThan(size);
    const bytes = readFileSync(path);
    // A real start: the Records array parsed up to there holds whole records only.
    const head = bytes.subarray(0, at).toString('utf8').replace(/,\s*$/, ']}');
    const records = (JSON.parse(head) as { Records: Array<{ eventID: string }> }).Records;
    const rest = JSON.parse(`{"Records":[${bytes.subarray(at).toString('utf8')}`) as { Records: Array<{ eventID: string }> };
    const all = (JSON.parse(bytes.toString('utf8')) as { Records: Array<{ eventID: string }> }).Records;
    expect(records.length + rest.Records.length).toBe(all.length);
    expect(rest.Records[0].eventID).toBe(all[records.length].eventID);
  });

  it('a trail full of decoys: the guess lands on one (and the reader must refuse it)', () => {
    const path = join(dir, 'decoys.json');
    writeDecoyTrail(path);
    const at = planSplit(path, statSync(path).size) as number;
    expect(at).toBeDefined();
    // Real records start a line; this one does not.
    expect(readFileSync(path).subarray(at - 1, at).toString()).not.toBe('\n');
  });

  it('a part read with blocking reads still lets the event loop run (Ctrl-C, timers)', async () => {
    const path = join(dir, 'trail.json');
    if (!existsSync(path)) generateTrail(path);
    let turns = 0;
    let reading = true;
    const tick = () => {
      turns++;
      if (reading) setImmediate(tick);
    };
    setImmediate(tick);
    let bytes = 0;
    for await (const chunk of filePartInput(path, 1000).open() as AsyncIterable<Buffer>) bytes += chunk.length;
    reading = false;
    expect(bytes).toBe(statSync(path).size - 1000);
    // A 72 MiB part is 72 reads: the loop must have turned several times, not only at the end.
    expect(turns).toBeGreaterThanOrEqual(4);
  });

  it('a part reads exactly the bytes from its start, blocking, ahead on the thread pool, or switching between', async () => {
    const path = join(dir, 'trail.json');
    if (!existsSync(path)) generateTrail(path);
    const whole = readFileSync(path);
    const start = 12345;
    for (const [name, blocking] of [
      ['blocking', () => true],
      ['ahead', () => false],
      ['switching after 5 reads', (() => {
        let n = 0;
        return () => n++ < 5;
      })()],
    ] as const) {
      const chunks: Buffer[] = [];
      for await (const chunk of filePartInput(path, start, blocking).open() as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
      expect(Buffer.concat(chunks).equals(whole.subarray(start)), name).toBe(true);
    }
  });

  it('records over several read chunks come out whole from a part read into reused buffers', async () => {
    const path = join(dir, 'big-records.json');
    const records = [3, 1, 5, 2].map((mb, k) => ({ eventName: 'PutKeyPolicy', eventID: `r${k}`, requestParameters: { policy: `${k}é"\\`.repeat((mb << 20) / 5) } }));
    writeFileSync(path, JSON.stringify({ Records: records }));
    const read: unknown[] = [];
    for await (const batch of readTrail(filePartInput(path, 0), { onFault: (fault) => read.push(fault) })) read.push(...batch.map((r) => r.record));
    expect(read).toEqual(records);
  });

  it('small, gzipped or missing files are read whole', () => {
    if (!existsSync(join(dir, 'trail.json'))) generateTrail(join(dir, 'trail.json'));
    const small = join(dir, 'small.json');
    writeFileSync(small, '{"Records":[{"eventVersion":"1.08"},{"eventVersion":"1.08"}]}');
    expect(planSplit(small, SPLIT_MIN_BYTES - 1)).toBeUndefined();
    const gz = join(dir, 'trail.json.gz');
    writeFileSync(gz, gzipSync(readFileSync(join(dir, 'trail.json')).subarray(0, 1 << 20)));
    expect(planSplit(gz, SPLIT_MIN_BYTES * 2)).toBeUndefined();
    expect(planSplit(join(dir, 'missing.json'), SPLIT_MIN_BYTES * 2)).toBeUndefined();
  });
});
