/**
 * Log values are attacker-controlled (user agents, role session names, ...). Before they reach a
 * terminal or a spreadsheet, control characters, escape sequences and bidirectional overrides are
 * shown as visible escapes, and csv cells that a spreadsheet would run as formulas are defused.
 */

// C0 controls, DEL, C1 controls, line/paragraph separators, bidi embeddings/overrides/isolates;
// and characters that show as nothing (soft hyphen, zero-width spaces and joiners, bidi marks, word
// joiner, invisible operators, Hangul fillers, BOM...): `alias/\u200bprod` must not pass for
// `alias/prod` in a table an analyst compares by eye.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]/g;

function escapeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with every unsafe character replaced by a visible `\xHH` / `\uHHHH` escape. */
export function terminalSafe(value: string): string {
  return value.replace(UNSAFE, escapeChar);
}

/** A csv cell: terminal-safe, formula-safe (a leading = + - @ gets a `'`), RFC 4180 quoted. */
export function csvCell(value: string): string {
  let cell = terminalSafe(value);
  if (/^[=+\-@]/.test(cell)) cell = `'${cell}`;
  if (/[",\n\r]/.test(cell) || cell !== cell.trim()) cell = `"${cell.replace(/"/g, '""')}"`;
  return cell;
}
