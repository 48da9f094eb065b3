/**
 * The human view of records: a table that fits the terminal (wrapped-table.ts). Errors are red;
 * destructive and policy events are yellow.
 */
import type { ChalkInstance } from 'chalk';
import { DESTRUCTIVE_OR_POLICY_EVENTS } from '../cloudtrail/events.js';
import { errorCode, text } from '../cloudtrail/record.js';
import type { TimeZone } from '../util/time-zone.js';
import { tableColumn, tableTime, type Column } from './columns.js';
import type { Output } from './output.js';
import type { RecordSink } from './sink.js';
import { wrappedTable } from './wrapped-table.js';

export function tableSink(out: Output, columns: readonly Column[], color: ChalkInstance, zone?: TimeZone): RecordSink {
  const table = wrappedTable(
    out,
    columns.map((c) => tableColumn(c, zone)),
    color,
  );
  const time = tableTime(zone);
  return {
    write(record) {
      const r = record.record;
      const paint = errorCode(r)
        ? color.red
        : DESTRUCTIVE_OR_POLICY_EVENTS.has(text(r, 'eventName') ?? '')
          ? color.yellow
          : undefined;
      table.row(
        columns.map((c) => c.value(r, record, time)),
        paint,
      );
    },
    end() {
      if (table.end() === 0) out.write(color.dim('(no matching records)') + '\n');
    },
  };
}
