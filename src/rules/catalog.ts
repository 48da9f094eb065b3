/** Every built-in rule, in ID order, and the choice of rules a run makes (--rule, --min-severity, --sigma). */
import { ACTIVITY_RULES } from './activity-rules.js';
import { GRANT_RULES } from './grant-rules.js';
import { KEY_STATE_RULES } from './key-state-rules.js';
import { ORIGIN_RULES } from './origin-rules.js';
import { POLICY_RULES } from './policy-rules.js';
import { severityRank, type Rule, type Severity } from './rule.js';
import type { SigmaRule } from './sigma/sigma-rule.js';

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

/** What a run of `detect` runs: built-in rules and Sigma rules. */
export interface RuleChoice {
  builtin: Rule[];
  /** Sigma rules that report their hits; the engine adds what their correlations need. */
  sigma: SigmaRule[];
}

export interface RuleWishes {
  /** --rule: built-in IDs, Sigma ids or names (any case); empty means all. */
  ids: readonly string[];
  minSeverity?: Severity;
  /** False with --no-builtin. */
  builtin: boolean;
  /** The Sigma rules loaded (those that fit CloudTrail). */
  sigma: readonly SigmaRule[];
}

/** The names --rule may give a Sigma rule: its id, its name and what hits call it, in lower case. */
const sigmaNames = (r: SigmaRule): string[] => [r.ruleId, r.id, r.name].filter((n): n is string => n !== undefined).map((n) => n.toLowerCase());

/**
 * The rules a run makes: by --rule, then --min-severity. A Sigma rule that only feeds a
 * correlation (a base rule without `generate`) is not chosen by itself: it runs, silently, when
 * its correlation does. `unknown` names an ID that is no rule here.
 */
export function chooseRules({ ids, minSeverity, builtin, sigma }: RuleWishes): RuleChoice | { unknown: string } {
  const wanted = new Set(ids.map((id) => id.toLowerCase()));
  for (const id of ids) {
    const name = id.toLowerCase();
    if (!RULES.some((r) => r.id.toLowerCase() === name) && !sigma.some((r) => sigmaNames(r).includes(name))) return { unknown: id };
  }
  const severe = (s: Severity) => minSeverity === undefined || severityRank(s) >= severityRank(minSeverity);
  return {
    builtin: builtin ? RULES.filter((r) => (wanted.size === 0 || wanted.has(r.id.toLowerCase())) && severe(r.severity)) : [],
    sigma: sigma.filter((r) => (wanted.size === 0 ? r.standalone : sigmaNames(r).some((n) => wanted.has(n))) && severe(r.level)),
  };
}
