/**
 * Literals and identifiers for generated SQL. Every value a user typed reaches the query through
 * these functions and nowhere else, so a `--user "x' OR 1=1 --"` can only ever be a string.
 * Standard SQL strings (Athena/Trino, CloudTrail Lake, DuckDB): a quote is doubled, and a
 * backslash is an ordinary character, so doubling quotes is the whole escape.
 */

/** The escape character of every generated LIKE pattern (`... LIKE 'a\%b' ESCAPE '\'`). */
export const LIKE_ESCAPE = '\\';

function refuseNul(value: string): void {
  // A NUL would end the text early in C-based clients; no filter value needs one.
  if (value.includes('\0')) throw new Error('a SQL value cannot contain a NUL character');
}

/** `'it''s'`: a string literal holding exactly `value`. */
export function sqlString(value: string): string {
  refuseNul(value);
  return `'${value.replaceAll("'", "''")}'`;
}

/** `"name"`: a quoted identifier holding exactly `name` (a quote is doubled). */
export function sqlIdentifier(name: string): string {
  refuseNul(name);
  return `"${name.replaceAll('"', '""')}"`;
}

/** `db.table` → `"db"."table"`; empty parts are refused. */
export function sqlQualifiedName(name: string): string {
  const parts = name.split('.');
  if (parts.some((p) => p === '')) throw new Error(`'${name}' is not a table name`);
  return parts.map(sqlIdentifier).join('.');
}

/**
 * A `*`/`?` glob as the text of a LIKE pattern with LIKE_ESCAPE: `*` → `%`, `?` → `_`, and a
 * literal `%`, `_` or backslash is escaped, so it matches only itself. Not yet a literal: pass the
 * result through sqlString.
 */
export function likePattern(glob: string): string {
  let out = '';
  for (const ch of glob) {
    if (ch === '*') out += '%';
    else if (ch === '?') out += '_';
    else if (ch === '%' || ch === '_' || ch === LIKE_ESCAPE) out += LIKE_ESCAPE + ch;
    else out += ch;
  }
  return out;
}
