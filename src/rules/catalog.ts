/** Every built-in rule, in ID order, and the choice of rules a run makes (--rule, --min-severity). */
import { ACTIVITY_RULES } from './activity-rules.js';
import { GRANT_RULES } from './grant-rules.js';
import { KEY_STATE_RULES } from './key-state-rules.js';
import { ORIGIN_RULES } from './origin-rules.js';
import { POLICY_RULES } from './policy-rules.js';
import { severityRank, type Rule, type Severity } from './rule.js';

export const RULES: readonly Rule[] = [...KEY_STATE_RULES, ...POLICY_RULES, ...GRANT_RULES, ...ACTIVITY_RULES, ...ORIGIN_RULES].sort((a, b) =>
  a.id < b.id ? -1 : 1,
);

/** The rules to run; `unknown` names an ID that is not a rule (a usage error for the caller). */
export function selectRules(ids: readonly string[], minSeverity: Severity | undefined): Rule[] | { unknown: string } {
  for (const id of ids) if (!RULES.some((r) => r.id === id.toUpperCase())) return { unknown: id };
  const wanted = new Set(ids.map((id) => id.toUpperCase()));
  return RULES.filter(
    (r) =>
      (wanted.size === 0 || wanted.has(r.id)) &&
      (minSeverity === undefined || severityRank(r.severity) >= severityRank(minSeverity)),
  );
}
