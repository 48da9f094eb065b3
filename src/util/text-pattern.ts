/**
 * Patterns for `--event`, `--user`, `--region` and the like: a literal or a `*`/`?` glob, compared
 * case-insensitively. Written here rather than taken from a path-glob library because these values
 * are not paths: in `arn:aws:iam::1:role/Admin`, `*Admin*` must cross the slash.
 */

export type TextMatcher = (value: string) => boolean;

export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '[\\s\\S]*';
    else if (ch === '?') source += '[\\s\\S]';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'iu');
}

/** One matcher for several patterns (OR). Literals go through a Set, globs through one RegExp each. */
export function compileTextPatterns(patterns: readonly string[]): TextMatcher {
  const literals = new Set<string>();
  const globs: RegExp[] = [];
  for (const pattern of patterns) {
    if (isGlob(pattern)) globs.push(globToRegExp(pattern));
    else literals.add(pattern.toLowerCase());
  }
  // The hot path meets mostly exact hits ("kms.amazonaws.com") or values of another length
  // ("Decrypt" against "CreateKey"): both are decided without lower-casing a new string.
  // U+0130 is the one character whose lower case is longer than itself.
  const exact = new Set(patterns);
  const lengths = new Set([...literals].map((l) => l.length));
  const literal = (value: string) =>
    exact.has(value) || ((lengths.has(value.length) || value.includes('\u0130')) && literals.has(value.toLowerCase()));
  if (globs.length === 0) return literal;
  return (value) => literal(value) || globs.some((g) => g.test(value));
}
