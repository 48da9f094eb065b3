/**
 * A Sigma rule as kmstrail runs it: a detection rule (one record at a time) or a correlation
 * rule (v2 `correlation:` documents, and Sigma 1's `| count() ...` aggregations turned into one),
 * read from one YAML document and checked.
 */
import type { Severity } from '../rule.js';
import { compileDetection, type CompiledDetection } from './detection.js';
import { SigmaRuleError } from './field-test.js';
import { anyOf } from './hot-constraint.js';
import { sigmaLevel } from './level.js';

/** The detection of a rule for another log that kmstrail could not compile: it never runs. */
const NEVER_RUN: CompiledDetection = { matches: () => false, hot: { eventName: anyOf([]), eventSource: anyOf([]) } };

export type CorrelationType = 'event_count' | 'value_count' | 'temporal' | 'temporal_ordered';
export const CORRELATION_TYPES: readonly CorrelationType[] = ['event_count', 'value_count', 'temporal', 'temporal_ordered'];

/** gt/gte/lt/lte/eq, all of which must hold (a range is two of them). */
export type CountCondition = Partial<Record<'gt' | 'gte' | 'lt' | 'lte' | 'eq', number>>;

interface RuleFacts {
  file: string;
  /** 1-based place of the YAML document in its file. */
  document: number;
  id?: string;
  name?: string;
  title: string;
  /** What hits and --rule call it: the id, else the name, else `file#document`. */
  ruleId: string;
  level: Severity;
  status?: string;
  description?: string;
  tags: string[];
  /** Whether its matches are reported by themselves (false for a correlation's base rules, unless `generate`). */
  standalone: boolean;
}

export interface SigmaDetectionRule extends RuleFacts {
  kind: 'detection';
  logsource: Record<string, string>;
  detection: CompiledDetection;
}

export interface SigmaCorrelationRule extends RuleFacts {
  kind: 'correlation';
  type: CorrelationType;
  /** The rules it correlates, by the ids or names written (resolved by the loader into `rules`). */
  ruleRefs: string[];
  rules: SigmaRule[];
  groupBy: string[];
  timespanMs: number;
  timespan: string;
  condition: CountCondition;
  /** value_count: the field whose distinct values are counted. */
  field?: string;
  /** alias → rule name → field. */
  aliases: Record<string, Record<string, string>>;
  /** Whether the base rules also report their own matches. */
  generate: boolean;
  /** Made from a Sigma 1 `| count()` condition; its one base rule is the same document. */
  legacy: boolean;
}

export type SigmaRule = SigmaDetectionRule | SigmaCorrelationRule;

/** Rules one correlation may name: each is a bit of a 31-bit mask per event. */
export const MAX_CORRELATED_RULES = 30;

const SPAN = /^(\d+)([smhd])$/;
const SPAN_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseTimespan(value: unknown, what: string): number {
  if (value === undefined || value === null) throw new SigmaRuleError(`${what} is missing (a number and s, m, h or d: 90s, 10m, 1h, 7d)`);
  const m = typeof value === 'string' ? SPAN.exec(value.trim()) : null;
  if (!m || Number(m[1]) === 0) throw new SigmaRuleError(`${what} '${String(value)}' is not a time span (a number and s, m, h or d: 90s, 10m, 1h, 7d)`);
  return Number(m[1]) * SPAN_MS[m[2]];
}

function optionalText(doc: Record<string, unknown>, key: string): string | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  throw new SigmaRuleError(`${key} is not a string`);
}

function stringList(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.some((v) => typeof v !== 'string')) throw new SigmaRuleError(`${what} must be a string or a list of strings`);
  return list as string[];
}

function countCondition(value: unknown, allowField: boolean): { condition: CountCondition; field?: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SigmaRuleError('correlation condition must be a map such as {gte: 10}');
  }
  const condition: CountCondition = {};
  let field: string | undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'field' && allowField) {
      if (typeof v !== 'string' || v === '') throw new SigmaRuleError('correlation condition field must be a field name');
      field = v;
    } else if (k === 'gt' || k === 'gte' || k === 'lt' || k === 'lte' || k === 'eq') {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new SigmaRuleError(`correlation condition ${k} must be a number`);
      condition[k] = v;
    } else {
      throw new SigmaRuleError(`correlation condition has '${k}' (expected gt, gte, lt, lte, eq${allowField ? ', field' : ''})`);
    }
  }
  if (Object.keys(condition).length === 0) throw new SigmaRuleError('correlation condition has no gt, gte, lt, lte or eq');
  return { condition, field };
}

function facts(doc: Record<string, unknown>, file: string, document: number): RuleFacts {
  const title = doc.title;
  if (title !== undefined && title !== null && typeof title !== 'string') throw new SigmaRuleError(`its title is not a string (a ${Array.isArray(title) ? 'list' : typeof title})`);
  if (typeof title !== 'string' || title.trim() === '') throw new SigmaRuleError('has no title');
  const id = optionalText(doc, 'id');
  const name = optionalText(doc, 'name');
  return {
    file,
    document,
    id,
    name,
    title: title.trim(),
    ruleId: id ?? name ?? `${file}#${document}`,
    level: sigmaLevel(doc.level),
    status: optionalText(doc, 'status'),
    description: optionalText(doc, 'description'),
    tags: stringList(doc.tags, 'tags'),
    standalone: true,
  };
}

function logsourceOf(doc: Record<string, unknown>): Record<string, string> {
  const ls = doc.logsource;
  if (typeof ls !== 'object' || ls === null || Array.isArray(ls)) throw new SigmaRuleError('has no logsource map');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ls)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

/**
 * Whether a logsource is CloudTrail: product `aws` (or none) and service `cloudtrail` (or none),
 * at least one of the two given, and no category (a category names another kind of log).
 */
export function fitsCloudTrail(logsource: Record<string, string>): boolean {
  const product = logsource.product?.toLowerCase();
  const service = logsource.service?.toLowerCase();
  if (product === undefined && service === undefined) return false;
  if (logsource.category !== undefined) return false;
  return (product === undefined || product === 'aws') && (service === undefined || service === 'cloudtrail');
}

export function describeLogsource(logsource: Record<string, string>): string {
  const parts = Object.entries(logsource)
    .filter(([k]) => k === 'product' || k === 'service' || k === 'category')
    .map(([k, v]) => `${k}: ${v}`);
  return parts.length > 0 ? parts.join(', ') : '(none)';
}

/** One YAML document (after `action: global` merging) as a rule; throws SigmaRuleError. */
export function ruleFromDocument(doc: unknown, file: string, document: number): SigmaRule[] {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new SigmaRuleError('is not a map');
  const d = doc as Record<string, unknown>;
  if (d.filter !== undefined) throw new SigmaRuleError('Sigma filters (filter:) are not supported');
  const base = facts(d, file, document);
  if (d.correlation !== undefined) {
    const c = d.correlation;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new SigmaRuleError('correlation is not a map');
    const corr = c as Record<string, unknown>;
    const type = corr.type;
    if (typeof type !== 'string' || !(CORRELATION_TYPES as readonly string[]).includes(type)) {
      throw new SigmaRuleError(`correlation type '${String(type)}' is not one of ${CORRELATION_TYPES.join(', ')}`);
    }
    const ruleRefs = stringList(corr.rules, 'correlation rules');
    if (ruleRefs.length === 0) throw new SigmaRuleError('correlation names no rules');
    if (ruleRefs.length > MAX_CORRELATED_RULES) throw new SigmaRuleError(`correlation names more than ${MAX_CORRELATED_RULES} rules`);
    const temporal = type === 'temporal' || type === 'temporal_ordered';
    let condition: CountCondition;
    let field: string | undefined;
    if (corr.condition === undefined) {
      if (!temporal) throw new SigmaRuleError(`a ${type} correlation needs a condition`);
      // Temporal without a condition: every rule must appear.
      condition = { gte: ruleRefs.length };
    } else {
      ({ condition, field } = countCondition(corr.condition, type === 'value_count'));
    }
    if (type === 'value_count' && !field) throw new SigmaRuleError('a value_count correlation needs condition.field');
    const aliases: Record<string, Record<string, string>> = {};
    if (corr.aliases !== undefined) {
      if (typeof corr.aliases !== 'object' || corr.aliases === null) throw new SigmaRuleError('aliases is not a map');
      for (const [alias, map] of Object.entries(corr.aliases as Record<string, unknown>)) {
        if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new SigmaRuleError(`alias '${alias}' is not a map`);
        aliases[alias] = {};
        for (const [rule, f] of Object.entries(map)) {
          if (typeof f !== 'string') throw new SigmaRuleError(`alias '${alias}' for '${rule}' is not a field name`);
          aliases[alias][rule] = f;
        }
      }
    }
    if (corr.generate !== undefined && typeof corr.generate !== 'boolean') throw new SigmaRuleError('generate must be true or false');
    const timespan = corr.timespan ?? corr.timeframe;
    return [
      {
        ...base,
        kind: 'correlation',
        type: type as CorrelationType,
        ruleRefs,
        rules: [],
        groupBy: stringList(corr['group-by'], 'group-by'),
        timespanMs: parseTimespan(timespan, 'timespan'),
        timespan: String(timespan),
        condition,
        field,
        aliases,
        generate: corr.generate === true,
        legacy: false,
      },
    ];
  }
  const logsource = logsourceOf(d);
  if (d.detection === undefined) throw new SigmaRuleError('has no detection');
  let detection: CompiledDetection;
  try {
    detection = compileDetection(d.detection);
  } catch (error) {
    // A rule for another log is never run here: what kmstrail refuses in a CloudTrail rule
    // (placeholders, near) is no error in it, and it is counted as not for CloudTrail.
    if (!(error instanceof SigmaRuleError) || fitsCloudTrail(logsource)) throw error;
    detection = NEVER_RUN;
  }
  const rule: SigmaDetectionRule = { ...base, kind: 'detection', logsource, detection };
  if (!detection.aggregation) return [rule];
  // Sigma 1 aggregation: the detection without it is the base rule, the count a correlation.
  const agg = detection.aggregation;
  if (detection.timeframe === undefined) throw new SigmaRuleError('an aggregation (| count()) needs a timeframe');
  const inner: SigmaDetectionRule = { ...rule, ruleId: `${rule.ruleId}#events`, standalone: false };
  const correlation: SigmaCorrelationRule = {
    ...base,
    kind: 'correlation',
    type: agg.field ? 'value_count' : 'event_count',
    ruleRefs: [inner.ruleId],
    rules: [inner],
    groupBy: agg.groupBy,
    timespanMs: parseTimespan(detection.timeframe, 'timeframe'),
    timespan: detection.timeframe,
    condition: { [agg.operator]: agg.value },
    field: agg.field,
    aliases: {},
    generate: false,
    legacy: true,
  };
  return [correlation];
}
