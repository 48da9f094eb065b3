/**
 * Opens an input and yields its bytes, gunzipped when its first bytes are the gzip magic number
 * (S3 downloads lose their extensions, and `.gz` files are sometimes plain). zlib runs on Node's
 * thread pool, so decompression overlaps with scanning on the main thread.
 */
import type { Readable } from 'node:stream';
import zlib, { createGunzip, createInflateRaw, gunzipSync, inflateRawSync } from 'node:zlib';
import { describeFsError } from './fs-errors.js';
import type { TrailInput } from './trail-input.js';
import { Wakeup } from '../util/wakeup.js';

/** An input that could not be read to its end; `offset` counts decoded bytes delivered before it. */
export class ReadFault extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const TRAILER_BYTES = 8;

export function isGzip(chunk: Buffer): boolean {
  return chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b;
}

/**
 * A checksum that does not match says the data changed somewhere, not where: a flipped bit in a
 * literal decodes on as a changed byte, so records decoded from it may be altered ("readOnly":55666,
 * a principal one letter off). They are shown, as zcat shows them; the fault line says what they are.
 */
const CHECKSUM_MISMATCH = 'gzip checksum mismatch (corrupted file: records read from it may be altered)';

function describeZlib(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'Z_BUF_ERROR':
      return 'gzip data ends early (truncated download?)';
    case 'Z_DATA_ERROR':
      if (/header check/i.test(error.message)) return 'bytes that are not gzip after the gzip data, or a damaged gzip header';
      return /check/i.test(error.message) ? CHECKSUM_MISMATCH : `corrupt gzip data (${error.message})`;
    default:
      return `gzip: ${error.message}`;
  }
}

/** Files up to this size are read and gunzipped in one go. */
const SMALL_FILE = 16 << 20;

/** Yields decoded chunks; throws ReadFault when the bytes cannot be read or decompressed. */
export async function* decodedChunks(input: TrailInput, onGzip: () => void = () => {}): AsyncGenerator<Buffer> {
  if (input.readWhole && (input.size === undefined || input.size <= SMALL_FILE)) {
    let stored: Buffer | undefined;
    try {
      stored = await input.readWhole(SMALL_FILE);
    } catch (error) {
      throw new ReadFault(describeFsError(error), 0);
    }
    if (stored) {
      yield* decodedSmallFile(stored, onGzip);
      return;
    }
  }
  let raw: Readable;
  try {
    raw = input.open();
  } catch (error) {
    throw new ReadFault(describeFsError(error), 0);
  }
  const iterator = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let delivered = 0;
  let first: IteratorResult<Buffer>;
  try {
    first = await iterator.next();
  } catch (error) {
    throw new ReadFault(describeFsError(error), 0);
  }
  if (first.done) return;
  // The gzip magic number is two bytes: a first chunk of one byte (a slow pipe) must wait for more.
  while (first.value.length < 2) {
    let more: IteratorResult<Buffer>;
    try {
      more = await iterator.next();
    } catch (error) {
      throw new ReadFault(describeFsError(error), 0);
    }
    if (more.done) break;
    first = { done: false, value: Buffer.concat([first.value, more.value]) };
  }
  if (!isGzip(first.value)) {
    try {
      delivered += first.value.length;
      yield first.value;
      for (;;) {
        let next: IteratorResult<Buffer>;
        try {
          next = await iterator.next();
        } catch (error) {
          throw new ReadFault(describeFsError(error), delivered);
        }
        if (next.done) return;
        delivered += next.value.length;
        yield next.value;
      }
    } finally {
      // Stopping early (--limit, a closed pipe) must release the file.
      raw.destroy();
    }
  }

  onGzip();
  yield* gunzipped(first.value, iterator, () => raw.destroy(), delivered);
}

/**
 * A small file in one piece: far fewer round trips through the thread pool than a stream, which
 * matters for trees of thousands of small `.json.gz` files.
 */
async function* decodedSmallFile(stored: Buffer, onGzip: () => void): AsyncGenerator<Buffer> {
  if (isGzip(stored)) onGzip();
  const whole = decodedWhole(stored);
  if (whole) {
    if (whole.bytes.length > 0) yield whole.bytes;
    return;
  }
  // Already whole in memory: streamed through one gunzip, a failure would lose all it decoded.
  yield* walkedMembers(stored, 0);
}

/**
 * The members of stored gzip from decoded byte `delivered` on (membersAfter); throws ReadFault
 * for what ended the walk, after every byte it gave.
 */
async function* walkedMembers(stored: Buffer, delivered: number): AsyncGenerator<Buffer> {
  const walk = membersAfter(stored, delivered);
  let step = await walk.next();
  while (!step.done) {
    delivered += step.value.length;
    yield step.value;
    step = await walk.next();
  }
  const end = step.value;
  if (end) throw new ReadFault('damaged' in end ? end.damaged : trailingMessage(end), delivered);
}

/**
 * A small stored file's bytes, gunzipped in one call when its first bytes say gzip; undefined when
 * it must be streamed instead: damaged gzip (the stream delivers every byte before the damage, then
 * reports it), or one that inflates past SMALL_FILE (a 50 MB record compresses to 50 KB, and in one
 * piece all its bytes would stay in memory while its records are read and printed), or past the
 * size it states (a file of several members, such as a day's files joined with `cat`, states only
 * its last member's size: gunzipped whole it would be held in memory at any size, and built from
 * pieces of that member's size).
 */
export function decodedWhole(stored: Buffer): { bytes: Buffer; gzipped: boolean } | undefined {
  if (!isGzip(stored)) return { bytes: stored, gzipped: false };
  const expected = gunzippedSize(stored);
  if (expected > SMALL_FILE) return undefined;
  try {
    const { buffer, engine } = gunzippedUpTo(stored, expected);
    // zlib stops without a word at a zero byte after a member: zero padding is nothing to report,
    // but text after it is (as zcat says "trailing garbage ignored"); the stream path tells it.
    if (engine.bytesWritten < stored.length && !isZeros(stored, engine.bytesWritten)) return undefined;
    return { bytes: buffer, gzipped: true };
  } catch {
    return undefined;
  }
}

/** What gunzipSync gives with `info: true`: the bytes, and the engine that counted what it took. */
interface GunzipInfo {
  buffer: Buffer;
  engine: { bytesWritten: number };
}

/**
 * Gunzipped in one call into one output buffer of the `stated` size and one byte more, to see the
 * end: one piece, not many small ones joined at the end, nor a big one mostly empty. Throws past
 * that, so a file that holds more than it states (several members, or a size wrapped at 4 GiB)
 * costs no more than the size it states.
 */
function gunzippedUpTo(stored: Buffer, stated: number): GunzipInfo {
  const cap = Math.max(1024, stated + 1);
  return gunzipSync(stored, { chunkSize: cap, maxOutputLength: cap, info: true } as zlib.ZlibOptions) as unknown as GunzipInfo;
}

function isZeros(bytes: Buffer, from: number): boolean {
  for (let k = from; k < bytes.length; k++) if (bytes[k] !== 0) return false;
  return true;
}

/** The smallest gzip file: a 10-byte header, an empty deflate block and the 8-byte trailer. */
const SMALLEST_GZIP = 20;

/**
 * The decoded bytes of several small gzip files, gunzipped in one zlib call (as gzip members in a
 * row) and cut apart at the sizes their trailers state; undefined when that cannot be trusted, and
 * each file must then be decoded alone (decodedWhole). On a tree of 5 KB files, building and
 * closing one zlib engine per file cost as much as the inflating.
 *
 * Trusted only when zlib took every stored byte as members that passed their checks, and the
 * decoded total equals the sum of the stated sizes. A file of several members states only its
 * last member's size, and a file never decodes to less than it states, so equal sums mean every
 * file decoded to exactly its stated size: the cuts fall where the files meet. Anything else (bytes
 * after the data, zero padding, damage, a file that is not gzip) fails one of those checks.
 */
export function decodedTogether(stored: readonly Buffer[]): Buffer[] | undefined {
  let stated = 0;
  let storedBytes = 0;
  for (const bytes of stored) {
    if (bytes.length < SMALLEST_GZIP || !isGzip(bytes)) return undefined;
    stated += gunzippedSize(bytes);
    storedBytes += bytes.length;
  }
  if (stated > SMALL_FILE) return undefined;
  let decoded: Buffer;
  // A file that states less than it holds (a bomb whose size wrapped at 4 GiB) stops at the cap.
  try {
    const result = gunzippedUpTo(joined(stored) ?? Buffer.concat(stored, storedBytes), stated);
    if (result.engine.bytesWritten !== storedBytes) return undefined;
    decoded = result.buffer;
  } catch {
    return undefined;
  }
  if (decoded.length !== stated) return undefined;
  const parts: Buffer[] = [];
  let at = 0;
  for (const bytes of stored) {
    const size = gunzippedSize(bytes);
    parts.push(decoded.subarray(at, at + size));
    at += size;
  }
  return parts;
}

/** Pieces that lie one after the other in one buffer (see FileArena), as one view; else undefined. */
export function joined(pieces: readonly Buffer[]): Buffer | undefined {
  const first = pieces[0];
  let end = first.byteOffset + first.length;
  for (let k = 1; k < pieces.length; k++) {
    const piece = pieces[k];
    if (piece.buffer !== first.buffer || piece.byteOffset !== end) return undefined;
    end += piece.length;
  }
  return Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset);
}

/** What is said of bytes after the gzip data that are not gzip: a fault after every record read. */
function trailingMessage(trailing: { at: number; length: number }): string {
  return `${trailing.length} bytes after the gzip data (from stored byte ${trailing.at}) are not gzip: ignored`;
}

/** What is said of a member that ends before its data does. */
const CUT = 'gzip data ends early (truncated download?)';

/**
 * How a walk over stored gzip members ended: every member whole (nothing, or zeros, after them),
 * bytes that begin no member (where, how many), or a member that is cut, corrupt or fails its
 * check (what to say, naming the stored byte where it could be).
 */
export type MembersEnd = { at: number; length: number } | { damaged: string } | undefined;

/**
 * The decoded bytes of stored gzip from decoded byte `from` on, member by member and streamed (a
 * member may decode to far more than SMALL_FILE), then how the walk ended. A damaged member gives
 * every byte it decodes to before the damage (inflatedMember), as a cut one does.
 */
export async function* membersAfter(stored: Buffer, from: number): AsyncGenerator<Buffer, MembersEnd> {
  let at = 0;
  let produced = 0;
  while (at < stored.length) {
    const header = isGzip(stored.subarray(at)) ? gzipHeaderLength(stored, at) : undefined;
    if (header === undefined) {
      if (at === 0) return { damaged: stored.length < 10 ? CUT : 'damaged gzip header' };
      return isZeros(stored, at) ? undefined : { at, length: stored.length - at };
    }
    const member = inflatedMember(stored, at + header);
    let size = 0;
    let crc = 0;
    let step = await member.next();
    while (!step.done) {
      const chunk = step.value;
      size += chunk.length;
      if (CRC32) crc = CRC32(chunk, crc);
      if (produced + chunk.length > from) yield chunk.subarray(Math.max(0, from - produced));
      produced += chunk.length;
      step = await member.next();
    }
    const ended = step.value;
    if (ended === 'cut') return { damaged: CUT };
    if ('error' in ended) return { damaged: `${describeZlib(ended.error)} at stored byte ${ended.failedAt}` };
    const end = ended.end;
    if (end + TRAILER_BYTES > stored.length) return { damaged: CUT };
    if ((CRC32 && stored.readUInt32LE(end) !== crc) || stored.readUInt32LE(end + 4) !== size % 2 ** 32) {
      return { damaged: `${CHECKSUM_MISMATCH}${at > 0 ? ` in the member from stored byte ${at}` : ''}` };
    }
    at = end + TRAILER_BYTES;
  }
  return undefined;
}

/**
 * Stored bytes written to zlib at a time when a member is read again: zlib hands out nothing of the
 * write it fails on, so this bounds what must be looked for again there.
 */
const PIECE = 16 << 10;

/**
 * The raw deflate data from stored byte `start`, inflated: every decoded byte, then where the data
 * ended, 'cut' when the bytes end first, or the error and the stored byte it was met at. A corrupt
 * member gives every byte decoded before the damage, as a cut one does: zlib fails a write as a
 * whole, so the failing piece is decoded again from the member's start, with the longest prefix
 * that decodes found by halving (a cut prefix decodes, with Z_SYNC_FLUSH, a damaged one throws).
 * That costs about 14 decodes of what the member gave, so it is done only up to SMALL_FILE of it;
 * past that, what the failing piece decoded to is lost.
 */
async function* inflatedMember(stored: Buffer, start: number): AsyncGenerator<Buffer, { end: number } | 'cut' | { error: NodeJS.ErrnoException; failedAt: number }> {
  const inflate = createInflateRaw({ chunkSize: 1 << 20 });
  const queue: Buffer[] = [];
  let failure: NodeJS.ErrnoException | undefined;
  const wakeup = new Wakeup();
  inflate.on('data', (chunk: Buffer) => queue.push(chunk));
  inflate.on('error', (error: NodeJS.ErrnoException) => {
    failure ??= error;
    wakeup.notify();
  });
  let produced = 0;
  try {
    for (let piece = start; piece < stored.length; piece += PIECE) {
      const pieceEnd = Math.min(stored.length, piece + PIECE);
      const written = wakeup.wait();
      inflate.write(stored.subarray(piece, pieceEnd), wakeup.notify);
      await written;
      if (failure) {
        const prefix = produced <= SMALL_FILE ? longestPrefix(stored, start, piece, pieceEnd) : undefined;
        if (!prefix) {
          // Decoded by the calls before the failing one: good bytes, only fewer.
          for (const chunk of queue) yield chunk;
          return { error: failure, failedAt: start + inflate.bytesWritten };
        }
        if (prefix.decoded.length > produced) yield prefix.decoded.subarray(produced);
        return { error: prefix.error ?? failure, failedAt: prefix.length };
      }
      // A write's output is pushed before its callback; a tick more is no cost once per member.
      if (start + inflate.bytesWritten < pieceEnd || pieceEnd === stored.length) await new Promise(setImmediate);
      while (queue.length > 0) {
        const chunk = queue.shift() as Buffer;
        produced += chunk.length;
        yield chunk;
      }
      if (start + inflate.bytesWritten < pieceEnd) return { end: start + inflate.bytesWritten };
    }
    return 'cut';
  } finally {
    inflate.destroy();
  }
}

/**
 * The longest prefix of the deflate data from `start` that decodes, ending between `good` (known
 * to decode) and `bad` (known to fail): its end as a stored byte, what it decodes to, and the error
 * of the shortest prefix that fails.
 */
function longestPrefix(stored: Buffer, start: number, good: number, bad: number): { length: number; decoded: Buffer; error?: NodeJS.ErrnoException } | undefined {
  const attempt = (end: number): Buffer | NodeJS.ErrnoException => {
    try {
      return inflateRawSync(stored.subarray(start, end), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch (error) {
      return error as NodeJS.ErrnoException;
    }
  };
  let decoded = attempt(good);
  if (!Buffer.isBuffer(decoded)) return undefined;
  let error: NodeJS.ErrnoException | undefined;
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    const got = attempt(middle);
    if (Buffer.isBuffer(got)) {
      good = middle;
      decoded = got;
    } else {
      bad = middle;
      error = got;
    }
  }
  return { length: good, decoded, error };
}

/** zlib.crc32 came with Node 20.15: before it, a member is checked by its stated size alone. */
const CRC32 = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32;

/** The length of the gzip member header at `at` (RFC 1952), or undefined when it is not one. */
function gzipHeaderLength(stored: Buffer, at: number): number | undefined {
  const FHCRC = 2;
  const FEXTRA = 4;
  const FNAME = 8;
  const FCOMMENT = 16;
  if (stored.length < at + 10 || stored[at + 2] !== 8) return undefined;
  const flags = stored[at + 3];
  // Reserved flags set: no gzip writes that, so these bytes only look like a member.
  if (flags & 0xe0) return undefined;
  let k = at + 10;
  if (flags & FEXTRA) {
    if (stored.length < k + 2) return undefined;
    k += 2 + stored.readUInt16LE(k);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    const zero = stored.indexOf(0, k);
    if (zero < 0) return undefined;
    k = zero + 1;
  }
  if (flags & FHCRC) k += 2;
  return k <= stored.length ? k - at : undefined;
}

/**
 * The decompressed size a gzip file states in its last 4 bytes. Only a hint: it is modulo 4 GiB and
 * covers only the last member of a multi-member file, so it is used for choosing how to gunzip,
 * and for cutting files decoded together only once zlib's own checks agree with it
 * (decodedTogether).
 */
export function gunzippedSize(stored: Buffer): number {
  return stored.length >= 18 ? stored.readUInt32LE(stored.length - 4) : 0;
}

/**
 * Gunzips the stored bytes. Not plain async iteration of the zlib stream: that drops chunks
 * already decompressed when an error follows them (a bad checksum comes after all the data),
 * and nothing read may be lost. So data and the error are queued in the order zlib reports them.
 */
async function* gunzipped(
  firstChunk: Buffer,
  iterator: AsyncIterator<Buffer>,
  release: () => void,
  delivered: number,
): AsyncGenerator<Buffer> {
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  const queue: Buffer[] = [];
  let failure: ReadFault | undefined;
  let ended = false;
  const wakeup = new Wakeup();
  const notify = wakeup.notify;
  gunzip.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    // Bound memory: let the consumer catch up before decompressing more.
    if (queue.length >= 8) gunzip.pause();
    notify();
  });
  gunzip.on('error', (error: NodeJS.ErrnoException) => {
    // Paused (the consumer is behind), the stream still holds decoded output, up to a chunk and
    // more, that the error would drop with it: taken first, in order (read() of the stream the
    // error destroyed gives it, and emits nothing; the listener goes first all the same).
    gunzip.removeAllListeners('data');
    for (let held = gunzip.read() as Buffer | null; held !== null; held = gunzip.read() as Buffer | null) queue.push(held);
    failure ??= new ReadFault(describeZlib(error), -1);
    notify();
  });
  gunzip.on('end', () => {
    ended = true;
    notify();
  });

  const write = async (bytes: Buffer) => {
    if (bytes.length === 0 || gunzip.destroyed) return;
    if (!gunzip.write(bytes)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          gunzip.off('drain', done);
          gunzip.off('close', done);
          resolve();
        };
        gunzip.on('drain', done);
        gunzip.on('close', done);
      });
    }
  };
  const flushed = () =>
    new Promise<void>((resolve) => {
      if (gunzip.destroyed) return resolve();
      const done = () => {
        gunzip.off('close', done);
        resolve();
      };
      gunzip.on('close', done);
      gunzip.flush(zlib.constants.Z_SYNC_FLUSH, done);
    });
  // The stored bytes, while they are few: when bytes that are not gzip follow the last member,
  // zlib fails the write that holds them and loses that write's output; read member by member,
  // they give everything (see the end).
  let kept: Buffer[] | undefined = [];
  let keptBytes = 0;
  // Where the last stored byte that is not zero was: past the bytes kept, what zlib stopped before
  // (see the end) is padding only if nothing after it is. Found from each chunk's end, so a chunk
  // of data costs a look at its last byte.
  let lastNonZero = -1;
  // The last 8 bytes (the CRC and size trailer) are written on their own, so that a bad checksum
  // fails a write that carries no data, after every decompressed byte has been delivered.
  const feed = async () => {
    try {
      let held = Buffer.alloc(0);
      let next: IteratorResult<Buffer> = { done: false, value: firstChunk };
      while (!next.done) {
        for (let k = next.value.length - 1; k >= 0; k--) {
          if (next.value[k] !== 0) {
            lastNonZero = keptBytes + k;
            break;
          }
        }
        keptBytes += next.value.length;
        if (kept && keptBytes <= SMALL_FILE) kept.push(next.value);
        else kept = undefined;
        const bytes = held.length > 0 ? Buffer.concat([held, next.value]) : next.value;
        const cut = Math.max(0, bytes.length - TRAILER_BYTES);
        held = Buffer.from(bytes.subarray(cut));
        await write(bytes.subarray(0, cut));
        next = await iterator.next();
      }
      await write(held);
      // Flushed before the end: on a cut file these are data, and zlib drops the output of the
      // call that fails, which would be theirs were they inflated with the end.
      await flushed();
      if (!gunzip.destroyed) gunzip.end();
    } catch (error) {
      failure ??= new ReadFault(describeFsError(error), -1);
      notify();
    }
  };
  void feed();

  try {
    for (;;) {
      if (queue.length > 0) {
        const chunk = queue.shift() as Buffer;
        if (queue.length < 4 && gunzip.isPaused()) gunzip.resume();
        delivered += chunk.length;
        yield chunk;
        continue;
      }
      // zlib stopped early without an error when a zero byte followed a member: whatever follows
      // the zeros is looked at as when zlib fails.
      const stoppedEarly = ended && !failure && gunzip.bytesWritten < keptBytes;
      if (failure || stoppedEarly) {
        if (kept) {
          // zlib lost the output of the write it failed on: read the members again, one by one,
          // and give what comes after the bytes already delivered.
          yield* walkedMembers(Buffer.concat(kept), delivered);
          return;
        } else if (stoppedEarly) {
          // Too big to read again: every member was delivered; what follows them is placed and
          // counted as membersAfter would.
          const at = gunzip.bytesWritten;
          if (lastNonZero >= at) throw new ReadFault(trailingMessage({ at, length: keptBytes - at }), delivered);
          return;
        }
        if (failure) throw new ReadFault(failure.message, delivered);
      }
      if (ended) return;
      await wakeup.wait();
    }
  } finally {
    gunzip.destroy();
    release();
  }
}
