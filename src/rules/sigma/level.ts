/**
 * Sigma's `level` on kmstrail's severity scale. The scale is Sigma's own five levels
 * (informational < low < medium < high < critical), so each level maps onto itself and
 * --min-severity / --fail-on compare Sigma and built-in hits alike.
 *
 * A rule without a level is taken as medium: the specification makes the field optional and
 * names no default; informational would hide such a rule from `--min-severity low`, and a rule
 * somebody wrote to be run should not vanish from the default views.
 */
import { parseSeverity, type Severity } from '../rule.js';
import { SigmaRuleError } from './field-test.js';

export const DEFAULT_SIGMA_LEVEL: Severity = 'medium';

export function sigmaLevel(value: unknown): Severity {
  if (value === undefined || value === null) return DEFAULT_SIGMA_LEVEL;
  const level = typeof value === 'string' ? parseSeverity(value) : undefined;
  if (!level) throw new SigmaRuleError(`level '${String(value)}' is not one of informational, low, medium, high, critical`);
  return level;
}
