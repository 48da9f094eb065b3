/**
 * Exact places for JSON syntax errors. V8's JSON.parse names a position for most errors but not
 * all (an unexpected token carries none), so a small syntax walk finds the first place where the
 * text stops being JSON. It runs only on text that already failed to parse, and synchronously:
 * the record splitter needs the place of a broken record's first error while it reads on.
 */
import { describeJsonError } from '../util/json-error-text.js';

export interface JsonErrorPlace {
  message: string;
  /** Byte offset of the fault within the slice. */
  byteOffset: number;
  /** Newlines between the slice's start and the fault. */
  lineDelta: number;
  /** 1-based column on the fault's line, in characters. */
  column: number;
}

/** The place of a JSON.parse failure in `text`. */
export function locateJsonError(text: string, parseError: unknown): JsonErrorPlace {
  const message = describeJsonError(parseError);
  const v8 = /at position (\d+)/.exec(parseError instanceof Error ? parseError.message : '');
  if (v8) {
    // A bad escape is placed at its backslash, where the bad token begins (V8 names a later byte).
    let at = Number(v8[1]);
    if (/^Bad (escaped character|Unicode escape)/.test(message)) at = Math.max(0, text.lastIndexOf('\\', at));
    return placeAt(text, at, message);
  }
  const first = firstSyntaxError(text);
  return placeAt(text, first?.offset ?? text.length, message || first?.message || 'invalid JSON');
}

/**
 * Where `text` stops being the start of one JSON value, in characters, and why; undefined when
 * every character so far fits.
 */
export function firstSyntaxError(text: string): { offset: number; message: string } | undefined {
  const n = text.length;
  /** Open containers: true for an object. */
  const open: boolean[] = [];
  let i = 0;
  const bad = (what: string) => ({ offset: i, message: `${what}, found ${i < n ? describeChar(text.charCodeAt(i)) : 'the end'}` });
  const skipSpace = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
  };
  /** Scans a string from its opening quote; false on a fault (at `i`). */
  const string = (): boolean => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        // A bad escape is placed at its backslash.
        const backslash = i;
        i++;
        if (i >= n) return true;
        const e = text.charCodeAt(i);
        if (e === 0x75) {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= n) return true;
            if (!/[0-9a-fA-F]/.test(text[i])) {
              i = backslash;
              return false;
            }
          }
        } else if (!'"\\/bfnrt'.includes(text[i])) {
          i = backslash;
          return false;
        }
      }
      i++;
    }
    return true;
  };
  /** Scans a number; false on a fault (at `i`). */
  const number = (): boolean => {
    if (text[i] === '-') i++;
    if (i >= n) return true;
    if (text[i] === '0') i++;
    else if (/[1-9]/.test(text[i])) while (i < n && /[0-9]/.test(text[i])) i++;
    else return false;
    if (text[i] === '.') {
      i++;
      if (i < n && !/[0-9]/.test(text[i])) return false;
      while (i < n && /[0-9]/.test(text[i])) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (i < n && !/[0-9]/.test(text[i])) return false;
      while (i < n && /[0-9]/.test(text[i])) i++;
    }
    return true;
  };
  /**
   * What the text holds next: a value, a property name, or what follows a value (`,` or a closing
   * bracket). A loop over this, not recursion, so that a record nested deeper than the call stack
   * (hostile, or cut inside its nesting) is placed like any other.
   */
  let next: 'value' | 'key' | 'after' = 'value';
  /** A value starts at `i`: scalars are read whole, containers opened. */
  const value = (): { offset: number; message: string } | undefined => {
    const c = text[i];
    if (c === '{' || c === '[') {
      open.push(c === '{');
      i++;
      skipSpace();
      if (i < n && text[i] === (c === '{' ? '}' : ']')) {
        open.pop();
        i++;
        next = 'after';
      } else next = c === '{' ? 'key' : 'value';
      return undefined;
    }
    next = 'after';
    if (c === '"') return string() ? undefined : bad('invalid character in a string');
    if (c === '-' || (c >= '0' && c <= '9')) return number() ? undefined : bad('malformed number');
    for (const word of ['true', 'false', 'null']) {
      if (c !== word[0]) continue;
      // A misspelt literal is placed at its start, where the bad token begins.
      const start = i;
      for (let k = 0; k < word.length; k++, i++) {
        if (i >= n) return undefined;
        if (text[i] !== word[k]) {
          i = start;
          return bad(`expected '${word}'`);
        }
      }
      return undefined;
    }
    return bad('expected a value');
  };
  /** A property name and its colon. */
  const key = (): { offset: number; message: string } | undefined => {
    if (text[i] !== '"') return bad('expected a property name');
    if (!string()) return bad('invalid character in a string');
    skipSpace();
    if (i >= n) return undefined;
    if (text[i] !== ':') return bad("expected ':' after a property name");
    i++;
    next = 'value';
    return undefined;
  };
  /** A comma or the closing bracket after a value. */
  const after = (): { offset: number; message: string } | undefined => {
    if (open.length === 0) return bad('unexpected text after the value');
    const inObject = open[open.length - 1];
    const c = text[i];
    if (c === ',') {
      i++;
      next = inObject ? 'key' : 'value';
    } else if (c === (inObject ? '}' : ']')) {
      open.pop();
      i++;
    } else return bad(inObject ? "expected ',' or '}' after a property value" : "expected ',' or ']' after an array element");
    return undefined;
  };

  for (;;) {
    skipSpace();
    if (i >= n) return undefined;
    const fault = next === 'value' ? value() : next === 'key' ? key() : after();
    if (fault) return fault;
  }
}

function describeChar(c: number): string {
  if (c < 0x20 || c === 0x7f) return `byte 0x${c.toString(16).padStart(2, '0').toUpperCase()}`;
  return `'${String.fromCharCode(c)}'`;
}

function placeAt(text: string, charOffset: number, message: string): JsonErrorPlace {
  const before = text.slice(0, charOffset);
  const lastNewline = before.lastIndexOf('\n');
  let lineDelta = 0;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) lineDelta++;
  return {
    message: message || 'invalid JSON',
    byteOffset: Buffer.byteLength(before),
    lineDelta,
    column: charOffset - lastNewline,
  };
}
