/**
 * JSON whose bytes depend only on the data: object keys sorted at every level, so two runs over the
 * same logs (in any file order) can be diffed, and scripts can rely on the layout.
 */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  // fromEntries defines own properties: a key named "__proto__" (log data) stays a key.
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as { [key: string]: unknown })[key])]),
  );
}

export function stableJson(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent);
}
