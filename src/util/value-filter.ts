/**
 * `--event '!GenerateDataKey'`: a value filter's values with a leading `!` leave records out
 * rather than choose them. Includes and excludes combine: a record is kept when it matches some
 * include (or there is none) and no exclude. A record without the value (no sourceIPAddress, no
 * errorCode) is never excluded by it.
 */
import { compileTextPatterns, type TextMatcher } from './text-pattern.js';

export function splitExclusions(values: readonly string[]): { include: string[]; exclude: string[] } {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const value of values) (value.startsWith('!') ? exclude : include).push(value.slice(value.startsWith('!') ? 1 : 0));
  return { include, exclude };
}

/** Matchers for the wanted and unwanted values of one filter; undefined when it has no values. */
export interface ValueFilter {
  include?: TextMatcher;
  exclude?: TextMatcher;
}

export function textValueFilter(values: readonly string[], compile: (patterns: string[]) => TextMatcher = compileTextPatterns): ValueFilter | undefined {
  if (values.length === 0) return undefined;
  const { include, exclude } = splitExclusions(values);
  return { include: include.length > 0 ? compile(include) : undefined, exclude: exclude.length > 0 ? compile(exclude) : undefined };
}

/** One value (or none) against a filter. */
export function keepsValue(filter: ValueFilter, value: string | undefined): boolean {
  if (filter.include && (value === undefined || !filter.include(value))) return false;
  return !(filter.exclude && value !== undefined && filter.exclude(value));
}

/** Several values of one record (its principal's names): some include, no exclude. */
export function keepsValues(filter: ValueFilter, values: readonly string[]): boolean {
  if (filter.include && !values.some(filter.include)) return false;
  return !(filter.exclude && values.some(filter.exclude));
}
