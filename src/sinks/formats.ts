/** The output formats, by name: add one here and `--format` accepts it. */
import type { ChalkInstance } from 'chalk';
import type { Column } from './columns.js';
import { csvSink } from './csv-sink.js';
import { jsonSink } from './json-sink.js';
import { jsonlSink } from './jsonl-sink.js';
import type { Output } from './output.js';
import type { RecordSink } from './record-sink.js';
import { tableSink } from './table-sink.js';

export interface SinkSettings {
  columns: readonly Column[];
  color: ChalkInstance;
}

export const RECORD_FORMATS = {
  table: (out: Output, s: SinkSettings) => tableSink(out, s.columns, s.color),
  jsonl: (out: Output) => jsonlSink(out),
  json: (out: Output) => jsonSink(out),
  csv: (out: Output, s: SinkSettings) => csvSink(out, s.columns),
} satisfies Record<string, (out: Output, settings: SinkSettings) => RecordSink>;

export type RecordFormat = keyof typeof RECORD_FORMATS;
