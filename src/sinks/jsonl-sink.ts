import type { Output } from './output.js';
import { writeRecordJson } from './record-json.js';
import type { RecordSink } from './sink.js';

/** One record per line, compact, byte-faithful where possible: made for `| jq`. */
export function jsonlSink(out: Output): RecordSink {
  return {
    write: (record) => {
      // Two writes, not one concatenation: a huge record is then never copied to add a newline.
      writeRecordJson(out, record);
      out.write('\n');
    },
    end: () => {},
    textOnly: true,
  };
}
