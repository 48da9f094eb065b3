/**
 * What a rule requires of the hot fields (top-level eventName and eventSource), derived from its
 * compiled detection so the reader can drop records before parsing them and the engine can
 * evaluate only the rules a record could match. A constraint is a *necessary* condition: a value
 * it refuses can never be part of a match; `undefined` means "any value may match".
 */

export const HOT_FIELDS = ['eventName', 'eventSource'] as const;
export type HotField = (typeof HOT_FIELDS)[number];

export interface HotConstraint {
  /** When present: the value, lower-cased, must be one of these. */
  index?: ReadonlySet<string>;
  /** The value (as written) must pass this. */
  test: (value: string) => boolean;
}

/** Any value may match. */
export type Constraint = HotConstraint | undefined;

export function allOf(constraints: readonly Constraint[]): Constraint {
  const real = constraints.filter((c): c is HotConstraint => c !== undefined);
  if (real.length === 0) return undefined;
  if (real.length === 1) return real[0];
  let index: Set<string> | undefined;
  for (const c of real) {
    if (!c.index) continue;
    index = index ? new Set([...index].filter((v) => c.index!.has(v))) : new Set(c.index);
  }
  const tests = real.map((c) => c.test);
  return { index, test: (v) => tests.every((t) => t(v)) };
}

export function anyOf(constraints: readonly Constraint[]): Constraint {
  if (constraints.length === 0) return { index: new Set(), test: () => false };
  if (constraints.some((c) => c === undefined)) return undefined;
  const real = constraints as HotConstraint[];
  if (real.length === 1) return real[0];
  const index = real.every((c) => c.index) ? new Set(real.flatMap((c) => [...c.index!])) : undefined;
  const tests = real.map((c) => c.test);
  return { index, test: (v) => tests.some((t) => t(v)) };
}

/** Whether a value could satisfy the constraint (index first: it is the cheap part). */
export function admits(c: Constraint, value: string): boolean {
  if (c === undefined) return true;
  if (c.index && !c.index.has(value.toLowerCase())) return false;
  return c.test(value);
}
