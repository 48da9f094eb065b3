/**
 * Local files as trail inputs: a whole file, part of one (read by two threads), standard input,
 * and the recursive walk of a directory, in name order so runs are repeatable. Symbolic links are
 * followed, once.
 */
import { closeSync, createReadStream, openSync, read, readSync, type Dirent } from 'node:fs';
import { opendir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describeFsError } from './fs-errors.js';
import { isTrailFileName } from './trail-file-name.js';
import type { SourceProblem, TrailInput } from './trail-input.js';

export const STDIN_LABEL = '<stdin>';

const CHUNK_BYTES = 1 << 20;

export function fileInput(path: string, size: number | undefined): TrailInput {
  return {
    label: path,
    path,
    size,
    open: () => createReadStream(path, { highWaterMark: 1 << 20 }),
    readWhole: () => readFile(path),
  };
}

/**
 * Part of a plain file, from `start`, for the two parts of a split file (src/pipeline/
 * split-file.ts); `size` is the whole file's, for progress. While `blocking()` says so, reads are blocking calls on the calling thread: with
 * both cores scanning, a read waiting for a thread-pool thread leaves its scanner idle. After that
 * (the other part's worker gave up, and this thread reads on alone), reads go to the thread pool
 * one chunk ahead, overlapping with the scan, as a file stream's do.
 */
export function filePartInput(path: string, start: number, blocking: () => boolean = () => true, label = path, size?: number): TrailInput {
  return {
    label,
    size,
    open: () => {
      let fd: number | undefined;
      let position = start;
      let reads = 0;
      let ahead: Promise<Buffer | null> | undefined;
      // Blocking reads take turns in two buffers: the reader is done with a chunk before it asks
      // for the next one (the splitter copies what it keeps), and a fresh 1 MiB buffer per read
      // left hundreds of MB waiting for a garbage collection on a 2 GiB file.
      const own = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
      let turn = 0;
      const readAhead = (descriptor: number) =>
        new Promise<Buffer | null>((resolve, reject) => {
          const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
          const at = position;
          position += CHUNK_BYTES;
          read(descriptor, chunk, 0, CHUNK_BYTES, at, (error, bytes) => (error ? reject(error) : resolve(bytes > 0 ? chunk.subarray(0, bytes) : null)));
        });
      return new Readable({
        highWaterMark: 0,
        read() {
          const readChunk = () => {
            if (this.destroyed) return;
            try {
              fd ??= openSync(path, 'r');
              if (ahead || !blocking()) {
                const descriptor = fd;
                const next = ahead ?? readAhead(descriptor);
                next.then(
                  (chunk) => {
                    ahead = chunk && !this.destroyed ? readAhead(descriptor) : undefined;
                    this.push(chunk);
                  },
                  (error: Error) => this.destroy(error),
                );
                return;
              }
              const chunk = own[turn];
              turn ^= 1;
              const bytes = readSync(fd, chunk, 0, CHUNK_BYTES, position);
              position += bytes;
              this.push(bytes > 0 ? chunk.subarray(0, bytes) : null);
            } catch (error) {
              this.destroy(error as Error);
            }
          };
          // Every 16 MiB through the event loop: reads that never wait would leave signals
          // (Ctrl-C), timers and messages unhandled until the whole part is read.
          if (++reads % 16 === 0) setImmediate(readChunk);
          else readChunk();
        },
        destroy(error, callback) {
          // A read still in flight must not land in a closed (maybe reused) descriptor.
          const close = () => {
            if (fd !== undefined) closeSync(fd);
            callback(error);
          };
          if (ahead) ahead.then(close, close);
          else close();
        },
      });
    },
  };
}

export function stdinInput(): TrailInput {
  return { label: STDIN_LABEL, open: () => process.stdin };
}

export async function* walk(dir: string, seen: Set<string>, onProblem: (p: SourceProblem) => void): AsyncGenerator<TrailInput> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (error) {
    onProblem({ label: dir, message: describeFsError(error) });
    return;
  }
  if (seen.has(real)) {
    onProblem({ label: dir, message: 'symbolic link loop, already walked; skipped', warning: true });
    return;
  }
  seen.add(real);
  let entries: Dirent[] = [];
  try {
    const handle = await opendir(dir);
    for await (const entry of handle) entries.push(entry);
  } catch (error) {
    onProblem({ label: dir, message: describeFsError(error) });
    return;
  }
  entries = entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    let size: number | undefined;
    if (entry.isSymbolicLink()) {
      try {
        const target = await stat(path);
        isDir = target.isDirectory();
        isFile = target.isFile();
        size = target.size;
      } catch (error) {
        onProblem({ label: path, message: describeFsError(error) });
        continue;
      }
    }
    if (isDir) {
      yield* walk(path, seen, onProblem);
    } else if (isFile && isTrailFileName(path)) {
      if (size === undefined) {
        try {
          size = (await stat(path)).size;
        } catch (error) {
          onProblem({ label: path, message: describeFsError(error) });
          continue;
        }
      }
      yield fileInput(path, size);
    }
  }
}

