/**
 * Flags about the run itself rather than what to keep or how to print: shared by every command
 * that reads. They become the pipeline's settings (src/pipeline/run-pipeline.ts).
 */
import { availableParallelism } from 'node:os';
import { UsageError } from '../messages.js';
import { option, positiveInteger, stringValue, type OptionValues } from './option-table.js';

const RUN = 'Run options:';
const S3 = 'S3 options (for s3://bucket/prefix paths):';

function endpointUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new UsageError(`option --endpoint-url: '${value}' is not an http(s) URL`);
  }
  return value;
}

/**
 * Threads beyond the cores only compete for them, and each holds its own heap: `--jobs 64` on two
 * cores took 844 MB and four times as long as `--jobs 2`, `--jobs 1000` 7.8 GB. A few per core
 * stay allowed (the tests run several workers on a small machine); more is surely a slip.
 */
function jobsValue(value: string): number {
  const jobs = positiveInteger('--jobs', value);
  const cores = availableParallelism();
  if (jobs > 4 * cores) throw new UsageError(`option --jobs: ${value.trim()} is more than 4 threads per core (this machine has ${cores}: at most ${4 * cores})`);
  return jobs;
}

/** `--limit`, for the commands where stopping after N records means something (filter). */
export const LIMIT_OPTION = {
  limit: option({
    flags: '-n, --limit <n>',
    help: 'stop after n matching records (and stop reading)',
    group: RUN,
    parse: (raw) => (stringValue(raw) === undefined ? undefined : positiveInteger('--limit', raw as string)),
  }),
};

export const RUN_OPTIONS = {
  jobs: option({
    flags: '-j, --jobs <n>',
    help: `threads that read: several files at once, or a big plain file in two parts (default: the number of cores, ${availableParallelism()} here)`,
    group: RUN,
    parse: (raw) => (stringValue(raw) === undefined ? availableParallelism() : jobsValue(raw as string)),
  }),
  profile: option({
    flags: '--profile <name>',
    help: 'AWS profile for s3:// paths (default: the standard credential chain)',
    group: S3,
    parse: stringValue,
  }),
  endpointUrl: option({
    flags: '--endpoint-url <url>',
    help: 'S3-compatible endpoint for s3:// paths (path-style requests)',
    group: S3,
    parse: (raw) => endpointUrl(stringValue(raw)),
  }),
  prune: option({
    flags: '--no-prune',
    help: 'read every folder of AWSLogs trees (local and s3://), also those outside the --since/--until window, --account and --region',
    group: RUN,
    parse: (raw) => raw !== false,
  }),
  reader: option({
    flags: '--reader <name>',
    help: 'record reader: fast (default) or stream-json (slower, independent; to cross-check results)',
    group: RUN,
    values: () => ['fast', 'stream-json'],
    parse: (raw): 'fast' | 'stream-json' => {
      const value = stringValue(raw);
      if (value === undefined || value === 'fast') return 'fast';
      if (value === 'stream-json') return 'stream-json';
      throw new UsageError(`option --reader: '${value}' is not a reader (fast, stream-json)`);
    },
  }),
  keepDuplicates: option({
    flags: '--keep-duplicates',
    help: 'keep copies of one event (same eventID, time, name, outcome and recipient account); by default each is taken once',
    group: RUN,
    parse: (raw) => raw === true,
  }),
  strict: option({ flags: '--strict', help: 'stop at the first malformed record or unreadable input', group: RUN, parse: (raw) => raw === true }),
  quiet: option({ flags: '-q, --quiet', help: 'no progress bar', group: RUN, parse: (raw) => raw === true }),
  stats: option({
    flags: '--stats',
    help: 'print files, bytes, records read and matched, skips, the read strategy and time to stderr at the end',
    group: RUN,
    parse: (raw) => raw === true,
  }),
};

export type RunValues = OptionValues<typeof RUN_OPTIONS> & Partial<OptionValues<typeof LIMIT_OPTION>>;
