/**
 * Small gzip files gunzipped together in one zlib call and cut apart by their stated sizes
 * (decodedTogether), and readFileBatch, which uses it on a tree's files. Real gzip from zlib and
 * real files: every group that cannot be cut with certainty must be refused, so that each file is
 * then decoded alone and says what is wrong with it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { decodedTogether, decodedWhole } from '../../../src/sources/decoded-chunks.js';
import { readFileBatch } from '../../../src/pipeline/file-batch.js';
import { buildRecordFilter } from '../../../src/filters/record-filter.js';
import { emptyFilterSpec } from '../../../src/filters/filter-spec.js';

const trail = (names: string[]) => Buffer.from(JSON.stringify({ Records: names.map((eventName, k) => ({ eventVersion: '1.08', eventID: `${eventName}-${k}`, eventTime: '2024-01-01T00:00:00Z', eventSource: 'kms.amazonaws.com', eventName })) }));
const files = [trail(['CreateKey']), trail(['Decrypt', 'Encrypt']), trail([]), trail(['ScheduleKeyDeletion', 'Decrypt', 'Decrypt'])];
const gz = files.map((f) => gzipSync(f));

describe('decodedTogether', () => {
  it('cuts the decoded bytes exactly where each file ends', () => {
    const parts = decodedTogether(gz);
    expect(parts?.map((p) => p.toString())).toEqual(files.map((f) => f.toString()));
  });

  it('refuses a group holding a file with bytes after its gzip data (text or zero padding)', () => {
    for (const tail of [Buffer.from('not gzip'), Buffer.alloc(16), Buffer.concat([Buffer.alloc(8), gz[1].subarray(-8)])]) {
      expect(decodedTogether([gz[0], Buffer.concat([gz[1], tail]), gz[2]])).toBeUndefined();
      // Last in the group, such bytes change no file's size: zlib's count of bytes taken tells.
      expect(decodedTogether([gz[0], Buffer.concat([gz[1], tail])])).toBeUndefined();
    }
  });

  it('refuses a file of two members (its trailer states the last one only), a cut or damaged file, and plain text', () => {
    expect(decodedTogether([gz[0], Buffer.concat([gz[1], gz[3]]), gz[2]])).toBeUndefined();
    expect(decodedTogether([gz[0], gz[1].subarray(0, gz[1].length - 5), gz[2]])).toBeUndefined();
    const damaged = Buffer.from(gz[1]);
    damaged[damaged.length - 6] ^= 0xff;
    expect(decodedTogether([gz[0], damaged])).toBeUndefined();
    expect(decodedTogether([gz[0], files[1]])).toBeUndefined();
  });

  it('refuses a file that states fewer bytes than it holds (a size that wrapped at 4 GiB)', () => {
    const big = gzipSync(Buffer.alloc(1 << 20, 0x20));
    big.writeUInt32LE(10, big.length - 4);
    expect(decodedTogether([gz[0], big])).toBeUndefined();
  });
});

describe('decodedWhole', () => {
  it('gunzips a file of one member in one piece', () => {
    expect(decodedWhole(gz[3])?.bytes.toString()).toBe(files[3].toString());
  });

  it('leaves a file of several members to the stream: its trailer states the last member only, so its whole size is unknown', () => {
    // A day's files joined with cat: whole, it could be held in memory at any size.
    const day = Array.from({ length: 3 }, (_, k) => trail(Array.from({ length: 40 }, (_, r) => `Decrypt${k}-${r}`)));
    expect(decodedWhole(Buffer.concat(day.map((f) => gzipSync(f))))).toBeUndefined();
    const many = Buffer.concat([...Array.from({ length: 50 }, () => gzipSync(Buffer.alloc(1 << 20, 0x20))), gz[0]]);
    expect(decodedWhole(many)).toBeUndefined();
  });
});

describe('readFileBatch over real files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmstrail-batch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives every record of every file, a damaged or padded file among them included, each under its own name', async () => {
    const padded = Buffer.concat([gz[1], Buffer.alloc(32)]);
    const damaged = Buffer.from(gz[3]);
    damaged[damaged.length - 6] ^= 0xff;
    // Files of ~400 KB decoded: a group stops at 1 MiB, so groups end mid-run and start again.
    const big = Array.from({ length: 5 }, (_, k) => gzipSync(trail(Array.from({ length: 2500 + k }, (_, r) => `Big${k}-${r}`))));
    const stored = [gz[0], padded, gz[2], files[1], damaged, gz[1], ...big, gz[3], gz[0]];
    const paths = stored.map((bytes, k) => {
      const path = join(dir, `f${k}.json.gz`);
      writeFileSync(path, bytes);
      return path;
    });
    const filter = buildRecordFilter({ ...emptyFilterSpec(), sources: [] });
    const results = await readFileBatch(paths.map((path, id) => ({ id, path })), filter);
    const names = results.map((r) => r.events.flatMap((e) => ('records' in e ? e.records.map(([text]) => JSON.parse(text).eventName) : [])));
    const expected = stored.map((bytes) => {
      let text: Buffer;
      try {
        text = bytes[0] === 0x1f ? gunzipSync(bytes) : bytes;
      } catch {
        return ['ScheduleKeyDeletion', 'Decrypt', 'Decrypt'];
      }
      return (JSON.parse(text.toString()) as { Records: Array<{ eventName: string }> }).Records.map((r) => r.eventName);
    });
    expect(names).toEqual(expected);
    const faults = results.map((r) => r.events.filter((e) => 'fault' in e).length);
    expect(faults).toEqual(stored.map((bytes) => (bytes === damaged ? 1 : 0)));
  });
});
