/**
 * The one interface between the pipeline and everything that takes records: formatters that print
 * them, aggregators that count them (summary, keys, timeline), the detection engine, `--sort`. The
 * pipeline writes each matching record, then ends the sink once, with the totals of the run. A
 * sink writes to an Output and never sees flags; each command's formats come from one registry
 * of factories (`Formats`), all returning a RecordSink.
 */
import type { ChalkInstance } from 'chalk';
import type { TrailRecord } from '../reader/trail-record.js';
import type { TimeZone } from '../util/time-zone.js';
import type { Output } from './output.js';

/** What a sink may want to print about the run as a whole (summary's header). */
export interface InputTotals {
  files: number;
  recordsRead: number;
  /** Matching records dropped as copies of an event taken before (0 with --keep-duplicates). */
  duplicates: number;
}

/** What a sink has to say when it ends, for the command to print on stderr. */
export interface SinkReport {
  /** One line each, e.g. a cap that was reached. */
  warnings?: string[];
  /** Lines added to --stats. */
  stats?: string[];
}

export interface RecordSink {
  write(record: TrailRecord): void;
  /** After the last record: print what was held or counted, close what was opened. */
  end(totals: InputTotals): SinkReport | void | Promise<SinkReport | void>;
  /**
   * The sink reads nothing of a record but its text (`recordText`): the reader may then hand it
   * records it checked but did not parse (ReadOptions.unparsed).
   */
  readonly textOnly?: boolean;
}

/** What every format factory is given: where to write, colours, and the clock people read. */
export interface FormatContext {
  /** Tables fit `out.width`. */
  out: Output;
  color: ChalkInstance;
  /** The zone of the times people read (tables, csv); UTC when absent. JSON is never changed. */
  zone?: TimeZone;
  /** The terminal's width, when stdout is one; detect's printer still reads it (tables fit `out.width`). */
  columns?: number;
  /** Draw charts in plain ASCII: the locale is not UTF-8, or --ascii. */
  ascii?: boolean;
}

/** One output format: builds the sink for a run. */
export type FormatFactory<Settings> = (context: FormatContext, settings: Settings) => RecordSink;

/** A command's output formats, by name: `--format` accepts exactly these keys. */
export type Formats<Settings, Name extends string = string> = Record<Name, FormatFactory<Settings>>;

/** Declares a command's formats: `defineFormats<Settings>()({ table: ..., json: ... })` keeps the names typed. */
export function defineFormats<Settings>() {
  return <Name extends string>(formats: Formats<Settings, Name>): Formats<Settings, Name> => formats;
}
