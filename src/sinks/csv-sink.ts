import type { Column } from './columns.js';
import type { Output } from './output.js';
import type { RecordSink } from './sink.js';
import { csvCell } from './terminal-safe.js';

/** RFC 4180 csv with a header row; cells are terminal- and formula-safe. */
export function csvSink(out: Output, columns: readonly Column[]): RecordSink {
  out.write(columns.map((c) => csvCell(c.header)).join(',') + '\r\n');
  return {
    write(record) {
      out.write(columns.map((c) => csvCell(c.value(record.record, record))).join(',') + '\r\n');
    },
    end() {},
  };
}
