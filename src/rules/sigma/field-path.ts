/**
 * Sigma field names on a JSON record. What a field name reaches:
 *
 * - `a.b.c` walks nested objects. Through an array it goes into every element
 *   (`requestParameters.containerDefinitions.command` reaches the commands of every container).
 *   A key that itself holds dots is found too: at each level every dotted prefix of the rest of
 *   the name is tried as one key (`{"a.b": {"c": 1}}` answers `a.b.c`), and all that are found count.
 * - What the name reaches are its *terminal values*; an array there stands for its elements.
 * - A test compares text against the *scalar leaves* of the terminal values: strings as they
 *   are, numbers as JavaScript writes them, booleans as `true` / `false`; an object or array
 *   stands for every scalar inside it, however deep (so `requestParameters|contains: Suspended`
 *   looks at every value in requestParameters, never at key names). JSON null is no text.
 * - `field: null` holds when the field has no value other than null (absent, null, or an empty
 *   array). `field|exists: true` holds when the name reaches anything at all, null included (as
 *   the specification says: presence, not value).
 */
import { isObject, type JsonObject } from '../../cloudtrail/record.js';

export type TextTest = (text: string) => boolean;

/**
 * Levels walked by recursion; deeper, an explicit stack. A record nested thousands deep (valid
 * JSON, but hostile or broken) would overflow the call stack, and the recursion is the hot path.
 */
const RECURSION_DEPTH = 200;

/** Whether some scalar leaf of `value` passes `test`. */
export function someLeaf(value: unknown, test: TextTest, depth = 0): boolean {
  switch (typeof value) {
    case 'string':
      return test(value);
    case 'number':
      return test(String(value));
    case 'boolean':
      return test(value ? 'true' : 'false');
    case 'object':
      if (value === null) return false;
      if (depth >= RECURSION_DEPTH) return someDeepLeaf(value, test);
      if (Array.isArray(value)) {
        for (const item of value) if (someLeaf(item, test, depth + 1)) return true;
        return false;
      }
      for (const key in value as JsonObject) if (someLeaf((value as JsonObject)[key], test, depth + 1)) return true;
      return false;
    default:
      return false;
  }
}

/** someLeaf past RECURSION_DEPTH: the same leaves in the same (document) order, off a stack. */
function someDeepLeaf(value: object, test: TextTest): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') {
      if (someLeaf(v, test)) return true;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    } else {
      const values: unknown[] = [];
      for (const key in v as JsonObject) values.push((v as JsonObject)[key]);
      for (let i = values.length - 1; i >= 0; i--) stack.push(values[i]);
    }
  }
  return false;
}

/** Every scalar leaf of `value` as text, in document order. */
export function leafTexts(value: unknown, out: string[] = []): string[] {
  someLeaf(value, (t) => {
    out.push(t);
    return false;
  });
  return out;
}

export interface FieldPath {
  readonly name: string;
  /** The terminal values (arrays not yet opened). */
  terminals(record: JsonObject): unknown[];
  /** Whether some scalar leaf of the field passes `test` (the hot path: no allocation). */
  some(record: JsonObject, test: TextTest): boolean;
  /** Whether the name reaches anything (null included). */
  present(record: JsonObject): boolean;
  /** Whether the field has no value other than null. */
  isNull(record: JsonObject): boolean;
}

type FieldOf = (value: JsonObject, key: string) => unknown;

const plainField: FieldOf = (value, key) => value[key];
/**
 * A record's own field. Reading `value[key]` alone finds what every JavaScript object inherits
 * (`constructor`, `toString`, `__proto__`...): a field no record has would then be present. Only
 * paths that name one of those pay for the check (see fieldPath).
 */
const ownField: FieldOf = (value, key) => (Object.hasOwn(value, key) ? value[key] : undefined);

function collect(value: unknown, segments: readonly string[], joined: readonly string[][], at: number, out: unknown[], field: FieldOf): void {
  if (at === segments.length) {
    out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of arrayItems(value)) collect(item, segments, joined, at, out, field);
    return;
  }
  if (!isObject(value)) return;
  const keys = joined[at];
  for (let end = 0; end < keys.length; end++) {
    const next = field(value, keys[end]);
    if (next !== undefined) collect(next, segments, joined, at + 1 + end, out, field);
  }
}

/** The items of an array and of the arrays in it, however deep, in order, without recursion. */
function arrayItems(array: unknown[]): unknown[] {
  const items: unknown[] = [];
  const stack: unknown[] = [array];
  while (stack.length > 0) {
    const v = stack.pop();
    if (!Array.isArray(v)) items.push(v);
    else for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
  }
  return items;
}

function nullOnly(value: unknown): boolean {
  if (value === null) return true;
  return Array.isArray(value) && arrayItems(value).every((item) => item === null);
}

export function fieldPath(name: string): FieldPath {
  const segments = name.split('.');
  // joined[i][k] = segments i..i+k joined with dots: the keys tried at depth i.
  const joined = segments.map((_, i) => segments.slice(i).map((__, k) => segments.slice(i, i + k + 1).join('.')));
  const field = joined.some((keys) => keys.some((key) => key in Object.prototype)) ? ownField : plainField;
  const terminals = (record: JsonObject): unknown[] => {
    const out: unknown[] = [];
    collect(record, segments, joined, 0, out, field);
    return out;
  };
  const isNull = (record: JsonObject) => terminals(record).every(nullOnly);
  const present = (record: JsonObject) => terminals(record).length > 0;
  if (segments.length === 1) {
    const key = name;
    return {
      name,
      terminals,
      some: (record, test) => someLeaf(field(record, key), test),
      present: (record) => field(record, key) !== undefined,
      isNull: (record) => {
        const v = field(record, key);
        return v === undefined || nullOnly(v);
      },
    };
  }
  return {
    name,
    terminals,
    // Plain nesting first (the usual shape); an array on the way, or a dotted key that could also
    // answer, sends it the long way.
    some(record, test) {
      let value: unknown = record;
      for (let i = 0; i < segments.length; i++) {
        if (Array.isArray(value)) return terminals(record).some((t) => someLeaf(t, test));
        if (!isObject(value)) return false;
        const keys = joined[i];
        for (let k = 1; k < keys.length; k++) {
          if (field(value, keys[k]) !== undefined) return terminals(record).some((t) => someLeaf(t, test));
        }
        value = field(value, segments[i]);
        if (value === undefined) return false;
      }
      return someLeaf(value, test);
    },
    present,
    isNull,
  };
}
