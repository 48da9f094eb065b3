/**
 * A cli-table3 table whose long columns wrap (timeline details, detection reasons) rather than
 * run off the screen, printed in blocks so a long result starts showing at once. Every cell
 * passes through terminalSafe first: log values are attacker-controlled.
 */
import type { ChalkInstance } from 'chalk';
import { createRequire } from 'node:module';
import type TableType from 'cli-table3';
import type { Output } from './output.js';
import { terminalSafe } from './terminal-safe.js';

const ROWS_PER_BLOCK = 500;

let tableClass: typeof TableType | undefined;
/** cli-table3, loaded when the first table is printed: runs that print JSON never need it. */
function Table(): typeof TableType {
  tableClass ??= createRequire(import.meta.url)('cli-table3') as typeof TableType;
  return tableClass;
}
/** Cells of columns that do not wrap are cut at this length (a key ARN fits). */
const MAX_CELL = 80;

export interface TableColumn {
  header: string;
  /** Wrap the cell to lines of at most this many characters. */
  wrap?: number;
  align?: 'left' | 'right';
}

/** A cell: one text, or lines of their own (each made safe, and wrapped or cut, apart). */
export type TableCell = string | readonly string[];

/**
 * Breaks at spaces, and inside words longer than a line (ARNs): cli-table3's own word wrap cuts
 * those with an ellipsis, and an ARN cut short is an ARN lost.
 */
export function wrapText(value: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (let word of value.split(' ')) {
    if (word.length > width) {
      // Too long for any line: it starts its own, in pieces.
      if (line !== '') lines.push(line);
      while (word.length > width) {
        lines.push(word.slice(0, width));
        word = word.slice(width);
      }
      line = word;
    } else if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return lines.join('\n');
}

/** The width left for the last column on a terminal `columns` wide (220 when not a terminal), given what the others take. */
export function remainingWidth(columns: number | undefined, others: number): number {
  return Math.min(100, Math.max(40, (columns ?? 220) - others));
}

export interface WrappedTable {
  /** One row; `paint` colours the whole row. */
  row(cells: readonly TableCell[], paint?: (s: string) => string): void;
  /** Prints what is left; returns the number of rows printed in all. */
  end(): number;
}

export function wrappedTable(out: Output, columns: readonly TableColumn[], color: ChalkInstance): WrappedTable {
  let rows: string[][] = [];
  let printed = 0;
  const flush = () => {
    if (rows.length === 0) return;
    const table = new (Table())({
      head: columns.map((c) => color.bold(c.header)),
      style: { head: [], border: [], compact: true },
      colAligns: columns.map((c) => c.align ?? 'left'),
    });
    for (const row of rows) table.push(row);
    out.write(table.toString() + '\n');
    printed += rows.length;
    rows = [];
  };
  return {
    row(cells, paint) {
      const shown = cells.map((cell, i) => {
        const wrap = columns[i]?.wrap;
        const fit = (line: string) => {
          const safe = terminalSafe(line);
          if (wrap !== undefined) return wrapText(safe, wrap);
          return safe.length <= MAX_CELL ? safe : `${safe.slice(0, MAX_CELL - 1)}…`;
        };
        return typeof cell === 'string' ? fit(cell) : cell.map(fit).join('\n');
      });
      rows.push(paint ? shown.map((cell) => paint(cell)) : shown);
      if (rows.length >= ROWS_PER_BLOCK) flush();
    },
    end() {
      flush();
      return printed;
    },
  };
}
