/**
 * One entry of a Sigma selection, `field|modifier|...: value(s)`, compiled into a test on a
 * parsed record. Values of a list are alternatives (OR) unless `all` (AND).
 *
 * Decisions where the specification leaves the meaning open on JSON records:
 * - Numbers and booleans in a rule are compared as text (`EventID: 4624` matches 4624 and "4624";
 *   `publiclyAccessible: 'true'` matches the JSON boolean true).
 * - `''` matches an empty string only; `null` matches an absent or null field (see field-path.ts).
 * - `neq`: the field has a scalar value and none of its values matches any of the listed values.
 * - `re`: a search anywhere in the text (not anchored), JavaScript syntax, case-sensitive unless
 *   `|i` or a leading `(?i)`; `(?s)` and `(?m)` at the start become the s and m flags.
 * - `lt` `lte` `gt` `gte`: on numbers, and on strings that are a decimal number; nothing else.
 * - `cidr`: IPv4 blocks match IPv4 addresses, IPv6 blocks IPv6 addresses; anything that is not an
 *   address (`AWS Internal`) never matches.
 * - `fieldref`: some value of the field equals (or, with contains / startswith / endswith,
 *   holds) some value of the referenced field, case-insensitively unless `cased`.
 * - `base64`, `base64offset`: the value's UTF-8 bytes (or UTF-16 ones after `utf16*`/`wide`),
 *   encoded; matched case-insensitively like everything else unless `cased`. `utf16*` without a
 *   following base64 modifier is refused: JSON text holds characters, not UTF-16 bytes.
 * - `minute` `hour` `day` `week` `month` `year`: the UTC part of a CloudTrail time (ISO week),
 *   compared as a number (equal, or with lt/lte/gt/gte).
 * - `expand` placeholders are refused: the specification says a tool that cannot fill them must
 *   reject the rule.
 * - `all` on a single value is accepted (AND of one value).
 */
import { parseEventTime } from '../../cloudtrail/event-time.js';
import type { JsonObject } from '../../cloudtrail/record.js';
import { compileAddressPatterns } from '../../filters/source-ip.js';
import { fieldPath, someLeaf, type FieldPath, type TextTest } from './field-path.js';
import { HOT_FIELDS, type HotConstraint, type HotField } from './hot-constraint.js';
import {
  SigmaValueError,
  compilePatterns,
  encodeBase64,
  encodeBase64Offsets,
  encodeUtf16,
  exactLiterals,
  literalPattern,
  parseSigmaString,
  windashVariants,
  withStars,
  type Pattern,
  type ValueForm,
} from './sigma-string.js';

export type RecordTest = (record: JsonObject) => boolean;

export interface CompiledTest {
  test: RecordTest;
  /** When the test is on a hot field: what it needs of that field's value. */
  hot?: { field: HotField; constraint: HotConstraint };
}

export class SigmaRuleError extends Error {}

const KNOWN_MODIFIERS = new Set([
  'contains', 'startswith', 'endswith', 'all', 're', 'i', 'm', 's', 'cidr', 'exists', 'base64', 'base64offset',
  'windash', 'fieldref', 'lt', 'lte', 'gt', 'gte', 'cased', 'utf16le', 'utf16be', 'utf16', 'wide', 'neq', 'expand',
  'minute', 'hour', 'day', 'week', 'month', 'year',
]);
const POSITION = ['contains', 'startswith', 'endswith'];
const COMPARISON = ['lt', 'lte', 'gt', 'gte'] as const;
const TIME_PARTS = ['minute', 'hour', 'day', 'week', 'month', 'year'] as const;
const ENCODINGS = ['base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide', 'windash'];

const NUMBER_TEXT = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
export const numericValue = (text: string): number | undefined => (NUMBER_TEXT.test(text) ? Number(text) : undefined);

/** `a|b|c` into the field and its modifiers, checked against the known set. */
export function splitFieldKey(key: string): { field: string; modifiers: string[] } {
  const [field, ...modifiers] = key.split('|');
  for (const m of modifiers) {
    if (!KNOWN_MODIFIERS.has(m)) throw new SigmaRuleError(`unknown modifier '${m}' in '${key}'`);
  }
  if (new Set(modifiers).size !== modifiers.length) throw new SigmaRuleError(`a modifier repeats in '${key}'`);
  return { field: field.trim(), modifiers };
}

const valueList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a map' : typeof value;
}

function scalarText(value: unknown, key: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new SigmaRuleError(`'${key}': a value is ${describe(value)}, not a string or number`);
}

/** Joins per-value tests: OR, or AND with `all`. */
function combine(tests: RecordTest[], all: boolean): RecordTest {
  if (tests.length === 1) return tests[0];
  return all ? (r) => tests.every((t) => t(r)) : (r) => tests.some((t) => t(r));
}

/** How a field's text is reached: one field, or (keywords) every scalar of the record. */
interface Target {
  some(record: JsonObject, test: TextTest): boolean;
  path?: FieldPath;
}

const wholeRecord: Target = { some: (record, test) => someLeaf(record, test) };

/**
 * The longest run of plain characters every match of `source` must contain, or undefined when it
 * cannot tell (alternation, or nothing certain). Rules write searches like `.+:assumed-role/aws:.+`,
 * which V8 runs in time quadratic in the text; a substring check first rejects nearly all texts.
 */
export function requiredLiteral(source: string): string | undefined {
  let best = '';
  let run = '';
  const end = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    let literal: string | undefined;
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined) return undefined;
      i++;
      // Escaped punctuation is itself; \d, \w, \b and friends are classes or assertions, and
      // \x41, \u0041, \cJ, \k<name>, \p{L} and \1 take what follows them.
      if (/[^A-Za-z0-9]/.test(next)) literal = next;
      else i = pastEscape(source, i);
    } else if (c === '|') {
      if (depth === 0) return undefined;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === '[') {
      // Skip the class: it stands for one unknown character.
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
    } else if (c === '{') {
      // A counted repetition: its digits are not text.
      while (i < source.length && source[i] !== '}') i++;
    } else if (!'.^$*+?}'.includes(c)) {
      literal = c;
    }
    const quantifier = source[i + 1];
    if (literal !== undefined && depth === 0 && quantifier !== '?' && quantifier !== '*' && quantifier !== '{') {
      run += literal;
      // A `+` repeats it: it is there, but what follows need not be next to it.
      if (quantifier === '+') end();
    } else {
      end();
    }
  }
  end();
  return best.length >= 3 ? best : undefined;
}

/** The index of the last character of the escape whose letter or digit is at `i` (after its backslash). */
function pastEscape(source: string, i: number): number {
  const next = source[i];
  const upTo = (close: string) => {
    const end = source.indexOf(close, i + 1);
    return end < 0 ? source.length - 1 : end;
  };
  const hex = (most: number) => {
    let k = i;
    while (k - i < most && /[0-9A-Fa-f]/.test(source[k + 1] ?? '')) k++;
    return k;
  };
  if (next === 'x') return hex(2);
  if (next === 'u') return source[i + 1] === '{' ? upTo('}') : hex(4);
  if (next === 'c') return i + 1;
  if (next === 'k' && source[i + 1] === '<') return upTo('>');
  if ((next === 'p' || next === 'P') && source[i + 1] === '{') return upTo('}');
  if (/[0-9]/.test(next)) {
    let k = i;
    while (/[0-9]/.test(source[k + 1] ?? '')) k++;
    return k;
  }
  return i;
}

function regexFor(source: string, modifiers: readonly string[], key: string): RegExp {
  let flags = '';
  let body = source;
  const inline = /^\(\?([ims]+)\)/.exec(body);
  if (inline) {
    body = body.slice(inline[0].length);
    for (const f of inline[1]) if (!flags.includes(f)) flags += f;
  }
  for (const f of ['i', 'm', 's']) if (modifiers.includes(f) && !flags.includes(f)) flags += f;
  try {
    return new RegExp(body, flags);
  } catch (error) {
    throw new SigmaRuleError(`'${key}': regular expression '${source}' does not compile (${(error as Error).message})`);
  }
}

function timePart(ms: number, part: (typeof TIME_PARTS)[number]): number {
  const d = new Date(ms);
  switch (part) {
    case 'minute':
      return d.getUTCMinutes();
    case 'hour':
      return d.getUTCHours();
    case 'day':
      return d.getUTCDate();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'year':
      return d.getUTCFullYear();
    case 'week': {
      // ISO 8601 week: the week with the year's first Thursday is week 1.
      const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      const weekday = day.getUTCDay() || 7;
      day.setUTCDate(day.getUTCDate() + 4 - weekday);
      const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
      return Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
    }
  }
}

/** Compiles one selection entry. `field` may be empty: a keyword entry (`'|all': [...]`). */
export function compileFieldTest(key: string, value: unknown): CompiledTest {
  const { field, modifiers } = splitFieldKey(key);
  const has = (m: string) => modifiers.includes(m);
  const values = valueList(value);
  const all = has('all');
  const cased = has('cased');
  const keyword = field === '';
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    throw new SigmaRuleError(`'${key}': the value is a map; a field takes a value or a list of values`);
  }
  if (values.length === 0) throw new SigmaRuleError(`'${key}': an empty list of values`);
  if (has('expand')) throw new SigmaRuleError(`'${key}': placeholders (expand) are not supported`);
  for (const sub of ['i', 'm', 's']) {
    if (has(sub) && !has('re')) throw new SigmaRuleError(`'${key}': '${sub}' only goes with 're'`);
  }
  if (modifiers.filter((m) => POSITION.includes(m)).length > 1) {
    throw new SigmaRuleError(`'${key}': contains, startswith and endswith exclude each other`);
  }
  const path = keyword ? undefined : fieldPath(field);
  const target: Target = path ? { some: path.some, path } : wholeRecord;
  const only = (allowed: string[], what: string) => {
    const extra = modifiers.filter((m) => !allowed.includes(m));
    if (extra.length > 0) throw new SigmaRuleError(`'${key}': '${extra[0]}' does not go with '${what}'`);
  };
  const hot = (test: RecordTest, index?: Set<string>): CompiledTest => {
    if (!path || !(HOT_FIELDS as readonly string[]).includes(field)) return { test };
    const f = field as HotField;
    return { test, hot: { field: f, constraint: { index, test: (v) => test({ [f]: v }) } } };
  };

  // --- exists
  if (has('exists')) {
    only(['exists'], 'exists');
    if (!path) throw new SigmaRuleError(`'${key}': exists needs a field`);
    if (values.length !== 1 || typeof values[0] !== 'boolean') throw new SigmaRuleError(`'${key}': exists takes true or false`);
    const wanted = values[0];
    return hot((r) => path.present(r) === wanted, wanted ? undefined : new Set());
  }

  // --- re
  if (has('re')) {
    only(['re', 'i', 'm', 's', 'all', 'cased'], 're');
    const tests = values.map((v) => {
      if (typeof v !== 'string') throw new SigmaRuleError(`'${key}': a regular expression is ${describe(v)}`);
      const re = regexFor(v, modifiers, key);
      const needed = re.flags.includes('i') ? undefined : requiredLiteral(re.source);
      const textTest = needed ? (t: string) => t.includes(needed) && re.test(t) : (t: string) => re.test(t);
      return (r: JsonObject) => target.some(r, textTest);
    });
    return hot(combine(tests, all));
  }

  // --- cidr
  if (has('cidr')) {
    only(['cidr', 'all'], 'cidr');
    if (!path) throw new SigmaRuleError(`'${key}': cidr needs a field`);
    const tests = values.map((v) => {
      const matcher = compileAddressPatterns([scalarText(v, key)]);
      if (typeof matcher !== 'function') throw new SigmaRuleError(`'${key}': '${matcher.invalid}' is not a CIDR block or address`);
      return (r: JsonObject) => target.some(r, matcher);
    });
    return hot(combine(tests, all));
  }

  // --- numbers: lt/lte/gt/gte, possibly on a part of a time
  const comparison = COMPARISON.filter((m) => has(m));
  const timeParts = TIME_PARTS.filter((m) => has(m));
  if (comparison.length > 0 || timeParts.length > 0) {
    if (comparison.length > 1) throw new SigmaRuleError(`'${key}': only one of lt, lte, gt, gte`);
    if (timeParts.length > 1) throw new SigmaRuleError(`'${key}': only one time part`);
    only([...comparison, ...timeParts, 'all'], comparison[0] ?? timeParts[0]);
    if (!path) throw new SigmaRuleError(`'${key}': ${comparison[0] ?? timeParts[0]} needs a field`);
    const part = timeParts[0];
    const read: (t: string) => number | undefined = part
      ? (t) => {
          const ms = parseEventTime(t);
          return ms === undefined ? undefined : timePart(ms, part);
        }
      : numericValue;
    const tests = values.map((v) => {
      const limit = typeof v === 'number' ? v : typeof v === 'string' ? numericValue(v) : undefined;
      if (limit === undefined) throw new SigmaRuleError(`'${key}': '${String(v)}' is not a number`);
      const op = comparison[0];
      const ok =
        op === 'lt' ? (n: number) => n < limit : op === 'lte' ? (n: number) => n <= limit : op === 'gt' ? (n: number) => n > limit
        : op === 'gte' ? (n: number) => n >= limit : (n: number) => n === limit;
      const textTest = (t: string) => {
        const n = read(t);
        return n !== undefined && ok(n);
      };
      return (r: JsonObject) => target.some(r, textTest);
    });
    return hot(combine(tests, all));
  }

  // --- fieldref
  if (has('fieldref')) {
    only(['fieldref', 'contains', 'startswith', 'endswith', 'cased', 'all', 'neq'], 'fieldref');
    if (!path) throw new SigmaRuleError(`'${key}': fieldref needs a field`);
    const how = POSITION.find((m) => has(m));
    const fold = cased ? (t: string) => t : (t: string) => t.toLowerCase();
    const relation =
      how === 'contains' ? (a: string, b: string) => a.includes(b) : how === 'startswith' ? (a: string, b: string) => a.startsWith(b)
      : how === 'endswith' ? (a: string, b: string) => a.endsWith(b) : (a: string, b: string) => a === b;
    const tests = values.map((v) => {
      if (typeof v !== 'string' || v === '') throw new SigmaRuleError(`'${key}': fieldref takes a field name`);
      const other = fieldPath(v);
      return (r: JsonObject) => {
        const theirs: string[] = [];
        other.some(r, (t) => {
          theirs.push(fold(t));
          return false;
        });
        if (theirs.length === 0) return false;
        return path.some(r, (t) => {
          const mine = fold(t);
          return theirs.some((b) => relation(mine, b));
        });
      };
    });
    const matches = combine(tests, all);
    if (!has('neq')) return { test: matches };
    return { test: (r) => path.some(r, () => true) && !matches(r) };
  }

  // --- strings with wildcards, and what the encodings make of them
  only(['contains', 'startswith', 'endswith', 'all', 'cased', 'neq', ...ENCODINGS], 'a plain value');
  const encodes = modifiers.some((m) => m.startsWith('base64'));
  if (modifiers.some((m) => m.startsWith('utf16') || m === 'wide') && !encodes) {
    throw new SigmaRuleError(`'${key}': utf16 encodings only make sense before base64 or base64offset on JSON text`);
  }
  if (all && has('neq')) throw new SigmaRuleError(`'${key}': neq does not go with all`);
  // base64offset's three encodings each drop the text's edges, which are never whole in them: only
  // a search inside the field can find them (the Sigma specification pairs it with contains).
  if (has('base64offset') && !has('contains')) throw new SigmaRuleError(`'${key}': base64offset needs contains (base64offset|contains)`);
  const perValue: Array<Pattern[] | null> = values.map((v) => {
    if (v === null) {
      if (modifiers.some((m) => m !== 'all' && m !== 'cased')) throw new SigmaRuleError(`'${key}': null takes no modifiers`);
      return null;
    }
    let forms: ValueForm[] = [{ pattern: typeof v === 'string' ? parseSigmaString(v) : literalPattern(scalarText(v, key)) }];
    try {
      for (const m of modifiers) {
        if (m === 'contains') forms = forms.map((f) => ('pattern' in f ? { pattern: withStars(f.pattern, true, true) } : f));
        else if (m === 'startswith') forms = forms.map((f) => ('pattern' in f ? { pattern: withStars(f.pattern, false, true) } : f));
        else if (m === 'endswith') forms = forms.map((f) => ('pattern' in f ? { pattern: withStars(f.pattern, true, false) } : f));
        else if (m === 'base64') forms = forms.map(encodeBase64);
        else if (m === 'base64offset') forms = forms.flatMap(encodeBase64Offsets);
        else if (m === 'windash') forms = forms.flatMap(windashVariants);
        else if (m === 'utf16le' || m === 'utf16be' || m === 'utf16' || m === 'wide') forms = forms.map((f) => encodeUtf16(f, m));
      }
    } catch (error) {
      if (error instanceof SigmaValueError) throw new SigmaRuleError(`'${key}': ${error.message}`);
      throw error;
    }
    // contains/startswith/endswith before an encoding would have thrown; after it they apply to the encoded text.
    return forms.map((f) => {
      if (!('pattern' in f)) throw new SigmaRuleError(`'${key}': an encoded value must end in base64`);
      return f.pattern;
    });
  });
  // Keywords are found anywhere in a value unless a position modifier says otherwise.
  const implicitContains = keyword && !POSITION.some((m) => has(m));
  const fixed = perValue.map((alts) => (alts && implicitContains ? alts.map((p) => withStars(p, true, true)) : alts));

  const nullTest: RecordTest = path ? path.isNull : () => false;
  const patternTest = (patterns: Pattern[]): RecordTest => {
    const textTest = compilePatterns(patterns, cased);
    return (r) => target.some(r, textTest);
  };
  let test: RecordTest;
  let index: Set<string> | undefined;
  if (!all) {
    // One matcher for every pattern of every value: lower-cased once per scalar.
    const patterns = fixed.filter((a): a is Pattern[] => a !== null).flat();
    const tests: RecordTest[] = [];
    if (patterns.length > 0) tests.push(patternTest(patterns));
    if (fixed.includes(null)) tests.push(nullTest);
    test = tests.length === 0 ? () => false : combine(tests, false);
    const literals = exactLiterals(patterns);
    if (literals) index = new Set(literals);
  } else {
    test = combine(fixed.map((alts) => (alts === null ? nullTest : patternTest(alts))), true);
    if (fixed.every((a) => a !== null)) {
      const sets = fixed.map((alts) => exactLiterals(alts!));
      if (sets.every((s) => s !== undefined)) {
        index = new Set(sets[0]!.filter((v) => sets.every((s) => s!.includes(v))));
      }
    } else {
      index = new Set();
    }
  }
  if (has('neq')) {
    const matches = test;
    const hasValue: TextTest = () => true;
    return hot((r) => target.some(r, hasValue) && !matches(r));
  }
  return hot(test, index);
}
