/**
 * The shared table: widths decided from the first rows and the screen, columns giving way in the
 * order they declare, one header for the whole output, and nothing cut where there is no screen.
 */
import { Writable } from 'node:stream';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { Output } from '../../../src/sinks/output.js';
import { layoutColumns, wrappedTable, wrapText, writeFields, type TableColumn } from '../../../src/sinks/wrapped-table.js';
import { displayWidth } from '../../../src/util/display-width.js';

const plain = new Chalk({ level: 0 });

/** An Output on a fake terminal `columns` wide (or a pipe when undefined); `text()` once ended. */
function screen(columns: number | undefined, fit = true) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    }),
    columns === undefined ? {} : { isTTY: true, columns },
  );
  const out = new Output(stream, { fit });
  return { out, text: async () => (await out.end(), chunks.join('')) };
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
/** The cells of the table's rows, header included (a row on several lines gives several). */
const cells = (text: string) => lines(text).filter((l) => l.startsWith('│')).map((l) => l.slice(1, -1).split('│').map((c) => c.trim()));

describe('layoutColumns', () => {
  const columns: TableColumn[] = [
    { header: 'time', min: 20 },
    { header: 'event', min: 10 },
    { header: 'principal', min: 12, drop: 1 },
    { header: 'region', min: 9, drop: 3 },
    { header: 'details', wrap: true, min: 15, drop: 2 },
  ];
  const natural = [20, 25, 40, 9, 90];
  const none = [1, 1, 1, 1, 1];
  const total = (widths: Array<number | undefined>) =>
    widths.reduce<number>((sum, w) => sum + (w === undefined ? 0 : w + 3), 1);

  it('no screen: every column, as wide as its values up to its maximum', () => {
    expect(layoutColumns(columns, natural, none, undefined)).toEqual([20, 25, 40, 9, 80]);
  });

  it('a wide screen: every column, and one capped by its maximum grows to its whole value when there is room', () => {
    expect(layoutColumns(columns, natural, none, 300)).toEqual([20, 25, 40, 9, 90]);
    // Room for part of it: the table fills the screen, no wider.
    const widths = layoutColumns(columns, natural, none, 195);
    expect(widths[4]).toBeGreaterThan(80);
    expect(widths[4]).toBeLessThan(90);
    expect(total(widths)).toBe(195);
  });

  it('narrower: the room is shared out, the narrowest wanting more served first, and the line fits exactly', () => {
    const widths = layoutColumns(columns, natural, none, 120);
    expect(widths.every((w) => w !== undefined)).toBe(true);
    expect(total(widths)).toBe(120);
    expect(widths[0]).toBe(20); // at its minimum, which is its whole value
    expect(widths[3]).toBe(9);
    expect(widths[1]).toBe(25);
  });

  it('the room left makes whole the columns it can, the one shortest of its values first, before sharing the rest', () => {
    const three: TableColumn[] = [{ header: 'a', min: 10 }, { header: 'b', min: 10 }, { header: 'c', min: 10 }];
    // 5 spare: b (3 short) is made whole, not a and b each given 2 and both left cut.
    const widths = layoutColumns(three, [30, 13, 10], [1, 1, 1], 10 * 3 + 10 + 5);
    expect(widths).toEqual([12, 13, 10]);
    // Too little spare for either: the narrowest short one grows first (the first of equals), as before.
    expect(layoutColumns(three, [30, 20, 10], [1, 1, 1], 10 * 3 + 10 + 5)).toEqual([13, 12, 10]);
    expect(layoutColumns(three, [30, 20, 10], [1, 1, 1], 10 * 3 + 10 + 4)).toEqual([12, 12, 10]);
  });

  it('too narrow for every minimum: the highest drop leaves first, then the next', () => {
    const at80 = layoutColumns(columns, natural, none, 80);
    expect(at80[3]).toBeUndefined(); // region, drop 3
    expect(at80.filter((w) => w !== undefined)).toHaveLength(4);
    expect(total(at80)).toBeLessThanOrEqual(80);
    const at60 = layoutColumns(columns, natural, none, 60);
    expect(at60[3]).toBeUndefined();
    expect(at60[4]).toBeUndefined(); // details, drop 2
    expect(at60[2]).toBeDefined();
    expect(total(at60)).toBeLessThanOrEqual(60);
  });

  it('a column empty in every row seen leaves before the others, whatever its drop', () => {
    const empty = [1, 1, 0, 1, 1];
    expect(layoutColumns(columns, natural, empty, 80)[2]).toBeUndefined();
  });

  it('a sparse column (values in under a quarter of the rows) leaves before a fuller one of lower drop', () => {
    // principal (drop 1) holds values in a tenth of the rows: it leaves, details (drop 2) stays.
    const at80 = layoutColumns(columns, natural, [1, 1, 0.1, 1, 1], 80);
    expect(at80[2]).toBeUndefined();
    expect(at80[4]).toBeDefined();
    expect(layoutColumns(columns, natural, [1, 1, 0.3, 1, 1], 80)[2]).toBeDefined();
  });

  it('a column that left early comes back when a wider one that left after it made room', () => {
    const wide: TableColumn[] = [
      { header: 'time', min: 20 },
      { header: 'event', min: 16 },
      { header: 'principal ARN', min: 20, drop: 3 },
      { header: 'key', min: 13, drop: 3 },
      { header: 'origin', min: 16, drop: 2 },
    ];
    // key leaves first (rightmost of drop 3), then principal ARN; then key fits again.
    const widths = layoutColumns(wide, [20, 19, 60, 36, 20], [1, 1, 1, 1, 1], 80);
    expect(widths[2]).toBeUndefined();
    expect(widths[3]).toBeGreaterThanOrEqual(13);
    expect(total(widths)).toBe(80);
  });

  it('a wrapping column marked whole is made whole from the room to spare first, never at the cost of a column', () => {
    const timeline: TableColumn[] = [
      { header: 'time', min: 20 },
      { header: 'actor', wrap: 28, min: 12, drop: 1 },
      { header: 'action', wrap: true, min: 12, whole: true },
      { header: 'details', wrap: 100, min: 20 },
    ];
    const natural = [20, 24, 15, 300];
    // 3 columns to spare at 80: all to the action, whole.
    expect(layoutColumns(timeline, natural, [1, 1, 1, 1], 80)).toEqual([20, 12, 15, 20]);
    // Without the mark, shared out, the narrowest first.
    expect(layoutColumns(timeline.map((c) => ({ ...c, whole: undefined })), natural, [1, 1, 1, 1], 80)[2]).toBeLessThan(15);
    // No room (a zoned time, 25 wide): the action is cut short, the actor stays.
    const zoned = layoutColumns(timeline, [25, 24, 15, 300], [1, 1, 1, 1], 80);
    expect(zoned[1]).toBeDefined();
    expect(zoned.reduce<number>((sum, w) => sum + (w ?? 0) + 3, 1)).toBe(80);
  });

  it('columns that may not leave give way, a wrapping one first (it loses nothing), then the widest, never past the screen', () => {
    const fixed: TableColumn[] = [{ header: 'a' }, { header: 'b' }, { header: 'c', wrap: true }];
    const widths = layoutColumns(fixed, [30, 30, 30], [1, 1, 1], 40);
    expect(total(widths)).toBe(40);
    expect(widths[2]).toBe(6);
    expect(Math.abs((widths[0] as number) - (widths[1] as number))).toBeLessThanOrEqual(1);
  });

  it('a column whose minimum is its whole value (a time) is cut only when nothing else can give', () => {
    const trace: TableColumn[] = [
      { header: 'time', min: Number.MAX_SAFE_INTEGER },
      { header: 'event', min: 16 },
      { header: 'origin', wrap: 28, min: 12 },
      { header: 'chain', wrap: 100, min: 20 },
    ];
    // 25 columns: a time with its zone offset, the widest value of the table.
    const widths = layoutColumns(trace, [25, 30, 28, 60], [1, 1, 1, 1], 80);
    expect(total(widths)).toBeLessThanOrEqual(80);
    expect(widths[0]).toBe(25);
    // Narrower still: the wrapping columns squeezed, then the event cut below its minimum.
    const cramped = layoutColumns(trace, [25, 30, 28, 60], [1, 1, 1, 1], 60);
    expect(total(cramped)).toBeLessThanOrEqual(60);
    expect(cramped[0]).toBe(25);
    expect(cramped[1]).toBeLessThan(16);
  });
});

describe('wrapText', () => {
  it('breaks at spaces', () => {
    expect(wrapText('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrapText('', 10)).toEqual(['']);
  });

  it('a word longer than a line breaks after / : - or between camel-case words, else where it must', () => {
    expect(wrapText('see arn:aws:kms:us-west-2:1:key/abc now', 10)).toEqual(['see', 'arn:aws:', 'kms:us-', 'west-2:1:', 'key/abc', 'now']);
    expect(wrapText('ScheduleKeyDeletion', 12)).toEqual(['ScheduleKey', 'Deletion']);
    expect(wrapText('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
  });

  it('rather than cut a word, breaks early in the line, leaving at least three characters', () => {
    // Before: 'rds.amazonaw' and 's.com'.
    expect(wrapText('rds.amazonaws.com', 12)).toEqual(['rds.', 'amazonaws.', 'com']);
    // A piece of two is too short: cut where it must.
    expect(wrapText('a.bcdefghijklmn', 8)).toEqual(['a.bcdefg', 'hijklmn']);
    expect(wrapText('ab.cdefghijklmn', 8)).toEqual(['ab.', 'cdefghij', 'klmn']);
  });

  it('every line fits, wide characters included, and nothing is lost', () => {
    const text = 'user 鍵鍵鍵鍵鍵鍵 arn:aws:iam::111122223333:role/🔑-admins/session';
    for (const width of [2, 5, 9, 14]) {
      const wrapped = wrapText(text, width);
      for (const line of wrapped) expect(displayWidth(line)).toBeLessThanOrEqual(width);
      expect(wrapped.join('').replace(/ /g, '')).toBe(text.replace(/ /g, ''));
    }
  });
});

describe('wrappedTable on a terminal', () => {
  const columns: TableColumn[] = [
    { header: 'time', min: 20 },
    { header: 'principal', min: 12, drop: 1, cut: 'start' },
    { header: 'agent', min: 10, drop: 2 },
    { header: 'reason', wrap: 60, min: 12 },
  ];
  const row = (i: number) => [
    `2024-03-01 10:00:${String(i % 60).padStart(2, '0')}Z`,
    `arn:aws:sts::111122223333:assumed-role/Admin/session-${i}`,
    `aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64 prompt/off command/kms.decrypt ${i}`,
    `the reason for row ${i}, long enough to wrap on a narrow screen and to show that it does`,
  ];

  it.each([40, 80, 120, 200])('no line is longer than %i columns, and one header for 600 rows', async (width) => {
    const { out, text } = screen(width);
    const table = wrappedTable(out, columns, plain);
    for (let i = 0; i < 600; i++) table.row(row(i));
    expect(table.end()).toBe(600);
    const printed = lines(await text());
    for (const line of printed) expect(displayWidth(line)).toBeLessThanOrEqual(width);
    expect(printed.filter((l) => l.startsWith('┌'))).toHaveLength(1);
    expect(printed.filter((l) => /^│ time\b/.test(l))).toHaveLength(1);
    const bottom = printed.findIndex((l) => l.startsWith('└'));
    // After the bottom border, only the note naming what was left out.
    expect(printed.slice(bottom + 1).every((l) => !l.startsWith('│'))).toBe(true);
    expect(cells(printed.join('\n')).filter((r) => r[0].startsWith('2024-'))).toHaveLength(600);
  });

  it('cut values end in … (or start with it, for a column cut at the start); wrapped ones are whole', async () => {
    const { out, text } = screen(100);
    const table = wrappedTable(out, columns, plain);
    table.row(row(7));
    table.end();
    const rows = cells(await text());
    const [header, first] = rows;
    expect(header).toEqual(['time', 'principal', 'agent', 'reason']);
    expect(first[0]).toBe('2024-03-01 10:00:07Z');
    expect(first[1]).toMatch(/^….*\/Admin\/session-7$/);
    expect(first[2]).toMatch(/^aws-cli\/2\.15\.0.*…$/);
    const reason = rows.slice(1).map((r) => r[3]).join(' ');
    expect(reason).toBe(row(7)[3]);
  });

  it('a column left out is named under the table', async () => {
    const { out, text } = screen(60);
    const table = wrappedTable(out, columns, plain);
    table.row(row(1));
    table.end();
    const printed = await text();
    expect(cells(printed)[0]).not.toContain('agent');
    expect(printed).toMatch(/not shown, to fit 60 columns: agent/);
  });

  it('a column left out that held a value in some rows only says in how many', async () => {
    const { out, text } = screen(60);
    const sparse: TableColumn[] = [{ header: 'event', min: 50 }, { header: 'error', min: 12, drop: 1 }];
    const table = wrappedTable(out, sparse, plain);
    for (let i = 0; i < 12; i++) table.row([`Decrypt ${i}`.padEnd(50, '.'), i % 5 === 0 ? 'AccessDenied' : '']);
    table.end();
    const printed = await text();
    expect(printed).not.toContain('AccessDenied');
    expect(printed.replace(/\s+/g, ' ')).toContain('not shown, to fit 60 columns: error (in 3 of 12 rows) (--wide');
  });

  it('a wrapping column with `lines` shows at most that many, the last ending in …, and says in how many rows', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    for (const [fitted, expected] of [[screen(40), 3], [screen(40, false), Infinity]] as const) {
      const table = wrappedTable(fitted.out, [{ header: 'event', min: 10 }, { header: 'details', wrap: true, min: 20, lines: 3 }], plain);
      table.row(['Decrypt', long]);
      table.row(['CreateKey', 'short']);
      table.end();
      const printed = await fitted.text();
      const details = cells(printed).slice(1).map((r) => r[1]);
      if (expected === 3) {
        expect(details).toHaveLength(4);
        expect(details[2]).toMatch(/…$/);
        expect(long.startsWith(details.slice(0, 3).join(' ').replace(/ ?…$/, ''))).toBe(true);
        expect(printed.replace(/\s+/g, ' ')).toContain('details cut to 3 lines in 1 of 2 rows (--wide shows every column and value whole)');
      } else {
        expect(details.slice(0, -1).join(' ')).toBe(long);
        expect(printed).not.toContain('cut to');
      }
    }
  });

  it('no rows: nothing at all (the command says why)', async () => {
    const { out, text } = screen(80);
    expect(wrappedTable(out, columns, plain).end()).toBe(0);
    expect(await text()).toBe('');
  });

  it('cells are made terminal-safe, and a row colour paints the text, not the borders', async () => {
    const colored = new Chalk({ level: 1 });
    const { out, text } = screen(200);
    const table = wrappedTable(out, [{ header: 'a' }, { header: 'b' }], colored);
    table.row(['evil\u001b[2J', { text: ['two', 'lines'], paint: colored.yellow }], colored.red);
    table.end();
    const printed = await text();
    expect(printed).toContain('evil\\x1b[2J');
    expect(printed).toContain(`${colored.red('evil\\x1b[2J')}`);
    expect(printed).toContain(colored.yellow('lines'));
    expect(printed).not.toContain('\u001b[2J');
  });
});

describe('wrappedTable with no screen (a pipe, --wide)', () => {
  it('every column, and a value wider than its column wraps whole instead of being cut', async () => {
    for (const { out, text } of [screen(undefined), screen(40, false)]) {
      const table = wrappedTable(out, [{ header: 'event' }, { header: 'agent', drop: 9 }], plain);
      table.row(['Decrypt', 'x'.repeat(100)]);
      table.row(['CreateKey', 'short']);
      table.end();
      const rows = cells(await text());
      expect(rows[0]).toEqual(['event', 'agent']);
      expect(rows.slice(1).map((r) => r[1]).join('')).toBe('x'.repeat(100) + 'short');
      expect(await text()).not.toContain('…');
    }
  });

  it('rows after the first 500 keep the widths of the first ones, wrapping what is wider', async () => {
    const { out, text } = screen(undefined);
    const table = wrappedTable(out, [{ header: 'n' }, { header: 'value' }], plain);
    for (let i = 0; i < 500; i++) table.row([String(i), 'short']);
    table.row(['500', 'a much longer value than any before']);
    table.end();
    const printed = lines(await text());
    const widths = new Set(printed.map(displayWidth));
    expect(widths.size).toBe(1);
    const rows = cells(printed.join('\n'));
    const last = rows.slice(rows.findIndex((r) => r[0] === '500'));
    expect(last.length).toBeGreaterThan(1);
    expect(last.map((r) => r[1]).join('')).toBe('a much longer value than any before'.replace(/ /g, ''));
  });
});

describe('writeFields', () => {
  it('fields three spaces apart; on a narrow screen a field that would overflow starts a line', async () => {
    const fields: Array<[string, string]> = [
      ['files', '55'],
      ['records read', '2,900'],
      ['matched', '2,900'],
      ['duplicates dropped', '0'],
    ];
    const wide = screen(200);
    writeFields(wide.out, fields, plain);
    expect(await wide.text()).toBe('files 55   records read 2,900   matched 2,900   duplicates dropped 0\n');
    const narrow = screen(40);
    writeFields(narrow.out, fields, plain);
    const printed = lines(await narrow.text());
    expect(printed).toEqual(['files 55   records read 2,900', 'matched 2,900   duplicates dropped 0']);
  });

  it('a field wider than the screen on its own wraps under its value, between its pieces first, alone on its lines', async () => {
    const span = ['2021-07-30 01:53:36+02:00 →', '2021-08-02 11:49:03+02:00'];
    const narrow = screen(60);
    writeFields(narrow.out, [['errors', '0'], ['time span', span], ['mutating', '2']], plain);
    expect(lines(await narrow.text())).toEqual(['errors 0', `time span ${span[0]}`, `          ${span[1]}`, 'mutating 2']);
    // Wide enough: one line, as before.
    const wide = screen(80);
    writeFields(wide.out, [['time span', span]], plain);
    expect(lines(await wide.text())).toEqual([`time span ${span.join(' ')}`]);
    // No screen (a pipe): never wrapped.
    const piped = screen(undefined);
    writeFields(piped.out, [['time span', span]], plain);
    expect(lines(await piped.text())).toEqual([`time span ${span.join(' ')}`]);
  });
});
