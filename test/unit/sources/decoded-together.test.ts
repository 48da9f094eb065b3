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
import { decodedTogether, decodedWhole, joined } from '../../../src/sources/decoded-chunks.js';
import { FileArena, readSmallFile } from '../../../src/sources/local-files.js';
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

  // The walk's sizes lay out the batch's FileArena: unknown, right, or stale (files that grew
  // since, or shrank) must all give the same records.
  it.each([
    ['no sizes', () => undefined],
    ['the sizes of the walk', (size: number) => size],
    ['sizes from before the files grew', (size: number) => Math.floor(size / 3)],
    ['sizes from before the files shrank', (size: number) => size * 2 + 10],
  ])('gives every record of every file, a damaged or padded file among them included, each under its own name (%s)', async (_, sizeOf: (size: number) => number | undefined) => {
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
    const results = await readFileBatch(paths.map((path, id) => ({ id, path, size: sizeOf(stored[id].length) })), filter);
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

describe('joined', () => {
  const whole = Buffer.from('0123456789');

  it('makes pieces that lie in a row in one buffer one view of it, with no copy', () => {
    const view = joined([whole.subarray(1, 3), whole.subarray(3, 3), whole.subarray(3, 7)]);
    expect(view?.toString()).toBe('123456');
    expect(view?.buffer).toBe(whole.buffer);
  });

  it('refuses pieces with a gap, out of order, or from two buffers', () => {
    expect(joined([whole.subarray(1, 3), whole.subarray(4, 7)])).toBeUndefined();
    expect(joined([whole.subarray(3, 7), whole.subarray(1, 3)])).toBeUndefined();
    expect(joined([whole.subarray(1, 3), Buffer.from('3456')])).toBeUndefined();
  });
});

describe('readSmallFile into a FileArena', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmstrail-arena-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  it('reads files one after the other into the arena, as pieces in a row', () => {
    const a = file('a', Buffer.from('first file'));
    const b = file('b', Buffer.from('second'));
    const arena = new FileArena(64);
    const first = readSmallFile(a, Infinity, arena) as Buffer;
    const second = readSmallFile(b, Infinity, arena) as Buffer;
    expect([first.toString(), second.toString()]).toEqual(['first file', 'second']);
    expect(joined([first, second])?.toString()).toBe('first filesecond');
  });

  it('reads a file that may not fit the room left the usual way, whole, and keeps that room for the next', () => {
    const exact = file('exact', Buffer.alloc(16, 'x'));
    const big = file('big', Buffer.alloc(100, 'y'));
    const small = file('small', Buffer.from('z'));
    const arena = new FileArena(16);
    // Filling the room exactly could be a file cut at the room's end: not trusted.
    const whole = readSmallFile(exact, Infinity, arena) as Buffer;
    expect(whole.toString()).toBe('x'.repeat(16));
    expect(joined([whole, readSmallFile(small, Infinity, arena) as Buffer])).toBeUndefined();
    expect((readSmallFile(big, Infinity, arena) as Buffer).toString()).toBe('y'.repeat(100));
  });

  it('says a file too big for the batch is too big, in the arena or not', () => {
    const path = file('ten', Buffer.alloc(10, 'q'));
    expect(readSmallFile(path, 9, new FileArena(64))).toBeUndefined();
    expect(readSmallFile(path, 9, new FileArena(4))).toBeUndefined();
    expect(readSmallFile(path, 10, new FileArena(64))?.toString()).toBe('q'.repeat(10));
  });
});
