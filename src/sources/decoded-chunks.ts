/**
 * Opens an input and yields its bytes, gunzipped when its first bytes are the gzip magic number
 * (S3 downloads lose their extensions, and `.gz` files are sometimes plain). zlib runs on Node's
 * thread pool, so decompression overlaps with scanning on the main thread.
 */
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { describeFsError } from './expand-paths.js';
import type { TrailInput } from './trail-input.js';

/** An input that could not be read to its end; `offset` counts decoded bytes delivered before it. */
export class ReadFault extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

function isGzip(chunk: Buffer): boolean {
  return chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b;
}

function describeZlib(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'Z_BUF_ERROR':
      return 'gzip data ends early (truncated download?)';
    case 'Z_DATA_ERROR':
      return /check/i.test(error.message) ? 'gzip checksum mismatch (corrupted file)' : `corrupt gzip data (${error.message})`;
    default:
      return `gzip: ${error.message}`;
  }
}

/** Yields decoded chunks; throws ReadFault when the bytes cannot be read or decompressed. */
export async function* decodedChunks(input: TrailInput): AsyncGenerator<Buffer> {
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

  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  let sourceError: unknown;
  // Feed the peeked chunk, then the rest; an error on either side ends the iteration below.
  const feed = async () => {
    try {
      if (!gunzip.write(first.value)) await new Promise((r) => gunzip.once('drain', r));
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        if (!gunzip.write(next.value)) await new Promise((r) => gunzip.once('drain', r));
      }
      gunzip.end();
    } catch (error) {
      sourceError = error;
      gunzip.destroy(error as Error);
    }
  };
  void feed();
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      delivered += chunk.length;
      yield chunk;
    }
  } catch (error) {
    if (sourceError !== undefined) throw new ReadFault(describeFsError(sourceError), delivered);
    throw new ReadFault(describeZlib(error as NodeJS.ErrnoException), delivered);
  } finally {
    if (!gunzip.destroyed) gunzip.destroy();
    raw.destroy();
  }
}
