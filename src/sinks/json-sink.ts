import type { Output } from './output.js';
import { writeRecordJson } from './record-json.js';
import type { RecordSink } from './sink.js';

/** One JSON array of the records, streamed element by element (never held whole). */
export function jsonSink(out: Output): RecordSink {
  let count = 0;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    out.write(count === 0 ? '[]\n' : '\n]\n');
  };
  // A run stopped by a signal still prints a whole array: the records printed so far.
  out.onSettle(close);
  return {
    write(record) {
      // Two writes, not a concatenation: a huge record is then never copied.
      out.write(count++ === 0 ? '[\n' : ',\n');
      writeRecordJson(out, record);
    },
    end: close,
    textOnly: true,
  };
}
