/**
 * Turns command-line paths into trail inputs. Directories are walked recursively, in name order so
 * runs are repeatable, reading `.json`, `.json.gz` and `.jsonl` files and skipping CloudTrail digest
 * files; a file named explicitly is read whatever its name. Symbolic links are followed, once.
 */
import { closeSync, createReadStream, openSync, read, readSync, type Dirent } from 'node:fs';
import { Readable } from 'node:stream';
import { opendir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Source, type S3Pruning, type S3Settings } from './s3-source.js';
import type { SourceProblem, TrailInput } from './trail-input.js';

export const STDIN_LABEL = '<stdin>';

const TRAIL_FILE = /\.(json|jsonl|json\.gz|jsonl\.gz)$/i;
const DIGEST = /CloudTrail-Digest/;

/** Is this a file the directory walk reads? */
export function isTrailFileName(path: string): boolean {
  return TRAIL_FILE.test(path) && !DIGEST.test(path);
}

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
 * Part of a plain file, from `start`, for the two parts of a split file (src/cli/parallel/
 * split-file.ts). While `blocking()` says so, reads are blocking calls on the calling thread: with
 * both cores scanning, a read waiting for a thread-pool thread leaves its scanner idle. After that
 * (the other part's worker gave up, and this thread reads on alone), reads go to the thread pool
 * one chunk ahead, overlapping with the scan, as a file stream's do.
 */
export function filePartInput(path: string, start: number, blocking: () => boolean = () => true): TrailInput {
  return {
    label: path,
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

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Yields the inputs for `paths` in order (no paths, or `-`, is standard input). Problems are
 * passed to `onProblem` and the walk goes on.
 */
export async function* expandPaths(
  paths: readonly string[],
  onProblem: (problem: SourceProblem) => void,
  remote?: { s3: S3Settings; pruning: S3Pruning },
): AsyncGenerator<TrailInput> {
  let s3: S3Source | undefined;
  if (paths.length === 0) {
    yield stdinInput();
    return;
  }
  for (const path of paths) {
    if (path === '-') {
      yield stdinInput();
      continue;
    }
    if (/^s3:\/\//i.test(path)) {
      s3 ??= new S3Source(remote?.s3 ?? { prefetch: 4 });
      yield* s3.inputs(path, remote?.pruning ?? { accounts: [], regions: [] }, onProblem);
      continue;
    }
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      onProblem({ label: path, message: describe(error) });
      continue;
    }
    if (info.isDirectory()) {
      let found = 0;
      for await (const input of walk(path, new Set(), onProblem)) {
        found++;
        yield input;
      }
      if (found === 0) onProblem({ label: path, message: 'no trail files in this directory (.json, .json.gz, .jsonl)' });
    } else {
      yield fileInput(path, info.size);
    }
  }
}

async function* walk(dir: string, seen: Set<string>, onProblem: (p: SourceProblem) => void): AsyncGenerator<TrailInput> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (error) {
    onProblem({ label: dir, message: describe(error) });
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
    onProblem({ label: dir, message: describe(error) });
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
        onProblem({ label: path, message: describe(error) });
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
          onProblem({ label: path, message: describe(error) });
          continue;
        }
      }
      yield fileInput(path, size);
    }
  }
}

export { describe as describeFsError };
