/**
 * Sigma string values: wildcards `*` and `?`, backslash escapes, the value-changing modifiers
 * (base64, base64offset, utf16*, windash) and the position modifiers (contains, startswith,
 * endswith), and their compilation into one matcher per field test.
 *
 * Escaping follows the specification (and pySigma): `\*`, `\?` and `\\` stand for the plain
 * character; a backslash before anything else is itself a plain backslash, so `C:\Windows` needs
 * no doubling.
 *
 * Case: unless `cased`, both sides are compared after String.prototype.toLowerCase (locale-free
 * Unicode lower-casing). That is the definition, not an approximation: a value whose lower case is
 * longer (U+0130 İ becomes i + combining dot) is compared in that longer form.
 */

export const STAR = 0;
export const ONE = 1;
/** A literal run of characters, or a wildcard. */
export type Part = string | typeof STAR | typeof ONE;
export type Pattern = Part[];

export class SigmaValueError extends Error {}

/** Reads a Sigma string into literal runs and wildcards. */
export function parseSigmaString(text: string): Pattern {
  const parts: Pattern = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') parts.push(literal);
    literal = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        literal += next;
        i++;
      } else {
        literal += '\\';
      }
    } else if (c === '*') {
      flush();
      if (parts[parts.length - 1] !== STAR) parts.push(STAR);
    } else if (c === '?') {
      flush();
      parts.push(ONE);
    } else {
      literal += c;
    }
  }
  flush();
  return parts;
}

/** A pattern that is one literal (or empty): the literal, else undefined. */
export function literalOf(pattern: Pattern): string | undefined {
  if (pattern.length === 0) return '';
  return pattern.length === 1 && typeof pattern[0] === 'string' ? pattern[0] : undefined;
}

export const literalPattern = (text: string): Pattern => (text === '' ? [] : [text]);

export function withStars(pattern: Pattern, before: boolean, after: boolean): Pattern {
  const out = [...pattern];
  if (before && out[0] !== STAR) out.unshift(STAR);
  if (after && out[out.length - 1] !== STAR) out.push(STAR);
  return out;
}

/** What a value is between modifiers: text with wildcards, or bytes (after utf16*). */
export type ValueForm = { pattern: Pattern } | { bytes: Buffer };

function plainText(form: ValueForm, modifier: string): string | Buffer {
  if ('bytes' in form) return form.bytes;
  const text = literalOf(form.pattern);
  if (text === undefined) throw new SigmaValueError(`${modifier} cannot encode a value with wildcards`);
  return text;
}

export function encodeUtf16(form: ValueForm, modifier: 'utf16le' | 'utf16be' | 'utf16' | 'wide'): ValueForm {
  const text = plainText(form, modifier);
  if (typeof text !== 'string') throw new SigmaValueError(`${modifier} after another encoding`);
  const le = Buffer.from(text, 'utf16le');
  if (modifier === 'utf16le' || modifier === 'wide') return { bytes: le };
  const be = Buffer.from(le);
  be.swap16();
  // utf16 = little-endian with its byte order mark, as pySigma writes it.
  return { bytes: modifier === 'utf16be' ? be : Buffer.concat([Buffer.from([0xff, 0xfe]), le]) };
}

export function encodeBase64(form: ValueForm): ValueForm {
  const value = plainText(form, 'base64');
  return { pattern: literalPattern(Buffer.from(value).toString('base64')) };
}

/**
 * The three encodings a value takes inside a longer base64 text, one per byte offset, cut to the
 * characters that do not depend on its neighbours (pySigma's algorithm).
 */
export function encodeBase64Offsets(form: ValueForm): ValueForm[] {
  const value = Buffer.from(plainText(form, 'base64offset'));
  const start = [0, 2, 3];
  const end = [0, -3, -2];
  const out: ValueForm[] = [];
  for (let i = 0; i < 3; i++) {
    const encoded = Buffer.concat([Buffer.alloc(i, 0x20), value]).toString('base64');
    const cut = end[(value.length + i) % 3];
    out.push({ pattern: literalPattern(encoded.slice(start[i], cut === 0 ? undefined : cut)) });
  }
  return out;
}

const WINDASH_CHARACTERS = ['-', '/', '\u2013', '\u2014', '\u2015'];
/** A dash or slash that starts a command-line flag: after a non-word character, before a word character. */
const FLAG_DASH = /\B[-/]\b/g;
const MAX_WINDASH_VARIANTS = 3125;

/**
 * windash: every flag dash (`-` or `/` where a flag starts, as pySigma finds them) may be written
 * as any of `-`, `/`, en dash, em dash or horizontal bar; all combinations are tried.
 */
export function windashVariants(form: ValueForm): ValueForm[] {
  if ('bytes' in form) throw new SigmaValueError('windash after an encoding');
  let variants: Pattern[] = [[]];
  for (const part of form.pattern) {
    if (typeof part !== 'string') {
      variants = variants.map((v) => [...v, part]);
      continue;
    }
    const pieces = part.split(FLAG_DASH);
    let texts = [pieces[0]];
    for (let k = 1; k < pieces.length; k++) {
      texts = texts.flatMap((t) => WINDASH_CHARACTERS.map((dash) => t + dash + pieces[k]));
    }
    if (texts.length * variants.length > MAX_WINDASH_VARIANTS) {
      throw new SigmaValueError(`windash would make more than ${MAX_WINDASH_VARIANTS} variants`);
    }
    variants = variants.flatMap((v) => texts.map((t) => (t === '' ? v : [...v, t])));
  }
  return variants.map((pattern) => ({ pattern }));
}

const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

function patternRegex(pattern: Pattern): RegExp {
  let source = '^';
  for (const part of pattern) {
    if (part === STAR) source += '.*';
    else if (part === ONE) source += '.';
    else source += part.replace(REGEX_SYNTAX, '\\$&');
  }
  // u: `?` is one character (code point), not half of a surrogate pair; s: `*` crosses newlines.
  return new RegExp(source + '$', 'su');
}

/** One pattern as a test on text already in the compared case. */
function patternTest(pattern: Pattern): (text: string) => boolean {
  const literal = literalOf(pattern);
  if (literal !== undefined) return (t) => t === literal;
  const n = pattern.length;
  if (n === 1 && pattern[0] === STAR) return () => true;
  if (n === 2 && pattern[0] === STAR && typeof pattern[1] === 'string') {
    const tail = pattern[1];
    return (t) => t.endsWith(tail);
  }
  if (n === 2 && pattern[1] === STAR && typeof pattern[0] === 'string') {
    const head = pattern[0];
    return (t) => t.startsWith(head);
  }
  if (n === 3 && pattern[0] === STAR && pattern[2] === STAR && typeof pattern[1] === 'string') {
    const inner = pattern[1];
    return (t) => t.includes(inner);
  }
  const re = patternRegex(pattern);
  return (t) => re.test(t);
}

const lower = (pattern: Pattern): Pattern => pattern.map((p) => (typeof p === 'string' ? p.toLowerCase() : p));

/**
 * A test of one text against any of the patterns. Exact literals go into one Set; the rest are
 * tried in turn. Lower-casing happens once per text, not once per pattern.
 */
export function compilePatterns(patterns: readonly Pattern[], cased: boolean): (text: string) => boolean {
  const exact = new Set<string>();
  const others: Array<(t: string) => boolean> = [];
  for (const raw of patterns) {
    const pattern = cased ? raw : lower(raw);
    const literal = literalOf(pattern);
    if (literal !== undefined) exact.add(literal);
    else others.push(patternTest(pattern));
  }
  const fold = cased ? (t: string) => t : (t: string) => t.toLowerCase();
  if (others.length === 0) {
    if (exact.size === 1) {
      const only = [...exact][0];
      return (t) => fold(t) === only;
    }
    return (t) => exact.has(fold(t));
  }
  if (exact.size === 0 && others.length === 1) {
    const only = others[0];
    return (t) => only(fold(t));
  }
  return (t) => {
    const f = fold(t);
    if (exact.has(f)) return true;
    for (const test of others) if (test(f)) return true;
    return false;
  };
}

/** The lower-cased literals when every pattern is one (for the hot-field index), else undefined. */
export function exactLiterals(patterns: readonly Pattern[]): string[] | undefined {
  const out: string[] = [];
  for (const p of patterns) {
    const literal = literalOf(p);
    if (literal === undefined) return undefined;
    out.push(literal.toLowerCase());
  }
  return out;
}
