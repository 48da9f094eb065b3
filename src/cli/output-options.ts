/** `--format`, `--fields` and colour: how records are printed (filter). */
import type { ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { COLUMNS, DEFAULT_COLUMNS, selectColumns, type Column } from '../sinks/columns.js';
import { RECORD_FORMATS, type RecordFormat } from '../sinks/formats.js';
import { addFormatOptions, formatFromOptions, type RawFormatOptions } from './format-option.js';
import { UsageError } from './messages.js';
import { splitList } from '../util/text-pattern.js';

export interface RawOutputOptions extends RawFormatOptions {
  fields?: string[];
}

export interface OutputSettings {
  format: RecordFormat;
  columns: Column[];
  color: ChalkInstance;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const FORMATS = Object.keys(RECORD_FORMATS) as RecordFormat[];

export function addOutputOptions(command: Command): Command {
  return addFormatOptions(command, FORMATS).option(
    '--fields <columns>',
    `columns for table and csv, comma list of: ${COLUMNS.map((c) => c.id).join(', ')}`,
    collect,
  );
}

export function outputSettingsFromOptions(raw: RawOutputOptions, stdout: { isTTY?: boolean }): OutputSettings {
  const { format, color } = formatFromOptions(raw, stdout, FORMATS);
  const ids = raw.fields ? splitList(raw.fields) : DEFAULT_COLUMNS;
  const columns = selectColumns(ids);
  if (!Array.isArray(columns)) {
    throw new UsageError(`option --fields: unknown column '${columns.unknown}' (known: ${COLUMNS.map((c) => c.id).join(', ')})`);
  }
  return { format, columns, color };
}
