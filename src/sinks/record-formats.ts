/** `filter`'s output formats, by name: add one here and `--format` accepts it. */
import type { Column } from './columns.js';
import { csvSink } from './csv-sink.js';
import { jsonSink } from './json-sink.js';
import { jsonlSink } from './jsonl-sink.js';
import { defineFormats } from './sink.js';
import { tableSink } from './table-sink.js';

export interface RecordFormatSettings {
  /** Columns of table and csv. */
  columns: readonly Column[];
}

export const RECORD_FORMATS = defineFormats<RecordFormatSettings>()({
  table: ({ out, color, zone }, { columns }) => tableSink(out, columns, color, zone),
  jsonl: ({ out }) => jsonlSink(out),
  json: ({ out }) => jsonSink(out),
  csv: ({ out, zone }, { columns }) => csvSink(out, columns, zone),
});

export type RecordFormat = keyof typeof RECORD_FORMATS;
