/**
 * How many terminal columns text takes, so that a table can promise to fit a screen: CJK and emoji
 * take two, combining marks and format characters none. Text reaching here has had its control
 * characters made visible already (terminal-safe.ts), so they are not considered.
 */

// Combining marks, enclosing marks and format characters (zero-width joiner, soft hyphen...).
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u;
const EMOJI = /\p{Emoji_Presentation}/u;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth.txt, W and F), as terminals draw them. */
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f200, 0x1f251],
  [0x20000, 0x3fffd],
];

/** Columns one character (a code point) takes. */
export function charWidth(ch: string): number {
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x7f) return 1;
  if (ZERO_WIDTH.test(ch)) return 0;
  if (EMOJI.test(ch)) return 2;
  for (const [from, to] of WIDE) {
    if (code < from) break;
    if (code <= to) return 2;
  }
  return 1;
}

/** Columns the text takes on a terminal. */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const ch of text) width += charWidth(ch);
  return width;
}

/** The longest start of `text` that takes at most `width` columns. */
export function sliceToWidth(text: string, width: number): string {
  if (PRINTABLE_ASCII.test(text)) return text.slice(0, Math.max(0, width));
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const w = charWidth(ch);
    if (used + w > width) break;
    used += w;
    end += ch.length;
  }
  return text.slice(0, end);
}

/**
 * The text cut to `width` columns with `…` where something was cut: at the end, or at the start
 * for values whose end says most (`…assumed-role/Admin/alice`).
 */
export function cutToWidth(text: string, width: number, at: 'end' | 'start' = 'end'): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  if (at === 'end') return `${sliceToWidth(text, width - 1)}…`;
  const chars = Array.from(text);
  let used = 1;
  let from = chars.length;
  while (from > 0 && used + charWidth(chars[from - 1]) <= width) used += charWidth(chars[--from]);
  return `…${chars.slice(from).join('')}`;
}
