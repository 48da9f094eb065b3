/** Hostile log text on a terminal or in a spreadsheet. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { shortPrincipal } from '../../../src/cloudtrail/principal.js';
import { csvCell, terminalSafe } from '../../../src/sinks/terminal-safe.js';

const ESC = '\u001b';
const BEL = '\u0007';

/** Any character a terminal would act on rather than show. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('terminalSafe', () => {
  it('ESC sequences (SGR colour, OSC title) become \\x1b', () => {
    expect(terminalSafe(`${ESC}[31mred${ESC}[0m`)).toBe('\\x1b[31mred\\x1b[0m');
    expect(terminalSafe(`${ESC}]0;title${BEL}`)).toBe('\\x1b]0;title\\x07');
    expect(terminalSafe(`${ESC}]8;;http://evil${ESC}\\link${ESC}]8;;${ESC}\\`)).toBe(
      '\\x1b]8;;http://evil\\x1b\\link\\x1b]8;;\\x1b\\',
    );
  });

  it.each([
    ['BEL', '\u0007', '\\x07'],
    ['CR', '\r', '\\x0d'],
    ['LF', '\n', '\\x0a'],
    ['backspace', '\b', '\\x08'],
    ['tab', '\t', '\\x09'],
    ['NUL', '\u0000', '\\x00'],
    ['DEL', '\u007f', '\\x7f'],
    ['C1 CSI', '\u009b', '\\x9b'],
    ['C1 NEL', '\u0085', '\\x85'],
    ['C1 OSC', '\u009d', '\\x9d'],
    ['C1 first', '\u0080', '\\x80'],
    ['C1 last', '\u009f', '\\x9f'],
    ['line separator', '\u2028', '\\u2028'],
    ['paragraph separator', '\u2029', '\\u2029'],
    ['LRE', '\u202a', '\\u202a'],
    ['RLO (bidi override)', '\u202e', '\\u202e'],
    ['LRI', '\u2066', '\\u2066'],
    ['PDI', '\u2069', '\\u2069'],
    // Characters that show as nothing: a value holding them would pass for another by eye.
    ['zero-width space', '\u200b', '\\u200b'],
    ['zero-width joiner', '\u200d', '\\u200d'],
    ['right-to-left mark', '\u200f', '\\u200f'],
    ['word joiner', '\u2060', '\\u2060'],
    ['BOM / zero-width no-break space', '\ufeff', '\\ufeff'],
    ['soft hyphen', '\u00ad', '\\xad'],
    ['Hangul filler', '\u3164', '\\u3164'],
    ['Arabic letter mark', '\u061c', '\\u061c'],
  ])('%s', (_name, ch, escaped) => {
    expect(terminalSafe(`a${ch}b`)).toBe(`a${escaped}b`);
  });

  it('a CR-overwrite attack cannot hide text', () => {
    const out = terminalSafe('AccessDenied\rSuccess     ');
    expect(out).toBe('AccessDenied\\x0dSuccess     ');
    expect(out).not.toMatch(RAW_CONTROL);
  });

  it('a bidi override cannot reverse what is shown', () => {
    const out = terminalSafe('user\u202etxt.exe');
    expect(out).toBe('user\\u202etxt.exe');
    expect(out).not.toMatch(RAW_CONTROL);
  });

  it('leaves ordinary text alone: ASCII, accents, CJK, emoji, a literal backslash', () => {
    for (const text of ['aws-cli/2.15.0 Python/3.11', 'José Müller', '日本語', 'key 🔑', 'C:\\path', '']) {
      expect(terminalSafe(text)).toBe(text);
    }
  });

  it('the hostile record of test/fixtures/bad/ansi-injection.json comes out inert', () => {
    const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'bad', 'ansi-injection.json');
    const [record] = (JSON.parse(readFileSync(file, 'utf8')) as { Records: JsonObject[] }).Records;
    const userAgent = String(record.userAgent);
    expect(userAgent).toMatch(RAW_CONTROL); // the fixture really is hostile
    const safeAgent = terminalSafe(userAgent);
    expect(safeAgent).not.toMatch(RAW_CONTROL);
    expect(safeAgent).toBe('aws-cli/2.15.0 \\x1b[31mred\\x1b]0;title\\x07\\x0dover\\x08write');
    const principal = terminalSafe(shortPrincipal(record));
    expect(principal).not.toMatch(RAW_CONTROL);
    expect(principal).toContain('\\x1b[31mred');
  });
});

describe('csvCell', () => {
  it('plain values are left bare', () => {
    expect(csvCell('Decrypt')).toBe('Decrypt');
    expect(csvCell('1234abcd-12ab-34cd-56ef-1234567890ab')).toBe('1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(csvCell('')).toBe('');
  });

  it('quotes commas and doubles quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:78.0) Gecko/20100101 Firefox/78.0')).toBe(
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:78.0) Gecko/20100101 Firefox/78.0',
    );
  });

  it('newlines never reach the file raw: they are escaped, so a record stays on one line', () => {
    for (const value of ['a\nb', 'a\r\nb', 'a\rb']) {
      const cell = csvCell(value);
      expect(cell).not.toMatch(/[\r\n]/);
      expect(cell.startsWith('a\\x0')).toBe(true);
    }
    expect(csvCell('a\nb, c')).toBe('"a\\x0ab, c"');
  });

  it('leading or trailing blanks are kept by quoting', () => {
    expect(csvCell(' padded ')).toBe('" padded "');
  });

  it.each([
    ['=1+2', "'=1+2"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['-2+3+cmd|\' /C calc\'!A0', "'-2+3+cmd|' /C calc'!A0"],
  ])('defuses a leading formula character: %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('defuses and quotes at once', () => {
    expect(csvCell('=HYPERLINK("http://x","click")')).toBe('"\'=HYPERLINK(""http://x"",""click"")"');
  });

  it('formula characters elsewhere than the start are left alone', () => {
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('user@example.com')).toBe('user@example.com');
    expect(csvCell('us-west-2')).toBe('us-west-2');
  });

  it('is terminal-safe too', () => {
    expect(csvCell(`${ESC}[2J=cmd`)).toBe('\\x1b[2J=cmd');
    expect(csvCell(`=${ESC}[31m,x`)).toBe(`"'=\\x1b[31m,x"`);
    expect(csvCell('\u202eevil')).toBe('\\u202eevil');
  });
});
