import type { TimeZone } from '../util/time-zone.js';
import { isoTime, type Column } from './columns.js';
import type { Output } from './output.js';
import type { RecordSink } from './sink.js';
import { csvCell } from './terminal-safe.js';

/**
 * RFC 4180 csv for scripts and spreadsheets: the header is the `--fields` names, times are ISO 8601
 * (with the zone's offset under --tz); cells are terminal- and formula-safe.
 */
export function csvSink(out: Output, columns: readonly Column[], zone?: TimeZone): RecordSink {
  out.write(columns.map((c) => csvCell(c.id)).join(',') + '\r\n');
  const time = isoTime(zone);
  return {
    write(record) {
      out.write(columns.map((c) => csvCell(c.value(record.record, record, time))).join(',') + '\r\n');
    },
    end() {},
  };
}
