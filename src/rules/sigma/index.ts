/**
 * Sigma rules for `kmstrail detect --sigma`: the public surface of src/rules/sigma.
 *
 *   const set = await loadSigmaRules(paths);          // rules, problems (file + message), notApplicable
 *   const engine = new SigmaEngine(set.rules, { onHit });
 *   // reader: prefilter = (field, value) => engine.acceptsHot(field, value), fields = engine.hotFields
 *   engine.feed(record, { file, line }); ...; engine.end();
 */
export { loadSigmaRules, parseSigmaText, type NotApplicableRule, type SigmaProblem, type SigmaRuleSet } from './load-rules.js';
export { SigmaEngine, type SigmaEngineOptions, type SigmaEngineStats } from './sigma-engine.js';
export { DEFAULT_SIGMA_LEVEL, sigmaLevel } from './level.js';
export { HOT_FIELDS, type HotField } from './hot-constraint.js';
export {
  describeLogsource,
  fitsCloudTrail,
  type CorrelationType,
  type SigmaCorrelationRule,
  type SigmaDetectionRule,
  type SigmaRule,
} from './sigma-rule.js';
