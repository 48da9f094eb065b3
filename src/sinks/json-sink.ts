import type { Output } from './output.js';
import { recordJson, type RecordSink } from './record-sink.js';

/** One JSON array of the records, streamed element by element (never held whole). */
export function jsonSink(out: Output): RecordSink {
  let count = 0;
  return {
    write(record) {
      out.write((count++ === 0 ? '[\n' : ',\n') + recordJson(record));
    },
    end() {
      out.write(count === 0 ? '[]\n' : '\n]\n');
    },
  };
}
