/**
 * Turns command-line paths into trail inputs: `-` (or no path) is standard input, `s3://` URLs
 * are listed by S3Source, a directory is walked for the trail files in it (told by their content)
 * (CloudTrail digest files skipped), and a file named explicitly is read whatever its name.
 */
import { statSync } from 'node:fs';
import { describeFsError } from './fs-errors.js';
import { fileInput, pipeInput, stdinInput, walk } from './local-files.js';
import type { InputPruning } from './pruning.js';
import { S3Source, type S3Settings } from './s3-source.js';
import type { SourceProblem, TrailInput } from './trail-input.js';

/**
 * A path read from the local file system (not standard input, not S3) that the workers can read
 * too: a regular file or a directory, not a pipe (`<(zcat …)`, /dev/stdin, a FIFO), whose bytes
 * can be read only once, in order, by one reader.
 */
export function isLocalPath(path: string): boolean {
  return !isStdinPath(path) && !isS3Path(path) && !isPipePath(path);
}

/** An `s3://bucket/prefix` URL. */
export function isS3Path(path: string): boolean {
  return /^s3:\/\//i.test(path);
}

/** `-`, or a name of standard input (opening /dev/stdin fails when it is a socket, as under Node's spawn). */
export function isStdinPath(path: string): boolean {
  return path === '-' || path === '/dev/stdin' || path === '/dev/fd/0';
}

/** Paths already asked about: the strategy, the first passes and the report each ask, one stat is enough. */
const pipePaths = new Map<string, boolean>();

/** A local path that is neither a regular file nor a directory: its bytes can be read once only. */
export function isPipePath(path: string): boolean {
  if (isStdinPath(path) || isS3Path(path)) return false;
  let pipe = pipePaths.get(path);
  if (pipe === undefined) {
    try {
      const info = statSync(path);
      pipe = !info.isFile() && !info.isDirectory();
    } catch {
      // Missing: the walk says so.
      pipe = false;
    }
    pipePaths.set(path, pipe);
  }
  return pipe;
}

export interface ExpandOptions {
  s3?: S3Settings;
  /** Folders of AWSLogs layouts (S3 and local) that cannot hold wanted records are not read. */
  pruning?: InputPruning;
  /** Local files left unread in pruned folders. */
  onPruned?(files: number): void;
  /** Local files a directory walk passed over as not trail files. */
  onNotTrail?(path: string): void;
  /** Each day folder of a local AWSLogs layout met, read or pruned. */
  onDayFolder?(day: Date): void;
}

/**
 * Yields the inputs for `paths` in order (no paths, or `-`, is standard input). Problems are
 * passed to `onProblem` and the walk goes on.
 */
export async function* expandPaths(
  paths: readonly string[],
  onProblem: (problem: SourceProblem) => void,
  options: ExpandOptions = {},
): AsyncGenerator<TrailInput> {
  let s3: S3Source | undefined;
  if (paths.length === 0) {
    yield stdinInput();
    return;
  }
  for (const path of paths) {
    if (isStdinPath(path)) {
      yield stdinInput();
      continue;
    }
    if (/^s3:\/\//i.test(path)) {
      s3 ??= new S3Source(options.s3 ?? { prefetch: 4 });
      yield* s3.inputs(path, options.pruning ?? { accounts: [], regions: [] }, onProblem);
      continue;
    }
    let info;
    try {
      info = statSync(path);
    } catch (error) {
      onProblem({ label: path, message: describeFsError(error) });
      continue;
    }
    if (info.isDirectory()) {
      let found = 0;
      let pruned = 0;
      const context = {
        seen: new Set<string>(),
        onProblem,
        pruning: options.pruning,
        onPruned: (files: number) => {
          pruned += files;
          options.onPruned?.(files);
        },
        onNotTrail: options.onNotTrail,
        onDayFolder: options.onDayFolder,
      };
      for (const input of walk(path, context)) {
        found++;
        yield input;
      }
      // Nothing to read because the window, accounts or regions ruled every folder out is an answer (none), not a fault.
      if (found === 0 && pruned === 0) onProblem({ label: path, message: 'no trail files in this directory' });
    } else if (info.isFile()) {
      yield fileInput(path, info.size);
    } else {
      yield pipeInput(path);
    }
  }
}

