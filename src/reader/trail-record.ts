/**
 * What the reader hands on: one CloudTrail record and where it came from, or a fault saying why
 * something was not read. The interface between the reader and every stage after it.
 */
import type { JsonObject } from '../cloudtrail/record.js';
import { deepJsonText } from '../util/deep-json.js';

export interface TrailRecord {
  record: JsonObject;
  /** The record's JSON text exactly as in the input, when it sat on one line; else undefined. */
  raw: string | undefined;
  /** The record's JSON text when it spanned lines (pretty-printed), kept for `recordText`. */
  multiline?: string;
  file: string;
  offset: number;
  line: number;
  /** At least HUGE_RECORD_BYTES: whoever is done with its batch should collect garbage. */
  huge?: true;
  /**
   * The event's fingerprint hash (src/cloudtrail/fingerprint.ts), when the thread that parsed the
   * record computed it (a worker does, so the main thread need not parse it again); null when the
   * record has no eventID.
   */
  fingerprint?: [hi: number, lo: number] | null;
}

/**
 * A record handed on before JSON.parse, whose text is known to be one JSON object JSON.parse
 * takes: checked (ReadOptions.unparsed, json-scan.wat's checkRecord), or sent as text by a worker
 * that read it. `record` parses it when first read. Printing a record's text needs no parse, and a
 * parse of every record was most of the time of a run that prints every record.
 */
export class UnparsedRecord implements TrailRecord {
  #record: JsonObject | undefined;

  constructor(
    public raw: string,
    public file: string,
    public offset: number,
    public line: number,
    public fingerprint: [hi: number, lo: number] | null,
  ) {}

  get record(): JsonObject {
    return (this.#record ??= JSON.parse(this.raw) as JsonObject);
  }
}

/** A record this big is a rare outlier (a huge key policy): it gets memory care of its own. */
export const HUGE_RECORD_BYTES = 4 << 20;

/** Why a record or an input was not (fully) read. Counted in --stats. */
export type SkipReason =
  | 'malformed JSON'
  | 'not an object'
  | 'not a CloudTrail record'
  | 'unreadable input'
  | 'truncated or corrupt input'
  | 'empty input'
  | 'invalid UTF-8'
  /** A file a directory walk passed over: its name and first bytes say it holds no trail (not a fault). */
  | 'not a trail file';

export interface InputFault {
  file: string;
  message: string;
  offset?: number;
  line?: number;
  column?: number;
  reason: SkipReason;
  /** A warning keeps the record (or the run) and does not fail the exit code. */
  warning?: boolean;
  /** Past the per-input limit of lines: counted (in --stats, in the exit code), not printed. */
  silent?: boolean;
}

/** A record as one line of JSON: its own bytes when it had them on one line, else re-serialised. */
export function recordText(record: TrailRecord): string {
  if (record.raw !== undefined) return record.raw;
  try {
    return JSON.stringify(record.record);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    // JSON.stringify recurses: a record nested thousands deep overflows the stack. Its source text
    // is valid JSON whose newlines can only be whitespace between tokens, so dropping them is safe;
    // without one (stream-json's records), a serialiser that does not recurse.
    return record.multiline !== undefined ? record.multiline.replace(/[\r\n]+/g, ' ') : deepJsonText(record.record);
  }
}
