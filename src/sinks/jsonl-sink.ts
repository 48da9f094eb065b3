import type { Output } from './output.js';
import { recordJson, type RecordSink } from './record-sink.js';

/** One record per line, compact, byte-faithful where possible: made for `| jq`. */
export function jsonlSink(out: Output): RecordSink {
  return {
    write: (record) => {
      // Two writes, not one concatenation: a huge record is then never copied to add a newline.
      out.write(recordJson(record));
      out.write('\n');
    },
    end: () => {},
  };
}
