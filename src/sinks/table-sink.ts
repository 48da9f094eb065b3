/**
 * The human view: a cli-table3 table. Rows are printed in blocks so a long result starts showing
 * at once and memory stays bounded. Errors are red; destructive and policy events are yellow.
 */
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import { errorCode, text } from '../cloudtrail/record.js';
import type { Column } from './columns.js';
import type { Output } from './output.js';
import type { RecordSink } from './record-sink.js';
import { terminalSafe } from './terminal-safe.js';

/** Events that destroy keys, lock users out of them, or widen who may use them. */
export const DESTRUCTIVE_OR_POLICY_EVENTS = new Set([
  'ScheduleKeyDeletion',
  'DisableKey',
  'PutKeyPolicy',
  'CreateGrant',
  'DeleteImportedKeyMaterial',
  'DisableKeyRotation',
]);

const ROWS_PER_BLOCK = 500;
/** Wide enough for a key ARN; longer cells are cut with an ellipsis. */
const MAX_CELL = 64;

function fit(value: string): string {
  const safe = terminalSafe(value);
  return safe.length > MAX_CELL ? `${safe.slice(0, MAX_CELL - 1)}…` : safe;
}

export function tableSink(out: Output, columns: readonly Column[], color: ChalkInstance): RecordSink {
  let rows: string[][] = [];
  let printed = 0;
  const flush = () => {
    if (rows.length === 0) return;
    const table = new Table({
      head: columns.map((c) => color.bold(c.header)),
      style: { head: [], border: [], compact: true },
    });
    for (const row of rows) table.push(row);
    out.write(table.toString() + '\n');
    printed += rows.length;
    rows = [];
  };
  return {
    write(record) {
      const r = record.record;
      const paint = errorCode(r)
        ? color.red
        : DESTRUCTIVE_OR_POLICY_EVENTS.has(text(r, 'eventName') ?? '')
          ? color.yellow
          : undefined;
      const cells = columns.map((c) => fit(c.value(r, record)));
      rows.push(paint ? cells.map((cell) => paint(cell)) : cells);
      if (rows.length >= ROWS_PER_BLOCK) flush();
    },
    end() {
      flush();
      if (printed === 0) out.write(color.dim('(no matching records)') + '\n');
    },
  };
}
