/**
 * Gzip with bytes appended after its data, read as zcat reads it: member by member. Real gzip from
 * zlib, real CRCs; `decodedChunks` over a stored file and over a stream (as stdin comes).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { constants, createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodedChunks, membersAfter, ReadFault } from '../../../src/sources/decoded-chunks.js';
import type { TrailInput } from '../../../src/sources/trail-input.js';
import { damagedInMiddle } from '../../helpers/damaged-gzip.js';

const a = Buffer.from('{"Records":[{"eventName":"A"}]}\n');
const b = Buffer.from('{"Records":[{"eventName":"B"}]}\n');

/** What the walk gives from decoded byte `from` on, and how it ends. */
async function walk(stored: Buffer, from = 0): Promise<{ bytes: Buffer; end: unknown }> {
  const chunks: Buffer[] = [];
  const it = membersAfter(stored, from);
  let step = await it.next();
  while (!step.done) {
    chunks.push(step.value);
    step = await it.next();
  }
  return { bytes: Buffer.concat(chunks), end: step.value };
}

/** Every decoded byte of an input, and the fault that ended it, if any. */
async function decoded(input: TrailInput): Promise<{ bytes: Buffer; fault?: ReadFault }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of decodedChunks(input)) chunks.push(chunk);
  } catch (error) {
    if (!(error instanceof ReadFault)) throw error;
    return { bytes: Buffer.concat(chunks), fault: error };
  }
  return { bytes: Buffer.concat(chunks) };
}

describe('membersAfter', () => {
  it('two members then text: both decoded, the text placed and counted; from a byte on, only the rest', async () => {
    const members = Buffer.concat([gzipSync(a), gzipSync(b)]);
    const stored = Buffer.concat([members, Buffer.from('garbage\n')]);
    expect(await walk(stored)).toEqual({ bytes: Buffer.concat([a, b]), end: { at: members.length, length: 8 } });
    expect((await walk(stored, a.length + 3)).bytes).toEqual(b.subarray(3));
  });

  it('zero bytes after the data are padding, not trailing', async () => {
    expect(await walk(Buffer.concat([gzipSync(a), Buffer.alloc(512)]))).toEqual({ bytes: a, end: undefined });
  });

  it('a header with a file name and a comment is stepped over', async () => {
    const plain = gzipSync(a);
    // FNAME and FCOMMENT set, each a zero-terminated string after the 10 fixed bytes.
    const header = Buffer.from(plain.subarray(0, 10));
    header[3] |= 8 | 16;
    const stored = Buffer.concat([header, Buffer.from('a.json\0a comment\0'), plain.subarray(10), Buffer.from('xyz')]);
    expect(await walk(stored)).toEqual({ bytes: a, end: { at: stored.length - 3, length: 3 } });
  });

  it('a damaged member (its CRC wrong) or a cut one is damaged, not trailing', async () => {
    const damaged = Buffer.from(gzipSync(a));
    damaged[damaged.length - 8] ^= 0xff;
    expect((await walk(Buffer.concat([damaged, Buffer.from('x')]))).end).toEqual({ damaged: 'gzip checksum mismatch (corrupted file: records read from it may be altered)' });
    const whole = gzipSync(a);
    expect((await walk(whole.subarray(0, whole.length - 4))).end).toEqual({ damaged: 'gzip data ends early (truncated download?)' });
    expect((await walk(Buffer.from('not gzip, not at all'))).end).toEqual({ damaged: 'damaged gzip header' });
  });

  it('a second member cut short, or damaged, is said to be so, not "not gzip"; each gives what decodes before', async () => {
    const second = gzipSync(bigTrail(400));
    const half = second.subarray(0, second.length >> 1);
    const cut = await walk(Buffer.concat([gzipSync(a), half]));
    expect(cut.end).toEqual({ damaged: 'gzip data ends early (truncated download?)' });
    expectKeptAsReference(cut.bytes.subarray(a.length), await streamedReference(half));
    const corrupt = damagedInMiddle(second);
    const got = await walk(Buffer.concat([gzipSync(a), corrupt]));
    expect(got.end).toEqual({ damaged: expect.stringMatching(/^corrupt gzip data \(.+\) at stored byte \d+$/) });
    expectKeptAsReference(got.bytes.subarray(a.length), await streamedReference(corrupt));
  });
});

describe('decodedChunks: gzip damaged in the middle of its deflate data', () => {
  const trail = bigTrail(3000);
  const gz = gzipSync(trail);
  const inputs = (stored: Buffer): TrailInput[] => [
    { label: 'f', size: stored.length, open: () => Readable.from([stored]), readWhole: async () => stored },
    { label: '<stdin>', open: () => Readable.from(Array.from({ length: Math.ceil(stored.length / 4096) }, (_, k) => stored.subarray(k * 4096, (k + 1) * 4096))) },
  ];

  it('random bytes over the middle, or the rest cut and random bytes after: every byte decoded before the damage, then one fault at its stored byte', async () => {
    const cases = [damagedInMiddle(gz), Buffer.concat([gz.subarray(0, gz.length >> 1), damagedInMiddle(gz).subarray(gz.length >> 1, (gz.length >> 1) + 2000)])];
    for (const stored of cases) {
      const reference = await streamedReference(stored);
      // Damage zlib notices in the deflate data, not only by the checksum at the end.
      expect(reference.error?.message).toMatch(/invalid|incorrect|too far/);
      expect(reference.error?.message).not.toMatch(/data check/);
      for (const input of inputs(stored)) {
        const got = await decoded(input);
        expectKeptAsReference(got.bytes, reference);
        expect(got.fault?.message).toMatch(/^corrupt gzip data \(.+\) at stored byte \d+$/);
        const at = Number(/stored byte (\d+)/.exec(got.fault?.message ?? '')?.[1]);
        // At the damage or after it: zlib notices it only when the bytes it decodes make no sense.
        expect(at).toBeGreaterThanOrEqual(gz.length >> 1);
        expect(got.fault?.offset).toBe(got.bytes.length);
      }
    }
  });

  it('a cut first member followed by a whole one: what the cut one decodes to before the second begins, and a fault', async () => {
    const stored = Buffer.concat([gz.subarray(0, gz.length >> 1), gz]);
    const reference = await streamedReference(gz.subarray(0, gz.length >> 1));
    for (const input of inputs(stored)) {
      const got = await decoded(input);
      expect(got.bytes.subarray(0, reference.bytes.length).equals(reference.bytes)).toBe(true);
      expect(got.fault?.message).toMatch(/^corrupt gzip data/);
    }
  });
});

/** A trail of `n` records, each different (about 130 bytes a record), on one line each. */
function bigTrail(n: number): Buffer {
  const records = Array.from({ length: n }, (_, k) => JSON.stringify({ eventVersion: '1.08', eventID: `id-${k}-${((k * 2654435761) % 2 ** 32).toString(36)}-${((k * 40503 + 7) ** 2 % 1e9).toString(16)}`, eventName: k % 3 ? 'Decrypt' : 'GenerateDataKey', requestParameters: { keyId: `key-${k % 17}` } }));
  return Buffer.from(`{"Records":[\n${records.join(',\n')}\n]}\n`);
}

/**
 * The reference: what Node's gzip stream gives for `stored`, each write done before the next, and
 * the error it stopped at. zlib gives nothing of the write it fails on, so the bytes are written 16
 * at a time to find that write, then again up to it and one at a time from there: what is lost is
 * what one byte decodes to, less than two records.
 */
async function streamedReference(stored: Buffer): Promise<{ bytes: Buffer; error?: Error }> {
  const first = await streamed(stored, () => 16);
  if (!first.error) return first;
  return streamed(stored, (at) => (at < first.failedAt ? 16 : 1));
}

async function streamed(stored: Buffer, step: (at: number) => number): Promise<{ bytes: Buffer; error?: Error; failedAt: number }> {
  const gunzip = createGunzip();
  gunzip.setMaxListeners(0);
  const out: Buffer[] = [];
  let error: Error | undefined;
  gunzip.on('data', (chunk: Buffer) => out.push(chunk));
  gunzip.on('error', (e: Error) => (error = e));
  let at = 0;
  for (; at < stored.length; at += step(at)) {
    const piece = stored.subarray(at, at + step(at));
    await new Promise<void>((resolve) => {
      gunzip.once('error', () => resolve());
      gunzip.write(piece, () => resolve());
    });
    if (error) break;
  }
  // A cut member fails only at the end.
  if (!error) await new Promise<void>((resolve) => gunzip.once('error', () => resolve()).end(resolve));
  await new Promise(setImmediate);
  gunzip.destroy();
  return { bytes: Buffer.concat(out), error, failedAt: at };
}

/** Records are lines here: the whole ones decoded. */
const wholeLines = (bytes: Buffer) => bytes.toString('latin1').split('\n').slice(0, -1);

/** Everything the reference decoded is kept, in order, and no more whole records than the lost write could hold. */
function expectKeptAsReference(got: Buffer, reference: { bytes: Buffer }): void {
  expect(reference.bytes.length).toBeGreaterThan(1000);
  expect(got.subarray(0, reference.bytes.length).equals(reference.bytes)).toBe(true);
  const extra = wholeLines(got).length - wholeLines(reference.bytes).length;
  expect(extra).toBeGreaterThanOrEqual(0);
  expect(extra).toBeLessThanOrEqual(2);
}

describe('decodedChunks: a big gzip cut short', () => {
  // Stored (level 0): the bytes before the cut decode to as many bytes of data. Past the 16 MiB
  // kept to read again, so the stream's own output is all there is.
  const data = randomBytes(18 << 20);
  const stored = gzipSync(data, { level: 0 });

  it.each([
    ['in its last block, read at once', 20, 1 << 20, 0],
    ['100 kB before its end, by a consumer that lags behind', 100_000, 1 << 20, 20],
    ['the same, in 64 KiB pieces', 100_000, 1 << 16, 5],
  ])('%s: every byte zlib decodes before the cut, then the fault', async (_name, cutBy, piece, delay) => {
    const cut = stored.subarray(0, stored.length - cutBy);
    const expected = gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH });
    expect(expected.length).toBeGreaterThan(17 << 20);
    const chunks = Array.from({ length: Math.ceil(cut.length / piece) }, (_, k) => cut.subarray(k * piece, (k + 1) * piece));
    const got: Buffer[] = [];
    let fault: ReadFault | undefined;
    try {
      for await (const chunk of decodedChunks({ label: 'cut.json.gz', open: () => Readable.from(chunks) })) {
        got.push(chunk);
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
    } catch (error) {
      if (!(error instanceof ReadFault)) throw error;
      fault = error;
    }
    // zlib drops the output of the call that fails: the bytes inflated with the end were lost so.
    const bytes = Buffer.concat(got);
    expect(bytes.length).toBe(expected.length);
    expect(bytes.equals(expected)).toBe(true);
    expect(fault?.offset).toBe(expected.length);
  });
});

describe('decodedChunks: bytes appended after gzip data', () => {
  const stored = Buffer.concat([gzipSync(a), gzipSync(b), Buffer.from([0x1f, 0x8b, 0x58]), Buffer.from('junk')]);
  const expected = { message: `7 bytes after the gzip data (from stored byte ${stored.length - 7}) are not gzip: ignored`, offset: a.length + b.length };

  it('a stored file: every member, then one fault naming the bytes ignored', async () => {
    const got = await decoded({ label: 'f', open: () => Readable.from([stored]), readWhole: async () => stored });
    expect(got.bytes).toEqual(Buffer.concat([a, b]));
    expect({ message: got.fault?.message, offset: got.fault?.offset }).toEqual(expected);
  });

  it('a stream in small pieces (stdin): the same', async () => {
    const pieces = Array.from({ length: Math.ceil(stored.length / 7) }, (_, k) => stored.subarray(k * 7, k * 7 + 7));
    const got = await decoded({ label: '<stdin>', open: () => Readable.from(pieces) });
    expect(got.bytes).toEqual(Buffer.concat([a, b]));
    expect({ message: got.fault?.message, offset: got.fault?.offset }).toEqual(expected);
  });
});

describe('decodedChunks: zero bytes after gzip data (zlib stops there without a word)', () => {
  const members = Buffer.concat([gzipSync(a), gzipSync(b)]);
  const padded = Buffer.concat([members, Buffer.alloc(64)]);
  const thenText = Buffer.concat([padded, Buffer.from('text after the padding')]);
  const pieces = (bytes: Buffer) => Array.from({ length: Math.ceil(bytes.length / 7) }, (_, k) => bytes.subarray(k * 7, k * 7 + 7));

  it('zeros alone are padding: every member, no fault, stored or streamed', async () => {
    for (const input of [{ label: 'f', open: () => Readable.from([padded]), readWhole: async () => padded }, { label: '<stdin>', open: () => Readable.from(pieces(padded)) }]) {
      expect(await decoded(input)).toEqual({ bytes: Buffer.concat([a, b]) });
    }
  });

  it('past the 16 MiB of stored bytes kept to read again, text after the zeros is still reported, and zeros alone are not', async () => {
    // Stored (level 0), so that 17 MiB of data is 17 MiB stored, quickly.
    const data = randomBytes(17 << 20);
    const big = gzipSync(data, { level: 0 });
    const chunks = (bytes: Buffer) => Array.from({ length: Math.ceil(bytes.length / (1 << 20)) }, (_, k) => bytes.subarray(k << 20, (k + 1) << 20));
    const text = Buffer.concat([big, Buffer.alloc(4096), Buffer.from('text after the padding')]);
    const got = await decoded({ label: '<stdin>', open: () => Readable.from(chunks(text)) });
    expect(got.bytes.equals(data)).toBe(true);
    expect({ message: got.fault?.message, offset: got.fault?.offset }).toEqual({ message: `${4096 + 22} bytes after the gzip data (from stored byte ${big.length}) are not gzip: ignored`, offset: data.length });
    const zeros = Buffer.concat([big, Buffer.alloc(4096)]);
    const padded = await decoded({ label: '<stdin>', open: () => Readable.from(chunks(zeros)) });
    expect(padded.fault).toBeUndefined();
    expect(padded.bytes.length).toBe(data.length);
  });

  it('text after the zeros is reported as zcat does ("trailing garbage"), after every member, stored or streamed', async () => {
    const expected = { message: `86 bytes after the gzip data (from stored byte ${members.length}) are not gzip: ignored`, offset: a.length + b.length };
    for (const input of [{ label: 'f', open: () => Readable.from([thenText]), readWhole: async () => thenText }, { label: '<stdin>', open: () => Readable.from(pieces(thenText)) }]) {
      const got = await decoded(input);
      expect(got.bytes).toEqual(Buffer.concat([a, b]));
      expect({ message: got.fault?.message, offset: got.fault?.offset }).toEqual(expected);
    }
  });
});
