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
  return record.raw ?? JSON.stringify(record.record);
}
