/**
 * `--format` and `--no-color`: the one place every command chooses its output format, so the
 * rule (table on a terminal, a machine format when piped) and its errors are the same everywhere.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { UsageError } from './messages.js';

/** Colour only for a terminal, never under NO_COLOR or --no-color. */
export function colorFor(stream: { isTTY?: boolean }, wanted: boolean | undefined, env = process.env): ChalkInstance {
  const on = wanted !== false && stream.isTTY === true && !env.NO_COLOR;
  return new Chalk({ level: on ? 1 : 0 });
}

export interface RawFormatOptions {
  format?: string;
  color?: boolean;
}

export function addFormatOptions(command: Command, formats: readonly string[], whenPiped = 'jsonl'): Command {
  return command
    .optionsGroup('Output options:')
    .option('-f, --format <format>', `output format: ${formats.join(', ')} (default: table on a terminal, ${whenPiped} when piped)`)
    .option('--no-color', 'no colours (also off when NO_COLOR is set or stdout is not a terminal)');
}

export function formatFromOptions<F extends string>(
  raw: RawFormatOptions,
  stdout: { isTTY?: boolean },
  formats: readonly F[],
  whenPiped = 'jsonl',
): { format: F; color: ChalkInstance } {
  const format = (raw.format ?? (stdout.isTTY ? 'table' : whenPiped)).toLowerCase();
  if (!(formats as readonly string[]).includes(format)) {
    throw new UsageError(`option --format: '${raw.format}' is not one of ${formats.join(', ')}`);
  }
  return { format: format as F, color: colorFor(stdout, raw.color) };
}
