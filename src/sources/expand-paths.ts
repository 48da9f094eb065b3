/**
 * Turns command-line paths into trail inputs: `-` (or no path) is standard input, `s3://` URLs
 * are listed by S3Source, a directory is walked for `.json`, `.json.gz` and `.jsonl` files
 * (CloudTrail digest files skipped), and a file named explicitly is read whatever its name.
 */
import { stat } from 'node:fs/promises';
import { describeFsError } from './fs-errors.js';
import { fileInput, stdinInput, walk } from './local-files.js';
import type { InputPruning } from './pruning.js';
import { S3Source, type S3Settings } from './s3-source.js';
import type { SourceProblem, TrailInput } from './trail-input.js';

/** A path read from the local file system (not standard input, not S3): one the workers can read too. */
export function isLocalPath(path: string): boolean {
  return path !== '-' && !/^s3:\/\//i.test(path);
}

/**
 * Yields the inputs for `paths` in order (no paths, or `-`, is standard input). Problems are
 * passed to `onProblem` and the walk goes on.
 */
export async function* expandPaths(
  paths: readonly string[],
  onProblem: (problem: SourceProblem) => void,
  remote?: { s3: S3Settings; pruning: InputPruning },
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
      onProblem({ label: path, message: describeFsError(error) });
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

