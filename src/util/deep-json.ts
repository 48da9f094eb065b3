/**
 * JSON.stringify, without recursion. JSON.stringify overflows the call stack on a value nested
 * some thousands deep, which a broken or hostile log can hold and a streaming parser builds
 * without complaint; this gives the same text for anything JSON.parse returns, a level at a time.
 */
export function deepJsonText(value: unknown): string {
  const parts: string[] = [];
  /** An array or object being written: its values, an object's keys, and the next to write. */
  const open: Array<{ values: unknown[]; keys?: string[]; next: number }> = [];
  const start = (v: unknown): void => {
    if (v === null || typeof v !== 'object') {
      // As JSON.stringify writes an array's undefined (never in parsed JSON): null.
      parts.push(JSON.stringify(v) ?? 'null');
    } else if (Array.isArray(v)) {
      parts.push('[');
      open.push({ values: v, next: 0 });
    } else {
      const object = v as Record<string, unknown>;
      const keys = Object.keys(object).filter((k) => object[k] !== undefined);
      parts.push('{');
      open.push({ values: keys.map((k) => object[k]), keys, next: 0 });
    }
  };
  start(value);
  while (open.length > 0) {
    const top = open[open.length - 1];
    if (top.next === top.values.length) {
      parts.push(top.keys ? '}' : ']');
      open.pop();
      continue;
    }
    if (top.next > 0) parts.push(',');
    if (top.keys) parts.push(`${JSON.stringify(top.keys[top.next])}:`);
    start(top.values[top.next++]);
  }
  return parts.join('');
}

/** JSON.stringify where it can (faster), deepJsonText where the value is nested too deep for it. */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (error instanceof RangeError) return deepJsonText(value);
    throw error;
  }
}
