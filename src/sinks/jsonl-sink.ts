import type { Output } from './output.js';
import { recordJson, type RecordSink } from './record-sink.js';

/** One record per line, compact, byte-faithful where possible: made for `| jq`. */
export function jsonlSink(out: Output): RecordSink {
  return {
    write: (record) => out.write(recordJson(record) + '\n'),
    end: () => {},
  };
}
