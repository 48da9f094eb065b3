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
import { FileArena, readFileUpTo } from '../../../src/sources/local-files.js';
import { readFileBatch } from '../../../src/pipeline/file-batch.js';
import { BATCH_FILE_MAX } from '../../../src/pipeline/protocol.js';
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

  // Sizes are known for files named on the command line, not for a walk's (it does not stat).
  it.each([
    ['no sizes', () => undefined],
    ['the sizes of the files', (size: number) => size],
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

describe('readFileBatch and a file too big for a batch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmstrail-too-big-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Its size comes from the read itself: a tree being synced may have removed it by the time a
  // stat by name would ask (that threw, and ended the whole run or failed a worker's whole batch).
  it('sends it back unread with the size the read saw, and reads the files around it', async () => {
    const big = join(dir, 'big.json');
    writeFileSync(big, Buffer.alloc(BATCH_FILE_MAX + 10, 0x20));
    const small = join(dir, 'small.json');
    writeFileSync(small, files[1]);
    const filter = buildRecordFilter({ ...emptyFilterSpec(), sources: [] });
    const results = await readFileBatch([{ id: 0, path: small }, { id: 1, path: big }, { id: 2, path: small }], filter);
    expect(results.map((r) => r.tooBig)).toEqual([undefined, BATCH_FILE_MAX + 10, undefined]);
    expect(results.map((r) => r.events.flatMap((e) => ('records' in e ? e.records : [])).length)).toEqual([2, 0, 2]);
  });
});

describe('readFileBatch, one batch after another', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmstrail-batches-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The stored bytes of a batch are read into chunks that the next batch reuses: what the first
  // batch gave must not change when the second is read, kept as records (here) or as text.
  it.each([true, false])('keeps what a batch gave whole while the next batch is read (here: %s)', async (here) => {
    const write = (name: string, bytes: Buffer) => {
      const path = join(dir, `${here}-${name}`);
      writeFileSync(path, bytes);
      return path;
    };
    const batchOf = (tag: string) => Array.from({ length: 6 }, (_, k) => {
      const text = trail(Array.from({ length: 5 }, (_, r) => `${tag}${k}x${r}`));
      return { id: k, path: write(`${tag}${k}.json${k % 2 ? '.gz' : ''}`, k % 2 ? gzipSync(text) : text) };
    });
    const filter = buildRecordFilter({ ...emptyFilterSpec(), sources: [] });
    const texts = (results: Awaited<ReturnType<typeof readFileBatch>>) =>
      results.flatMap((r) => r.events.flatMap((e) => ('kept' in e ? e.kept.map((t) => t.raw) : 'records' in e ? e.records.map(([text]) => text) : [])));
    const first = await readFileBatch(batchOf('A'), filter, { here });
    const before = texts(first);
    expect(before).toHaveLength(30);
    expect(before.every((text) => text !== undefined && /"eventName":"A\d+x\d+"/.test(text))).toBe(true);
    const second = await readFileBatch(batchOf('B'), filter, { here });
    expect(texts(second)).toHaveLength(30);
    expect(texts(first)).toEqual(before);
    expect(texts(first).map((text) => (JSON.parse(text as string) as { eventName: string }).eventName)).toEqual(Array.from({ length: 30 }, (_, n) => `A${Math.floor(n / 5)}x${n % 5}`));
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
    // Two buffers of their own, with the second piece at the offset where the first ends.
    const a = Buffer.alloc(8192, 'a');
    const b = Buffer.alloc(8192, 'b');
    expect(joined([a.subarray(0, 4), b.subarray(4, 8)])).toBeUndefined();
  });
});

describe('readFileUpTo into a FileArena', () => {
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
    const first = readFileUpTo(a, Infinity, arena) as Buffer;
    const second = readFileUpTo(b, Infinity, arena) as Buffer;
    expect([first.toString(), second.toString()]).toEqual(['first file', 'second']);
    expect(joined([first, second])?.toString()).toBe('first filesecond');
  });

  it('reads a file that does not fit the room left into a new chunk, and one that may not fit a whole chunk the usual way', () => {
    const twelve = file('twelve', Buffer.alloc(12, 'x'));
    const eight = file('eight', Buffer.alloc(8, 'y'));
    const exact = file('exact', Buffer.alloc(16, 'e'));
    const big = file('big', Buffer.alloc(100, 'b'));
    const small = file('small', Buffer.from('z'));
    const arena = new FileArena(16);
    const first = readFileUpTo(twelve, Infinity, arena) as Buffer;
    const second = readFileUpTo(eight, Infinity, arena) as Buffer;
    expect([first.toString(), second.toString()]).toEqual(['x'.repeat(12), 'y'.repeat(8)]);
    // Not one piece: the second went to a new chunk. The first is still whole.
    expect(joined([first, second])).toBeUndefined();
    expect(first.toString()).toBe('x'.repeat(12));
    // Filling a whole chunk exactly could be a file cut at its end: read the usual way.
    expect((readFileUpTo(exact, Infinity, arena) as Buffer).toString()).toBe('e'.repeat(16));
    expect((readFileUpTo(big, Infinity, arena) as Buffer).toString()).toBe('b'.repeat(100));
    // What those left in the arena's chunk is still there for the next file, in a row.
    const third = readFileUpTo(small, Infinity, arena) as Buffer;
    expect(joined([second, third])?.toString()).toBe('y'.repeat(8) + 'z');
  });

  it('gives the size this read saw of a file too big for the batch, in the arena, in one read or not', () => {
    const path = file('eleven', Buffer.alloc(11, 'q'));
    expect(readFileUpTo(path, 10, new FileArena(64))).toEqual({ tooBig: 11 });
    expect(readFileUpTo(path, 10, new FileArena(4))).toEqual({ tooBig: 11 });
    expect(readFileUpTo(path, 10)).toEqual({ tooBig: 11 });
    const big = file('big-read', Buffer.alloc((256 << 10) + 5, 'w'));
    expect(readFileUpTo(big, 1000)).toEqual({ tooBig: (256 << 10) + 5 });
  });

  it('says a file too big for the batch is too big, in the arena or not', () => {
    const path = file('ten', Buffer.alloc(10, 'q'));
    expect(readFileUpTo(path, 9, new FileArena(64))).toEqual({ tooBig: 10 });
    expect(readFileUpTo(path, 9, new FileArena(4))).toEqual({ tooBig: 10 });
    expect(readFileUpTo(path, 10, new FileArena(64)).toString()).toBe('q'.repeat(10));
  });
});
