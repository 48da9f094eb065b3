/**
 * The one way tables are printed (filter, summary, keys, timeline, detect): a box table that fits
 * the terminal it is printed on, with one header for the whole output, started before the last row
 * is known.
 *
 * The first rows (up to SAMPLE_ROWS) decide the column widths; later rows are printed as they come,
 * in the same widths. On a terminal (`out.width`), the table fits the screen: columns declare how
 * they give way (`TableColumn`): the widest values are cut with `…` or wrapped onto more lines, and
 * when even that is not enough, the least needed columns are left out (named under the table).
 * Elsewhere (a pipe, `--wide`), nothing is cut or left out: a value wider than its column wraps.
 * Every cell passes through terminalSafe first: log values are attacker-controlled.
 */
import type { ChalkInstance } from 'chalk';
import { cutToWidth, displayWidth, sliceToWidth } from '../util/display-width.js';
import type { Output } from './output.js';
import { terminalSafe } from './terminal-safe.js';

/** Rows read before the widths are decided: the first screenful and more, so a long result starts at once. */
const SAMPLE_ROWS = 500;
/** Widest a column grows unless it says otherwise (a role ARN fits). */
const MAX_WIDTH = 80;
/** Narrowest a wrapping column is made on a narrow screen unless it says otherwise. */
const MIN_WRAP_WIDTH = 10;
/** Narrowest a wrapping column is squeezed before columns that cut give way. */
const SQUEEZED_WRAP_WIDTH = 6;

export type Paint = (text: string) => string;

/** How a column looks and how it gives way on a narrow screen. */
export interface TableColumn {
  /** One line, or several (`['seen', '(UTC)']`). */
  header: string | readonly string[];
  /** Long values wrap onto more lines (a number: the widest the column grows); otherwise, on a terminal, they are cut with `…`. */
  wrap?: boolean | number;
  /**
   * Narrowest width worth showing; a column of shorter values is never cut. Default: 10 for a
   * wrapping column; a column that cuts and says nothing is cut only when nothing else is left.
   */
  min?: number;
  /** Widest the column grows (default 80, or the wrap number). */
  max?: number;
  /**
   * A wrapping column whose values read badly broken (`GenerateData` / `Key`): room to spare makes
   * it whole first, as it does a column that cuts, rather than be shared with the others.
   */
  whole?: boolean;
  /**
   * On a fitted screen, a wrapping cell shows at most this many lines, the last ending in `…`: a
   * narrow screen would make a long value a row of dozens of lines (a key policy's digest).
   */
  lines?: number;
  /** When the screen is too narrow for every column at its minimum, the highest `drop` leaves first; 0 or absent: never. */
  drop?: number;
  /**
   * Left out, its values other than `usual` are shown as a last line (`header: value`) of that
   * column's cells, which should wrap: timeline's outcome goes under the action, so a failure on a
   * narrow screen is still read.
   */
  foldInto?: number;
  /** The value most rows hold (`ok`), not worth a line when folded. */
  usual?: string;
  /** Where a cut value loses its text: at the end (default), or at the start for ARNs, whose end says most. */
  cut?: 'end' | 'start';
  align?: 'left' | 'right';
}

/** One cell: text, lines of text, or either with its own colour (which wins over the row's). */
export type Cell = string | readonly string[] | { text: string | readonly string[]; paint?: Paint };

const BORDER_PER_COLUMN = 3; // "│ " before the text and " " after it
const overhead = (columns: number) => BORDER_PER_COLUMN * columns + 1;

function widestOf(column: TableColumn): number {
  return column.max ?? (typeof column.wrap === 'number' ? column.wrap : MAX_WIDTH);
}


/**
 * A column holding a value in fewer than this share of the rows seen (the error column of mostly
 * successful calls, the key column of other services' records) leaves before the columns most rows
 * fill: on a narrow screen, a column of blanks is room taken from the values that are there.
 */
const SPARSE = 0.25;

/**
 * The width of each column on a screen `screen` columns wide (undefined: no screen, nothing is
 * dropped), or undefined for a column left out. `natural` is the widest each column's header and
 * values are; `filled` is the share of the rows seen that hold a value in each column (empty and
 * sparse columns leave first).
 */
export function layoutColumns(
  columns: readonly TableColumn[],
  natural: readonly number[],
  filled: readonly number[],
  screen: number | undefined,
): Array<number | undefined> {
  const wanted = columns.map((c, i) => Math.max(1, Math.min(natural[i], widestOf(c))));
  if (screen === undefined) return wanted;
  const floor = columns.map((c, i) => Math.min(wanted[i], c.min ?? (c.wrap ? MIN_WRAP_WIDTH : Infinity)));
  const shown = columns.map((_, i) => i);
  const sum = (values: readonly number[], among: readonly number[] = shown) => among.reduce((total, i) => total + values[i], 0);
  const fits = (among: readonly number[]) => sum(floor, among) + overhead(among.length) <= screen;
  /** Columns left out, the first to leave first. */
  const left: number[] = [];
  while (!fits(shown)) {
    const droppable = shown.filter((i) => (columns[i].drop ?? 0) > 0);
    if (droppable.length === 0) break;
    // Empty columns first, then sparse ones, then the highest `drop`, then the rightmost.
    const rank = (i: number) => [filled[i] === 0 ? 2 : filled[i] < SPARSE ? 1 : 0, columns[i].drop ?? 0, i];
    const leaving = droppable.reduce((a, b) => {
      const [ra, rb] = [rank(a), rank(b)];
      for (let k = 0; k < ra.length; k++) if (ra[k] !== rb[k]) return ra[k] > rb[k] ? a : b;
      return a;
    });
    shown.splice(shown.indexOf(leaving), 1);
    left.push(leaving);
  }
  // A column that left early may fit in the room a wider one left behind: the last to leave (the
  // most wanted) comes back first.
  for (const back of left.reverse()) {
    if (filled[back] === 0) continue;
    const tried = [...shown, back].sort((a, b) => a - b);
    if (fits(tried)) shown.splice(0, shown.length, ...tried);
  }
  const budget = screen - overhead(shown.length);
  const widths = [...floor];
  // Only columns that may not leave are left, and still too wide: something goes below its
  // minimum. A wrapping column loses nothing by it (it takes more lines), so the widest of those
  // gives way first, down to SQUEEZED_WRAP_WIDTH; then the widest column that may be cut; a column
  // whose minimum is its whole value (a time) only when nothing else is left.
  const whole = (i: number) => (columns[i].min ?? (columns[i].wrap ? MIN_WRAP_WIDTH : Infinity)) >= wanted[i];
  const tiers: Array<(i: number) => boolean> = [
    (i) => Boolean(columns[i].wrap) && widths[i] > SQUEEZED_WRAP_WIDTH,
    (i) => !columns[i].wrap && !whole(i) && widths[i] > 1,
    (i) => widths[i] > 1,
  ];
  for (let excess = sum(widths) - budget; excess > 0; excess--) {
    const tier = tiers.map((inTier) => shown.filter(inTier)).find((candidates) => candidates.length > 0);
    if (!tier) break;
    widths[tier.reduce((a, b) => (widths[b] > widths[a] ? b : a))]--;
  }
  // The room left first makes whole the columns that cut that it can, the one shortest of its
  // values first: a value whole is read, one cut is lost however little is missing (a wrapping
  // column loses nothing, only takes more lines). What is left goes to the
  // narrowest column still short of its values, a column at a time: up to each column's maximum,
  // then past it, as a value wrapped or cut on a screen with room to spare is only harder to read
  // (and an ARN wrapped in its middle cannot be copied).
  for (const goal of [wanted, natural]) {
    const shortBy = (i: number) => goal[i] - widths[i];
    for (const i of shown.filter((c) => (!columns[c].wrap || columns[c].whole) && shortBy(c) > 0).sort((a, b) => shortBy(a) - shortBy(b))) {
      if (shortBy(i) <= budget - sum(widths)) widths[i] = goal[i];
    }
    for (let spare = budget - sum(widths); spare > 0; spare--) {
      const short = shown.filter((i) => widths[i] < goal[i]);
      if (short.length === 0) break;
      widths[short.reduce((a, b) => (widths[b] < widths[a] ? b : a))]++;
    }
  }
  return columns.map((_, i) => (shown.includes(i) ? widths[i] : undefined));
}

/** The shortest piece a word is broken into at a break place in the first half of a line. */
const MIN_PIECE = 3;

/** Where a word too long for a line may break: after these, or between a lower and an upper case letter. */
const BREAK_AFTER = new Set(['/', ':', ',', '-', '.', '_', '=']);

/** A word wider than `width` in lines of at most `width` columns, broken where it reads best. */
function breakWord(word: string, width: number): string[] {
  const pieces: string[] = [];
  let rest = word;
  while (displayWidth(rest) > width) {
    const head = sliceToWidth(rest, width);
    /** The last place from `from` down to `to` where `rest` may break, or -1. */
    const lastBreak = (from: number, to: number) => {
      for (let i = from; i >= to; i--) if (BREAK_AFTER.has(rest[i - 1]) || (/[a-z0-9]/.test(rest[i - 1]) && /[A-Z]/.test(rest[i]))) return i;
      return -1;
    };
    // The last place in the line's second half; else, rather than cut a word (`rds.amazonaw` and
    // `s.com`), the last one in its first half that leaves a few characters (`rds.`).
    const half = Math.ceil(head.length / 2);
    let at = lastBreak(head.length - 1, half);
    if (at < 0) at = lastBreak(half - 1, MIN_PIECE);
    if (at < 0) at = head.length;
    // A character wider than the whole column still has to go somewhere.
    if (at === 0) at = String.fromCodePoint(rest.codePointAt(0) ?? 0).length;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  pieces.push(rest);
  return pieces;
}

/**
 * Lines of at most `width` columns, broken at spaces, and inside words longer than a line (ARNs)
 * after `/`, `:` or `-` or between camel-case words where it can: an ARN cut short is an ARN lost.
 */
export function wrapText(value: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of value.split(' ')) {
    if (displayWidth(word) > width) {
      if (line !== '') lines.push(line);
      const pieces = breakWord(word, width);
      lines.push(...pieces.slice(0, -1));
      line = pieces[pieces.length - 1];
    } else if (line === '') line = word;
    else if (displayWidth(line) + 1 + displayWidth(word) <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return lines;
}

export interface WrappedTable {
  /** One row; `paint` colours the whole row (a cell's own paint wins). */
  row(cells: readonly Cell[], paint?: Paint): void;
  /** Prints what is held and the bottom border; returns the number of rows printed in all. */
  end(): number;
}

interface HeldRow {
  /** Per cell, its lines, terminal-safe. */
  lines: string[][];
  paints: Array<Paint | undefined>;
}

function held(cells: readonly Cell[], count: number, paint: Paint | undefined): HeldRow {
  const lines: string[][] = [];
  const paints: Array<Paint | undefined> = [];
  for (let i = 0; i < count; i++) {
    const cell = cells[i] ?? '';
    const text = typeof cell === 'object' && !Array.isArray(cell) ? (cell as { text: string | readonly string[] }).text : (cell as string | readonly string[]);
    lines.push((typeof text === 'string' ? [text] : [...text]).map(terminalSafe));
    paints.push((typeof cell === 'object' && !Array.isArray(cell) ? (cell as { paint?: Paint }).paint : undefined) ?? paint);
  }
  return { lines, paints };
}

export function wrappedTable(out: Output, columns: readonly TableColumn[], color: ChalkInstance): WrappedTable {
  let sample: HeldRow[] | undefined = [];
  let widths: Array<number | undefined> = [];
  let fitted = false;
  let printed = 0;
  /** Per column, the rows holding a value: a column left out says how many it hid. */
  const holding = columns.map(() => 0);
  /** Per column, the cells cut to its `lines`. */
  const clipped = columns.map(() => 0);

  const border = (left: string, middle: string, right: string) =>
    left + widths.flatMap((w) => (w === undefined ? [] : ['─'.repeat(w + 2)])).join(middle) + right + '\n';

  /** A cell's lines in its column's width: cut on a fitted screen unless the column wraps, and then to its `lines`. */
  const shape = (lines: readonly string[], i: number, width: number): string[] => {
    const shaped = lines.flatMap((line) => {
      if (displayWidth(line) <= width) return [line];
      return fitted && !columns[i].wrap ? [cutToWidth(line, width, columns[i].cut)] : wrapText(line, width);
    });
    const most = columns[i].lines;
    if (!fitted || most === undefined || shaped.length <= most) return shaped;
    clipped[i]++;
    return [...shaped.slice(0, most - 1), cutToWidth(`${shaped[most - 1]}…`, width)];
  };

  /** A row's lines per column, with the values of columns left out folded into the column they name. */
  const folded = (row: HeldRow): string[][] => {
    const lines = row.lines.map((cell) => [...cell]);
    columns.forEach((c, i) => {
      const into = c.foldInto;
      if (widths[i] !== undefined || into === undefined || widths[into] === undefined) return;
      const value = row.lines[i].join(' ');
      if (value !== '' && value !== c.usual) lines[into].push(`${typeof c.header === 'string' ? c.header : c.header[0]}: ${value}`);
    });
    return lines;
  };

  const print = (row: HeldRow, header = false) => {
    const cells = (header ? row.lines : folded(row)).map((lines, i) => (widths[i] === undefined ? [] : shape(lines, i, widths[i]!)));
    const height = Math.max(1, ...cells.map((c) => c.length));
    let block = '';
    for (let l = 0; l < height; l++) {
      const parts: string[] = [];
      cells.forEach((lines, i) => {
        const width = widths[i];
        if (width === undefined) return;
        const line = lines[l] ?? '';
        const pad = ' '.repeat(Math.max(0, width - displayWidth(line)));
        // Only the text is painted: escape codes around padding would be noise.
        const shown = line !== '' && row.paints[i] ? row.paints[i]!(line) : line;
        parts.push(!header && columns[i].align === 'right' ? pad + shown : shown + pad);
      });
      block += `│ ${parts.join(' │ ')} │\n`;
    }
    out.write(block);
  };

  /** Decides the widths from the rows held, prints the header and them. */
  const start = () => {
    const rows = sample ?? [];
    sample = undefined;
    const screen = out.width;
    fitted = screen !== undefined;
    const headers = columns.map((c) => (typeof c.header === 'string' ? [c.header] : [...c.header]));
    const natural = columns.map((_, i) => Math.max(...headers[i].map(displayWidth), ...rows.flatMap((r) => r.lines[i].map(displayWidth))));
    const filled = columns.map((_, i) => (rows.length === 0 ? 0 : rows.filter((r) => r.lines[i].some((line) => line !== '')).length / rows.length));
    widths = layoutColumns(columns, natural, filled, screen);
    out.write(border('┌', '┬', '┐'));
    const cut = headers.map((lines, i) => (widths[i] === undefined ? [] : lines.map((line) => cutToWidth(line, widths[i]!))));
    print({ lines: cut, paints: columns.map(() => color.bold) }, true);
    out.write(border('├', '┼', '┤'));
    for (const row of rows) print(row);
  };

  return {
    row(cells, paint) {
      const row = held(cells, columns.length, paint);
      printed++;
      row.lines.forEach((lines, i) => {
        if (lines.some((line) => line !== '')) holding[i]++;
      });
      if (sample === undefined) return print(row);
      sample.push(row);
      if (sample.length >= SAMPLE_ROWS) start();
    },
    end() {
      if (printed === 0) return 0;
      if (sample !== undefined) start();
      out.write(border('└', '┴', '┘'));
      const name = (c: TableColumn) => (typeof c.header === 'string' ? c.header : c.header[0]);
      const isFolded = (c: TableColumn) => c.foldInto !== undefined && widths[c.foldInto] !== undefined;
      // A sparse column left out (the error of a few failed calls) says how many rows it hid.
      const left = columns.flatMap((c, i) => {
        if (widths[i] !== undefined || isFolded(c)) return [];
        return [holding[i] > 0 && holding[i] < printed ? `${name(c)} (in ${holding[i].toLocaleString('en-US')} of ${printed.toLocaleString('en-US')} rows)` : name(c)];
      });
      const moved = columns.flatMap((c, i) =>
        widths[i] === undefined && isFolded(c) ? [`${name(c)} under ${name(columns[c.foldInto!])}${c.usual === undefined ? '' : ` where not ${c.usual}`}`] : [],
      );
      const cut = columns.flatMap((c, i) =>
        clipped[i] > 0 ? [`${name(c)} cut to ${c.lines} lines in ${clipped[i].toLocaleString('en-US')} of ${printed.toLocaleString('en-US')} rows`] : [],
      );
      const screen = out.width;
      if (left.length + moved.length + cut.length > 0 && screen !== undefined) {
        const parts = [...(left.length > 0 ? [`not shown, to fit ${screen} columns: ${left.join(', ')}`] : []), ...moved, ...cut];
        const note = `${parts.join('; ')} (--wide shows every column${cut.length > 0 ? ' and value whole' : ''})`;
        out.write(wrapText(note, screen).map((line) => color.dim(line) + '\n').join(''));
      }
      return printed;
    },
  };
}

/** Prose on a screen: wrapped to the terminal's width when tables fit it, else one line. */
export function writeProse(out: Output, text: string, paint: Paint = (line) => line): void {
  const screen = out.width;
  out.write((screen === undefined ? [text] : wrapText(text, screen)).map((line) => paint(line) + '\n').join(''));
}

/** Pieces on as few lines of `width` as they go, a space between two on one line. */
function packed(pieces: readonly string[], width: number): string[] {
  const lines: string[] = [];
  for (const piece of pieces) {
    const last = lines.at(-1);
    if (last !== undefined && displayWidth(last) + 1 + displayWidth(piece) <= width) lines[lines.length - 1] = `${last} ${piece}`;
    else lines.push(piece);
  }
  return lines;
}

/**
 * Labelled values on one line, three spaces apart (`files 55   records read 2,900`), the labels
 * bold; on a terminal too narrow for them all, a field that would overflow starts the next line,
 * and one wider than the screen on its own wraps under its value (between its pieces first).
 */
export function writeFields(out: Output, fields: ReadonlyArray<readonly [label: string, value: string | readonly string[]]>, color: ChalkInstance): void {
  const screen = out.width ?? Infinity;
  let text = '';
  let used = 0;
  for (const [label, given] of fields) {
    // A value in pieces breaks between them first (a time span between its two times).
    const pieces = typeof given === 'string' ? [given] : given;
    const value = pieces.join(' ');
    const width = displayWidth(`${label} ${value}`);
    const shown = `${color.bold(label)} ${value}`;
    const room = screen - displayWidth(label) - 1;
    if (width > screen && room >= MIN_WRAP_WIDTH) {
      // Wider than the screen on its own (a zoned time span at 60 columns): the value wraps under
      // itself, and nothing goes beside it.
      const lines = pieces.every((piece) => displayWidth(piece) <= room) ? packed(pieces, room) : wrapText(value, room);
      text += `${used > 0 ? '\n' : ''}${color.bold(label)} ${lines.join(`\n${' '.repeat(screen - room)}`)}`;
      used = screen;
      continue;
    }
    if (used === 0) text += shown;
    else if (used + 3 + width > screen) {
      text += `\n${shown}`;
      used = 0;
    } else {
      text += `   ${shown}`;
      used += 3;
    }
    used += width;
  }
  out.write(text + '\n');
}
