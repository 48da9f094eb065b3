/** `--format`, `--fields` and colour: how records are printed. */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { COLUMNS, DEFAULT_COLUMNS, selectColumns, type Column } from '../sinks/columns.js';
import { RECORD_FORMATS, type RecordFormat } from '../sinks/formats.js';
import { UsageError } from './messages.js';
import { splitList } from '../filters/text-pattern.js';

export interface RawOutputOptions {
  format?: string;
  fields?: string[];
  color?: boolean;
}

export interface OutputSettings {
  format: RecordFormat;
  columns: Column[];
  color: ChalkInstance;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addOutputOptions(command: Command): Command {
  return command
    .optionsGroup('Output options:')
    .option('-f, --format <format>', `output format: ${Object.keys(RECORD_FORMATS).join(', ')} (default: table on a terminal, jsonl when piped)`)
    .option('--fields <columns>', `columns for table and csv, comma list of: ${COLUMNS.map((c) => c.id).join(', ')}`, collect)
    .option('--no-color', 'no colours (also off when NO_COLOR is set or stdout is not a terminal)');
}

/** Colour only for a terminal, never under NO_COLOR or --no-color. */
export function colorFor(stream: { isTTY?: boolean }, wanted: boolean | undefined, env = process.env): ChalkInstance {
  const on = wanted !== false && stream.isTTY === true && !env.NO_COLOR;
  return new Chalk({ level: on ? 1 : 0 });
}

export function outputSettingsFromOptions(
  raw: RawOutputOptions,
  stdout: { isTTY?: boolean },
  formats: readonly string[] = Object.keys(RECORD_FORMATS),
): OutputSettings {
  const format = (raw.format ?? (stdout.isTTY ? 'table' : 'jsonl')).toLowerCase();
  if (!formats.includes(format)) {
    throw new UsageError(`option --format: '${raw.format}' is not one of ${formats.join(', ')}`);
  }
  const ids = raw.fields ? splitList(raw.fields) : DEFAULT_COLUMNS;
  const columns = selectColumns(ids);
  if (!Array.isArray(columns)) {
    throw new UsageError(`option --fields: unknown column '${columns.unknown}' (known: ${COLUMNS.map((c) => c.id).join(', ')})`);
  }
  return { format: format as RecordFormat, columns, color: colorFor(stdout, raw.color) };
}
