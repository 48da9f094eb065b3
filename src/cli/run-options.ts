/**
 * Flags about the run itself rather than what to keep or how to print: shared by every command.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { UsageError } from './messages.js';

export interface RawRunOptions {
  strict?: boolean;
  quiet?: boolean;
  stats?: boolean;
  limit?: string;
  jobs?: string;
  reader?: string;
  profile?: string;
  endpointUrl?: string;
}

export interface RunSettings {
  /** Stop at the first problem in any input. */
  strict: boolean;
  /** No progress bar. */
  quiet: boolean;
  /** Print counts to stderr at the end. */
  stats: boolean;
  /** Stop after this many matches (and stop reading). */
  limit?: number;
  /** Files read at once, on that many worker threads. */
  jobs: number;
  /** Which reader splits records: the fast byte splitter, or stream-json's parser (to cross-check). */
  reader: 'fast' | 'stream-json';
  /** For s3:// paths: an AWS profile and an S3-compatible endpoint. */
  profile?: string;
  endpointUrl?: string;
}

export function addRunOptions(command: Command, { limit }: { limit: boolean }): Command {
  command.optionsGroup('Run options:');
  if (limit) command.option('-n, --limit <n>', 'stop after n matching records (and stop reading)');
  return command
    .option('-j, --jobs <n>', `threads that read: several files at once, or a big plain file in two parts (default: the number of cores, ${availableParallelism()} here)`)
    .optionsGroup('S3 options (for s3://bucket/prefix paths):')
    .option('--profile <name>', 'AWS profile for s3:// paths (default: the standard credential chain)')
    .option('--endpoint-url <url>', 'S3-compatible endpoint for s3:// paths (path-style requests)')
    .optionsGroup('Run options:')
    .option('--reader <name>', 'record reader: fast (default) or stream-json (slower, independent; to cross-check results)')
    .option('--strict', 'stop at the first malformed record or unreadable input')
    .option('-q, --quiet', 'no progress bar')
    .option('--stats', 'print files, bytes, records read and matched, skips and time to stderr at the end');
}

export function positiveInteger(option: string, value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
    throw new UsageError(`option ${option}: '${value}' is not a positive whole number`);
  }
  return Number(value);
}

export function runSettingsFromOptions(raw: RawRunOptions): RunSettings {
  return {
    strict: raw.strict === true,
    quiet: raw.quiet === true,
    stats: raw.stats === true,
    limit: raw.limit !== undefined ? positiveInteger('--limit', raw.limit) : undefined,
    jobs: raw.jobs !== undefined ? positiveInteger('--jobs', raw.jobs) : availableParallelism(),
    reader: readerName(raw.reader),
    profile: raw.profile,
    endpointUrl: endpointUrl(raw.endpointUrl),
  };
}

function readerName(value: string | undefined): RunSettings['reader'] {
  if (value === undefined || value === 'fast') return 'fast';
  if (value === 'stream-json') return 'stream-json';
  throw new UsageError(`option --reader: '${value}' is not a reader (fast, stream-json)`);
}

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
