/**
 * Gzip with bytes appended after its data, read as zcat reads it: member by member. Real gzip from
 * zlib, real CRCs; `decodedChunks` over a stored file and over a stream (as stdin comes).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodedChunks, membersAfter, ReadFault } from '../../../src/sources/decoded-chunks.js';
import type { TrailInput } from '../../../src/sources/trail-input.js';

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
    expect((await walk(Buffer.concat([damaged, Buffer.from('x')]))).end).toBe('damaged');
    const whole = gzipSync(a);
    expect((await walk(whole.subarray(0, whole.length - 4))).end).toBe('damaged');
    expect((await walk(Buffer.from('not gzip'))).end).toBe('damaged');
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
