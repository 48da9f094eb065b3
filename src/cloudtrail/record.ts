/**
 * The CloudTrail record as this tool sees it: a parsed JSON object, read defensively, since real
 * trails carry null where objects are expected, missing fields and fields of unexpected types.
 */

export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `record.a.b.c` when every step is an object, else undefined. */
export function path(record: unknown, ...keys: string[]): unknown {
  let current: unknown = record;
  for (const key of keys) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** A string field, or undefined when absent, null or of another type. */
export function text(record: unknown, ...keys: string[]): string | undefined {
  const value = path(record, ...keys);
  return typeof value === 'string' ? value : undefined;
}

/** `readOnly` arrives as a boolean, or as the strings "true"/"false" in older records. */
export function readOnlyFlag(record: JsonObject): boolean | undefined {
  const value = record.readOnly;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

export function errorCode(record: JsonObject): string | undefined {
  const code = record.errorCode;
  if (typeof code === 'string' && code !== '') return code;
  return undefined;
}
