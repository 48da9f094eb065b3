/**
 * The one interface between the filter stage and the output stage: records go in one at a time,
 * `end` finishes (prints the table's last rows, closes the JSON array). A sink writes to an
 * Output and never sees flags.
 */
import type { TrailRecord } from '../reader/trail-reader.js';

export interface RecordSink {
  write(record: TrailRecord): void;
  end(): void;
}

/** A record as one line of JSON: its own bytes when it had them on one line, else re-serialised. */
export function recordJson(record: TrailRecord): string {
  if (record.raw !== undefined) return record.raw;
  try {
    return JSON.stringify(record.record);
  } catch (error) {
    // JSON.stringify recurses: a record nested thousands deep overflows the stack. Its source text
    // is valid JSON whose newlines can only be whitespace between tokens, so dropping them is safe.
    if (record.multiline !== undefined) return record.multiline.replace(/[\r\n]+/g, ' ');
    throw error;
  }
}
