/** `--format` and `--no-color` for commands whose rows are not records (timeline, detect). */
import type { ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { UsageError } from './messages.js';
import { colorFor } from './output-options.js';

export interface RawFormatOptions {
  format?: string;
  color?: boolean;
}

export function addFormatOptions(command: Command, formats: readonly string[]): Command {
  return command
    .option('-f, --format <format>', `output format: ${formats.join(', ')} (default: table on a terminal, jsonl when piped)`)
    .option('--no-color', 'no colours (also off when NO_COLOR is set or stdout is not a terminal)');
}

export function formatFromOptions<F extends string>(
  raw: RawFormatOptions,
  stdout: { isTTY?: boolean },
  formats: readonly F[],
): { format: F; color: ChalkInstance } {
  const format = (raw.format ?? (stdout.isTTY ? 'table' : 'jsonl')).toLowerCase();
  if (!(formats as readonly string[]).includes(format)) {
    throw new UsageError(`option --format: '${raw.format}' is not one of ${formats.join(', ')}`);
  }
  return { format: format as F, color: colorFor(stdout, raw.color) };
}
