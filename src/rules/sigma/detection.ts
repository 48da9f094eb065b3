/**
 * A rule's `detection` section compiled once into a predicate over parsed records, plus what it
 * requires of the hot fields.
 *
 * Search identifiers: a map is the AND of its entries; a list of maps is the OR of the maps; a
 * list of plain values (or one plain value) is a keyword search, the OR of the keywords. Keywords
 * are looked for in every scalar value of the record, at any depth (never in key names), as
 * substrings, case-insensitively: CloudTrail has no single "message" field, and an analyst's
 * keyword should be found wherever the record holds it. A list of maps and values mixed is the OR
 * of each.
 */
import type { JsonObject } from '../../cloudtrail/record.js';
import { parseCondition, splitAggregation, ConditionError, type ConditionNode, type LegacyAggregation } from './condition.js';
import { compileFieldTest, SigmaRuleError, type RecordTest } from './field-test.js';
import { allOf, anyOf, type Constraint, type HotField } from './hot-constraint.js';

export interface CompiledDetection {
  matches: RecordTest;
  /** What each hot field must be for a match (undefined: anything). */
  hot: Record<HotField, Constraint>;
  /** The Sigma 1 aggregation after `|` in the condition, if any. */
  aggregation?: LegacyAggregation;
  /** `timeframe` of the detection (Sigma 1), as written. */
  timeframe?: string;
}

interface CompiledSearch {
  test: RecordTest;
  hot: Record<HotField, Constraint>;
}

const ANY_HOT = (): Record<HotField, Constraint> => ({ eventName: undefined, eventSource: undefined });

function compileMap(map: Record<string, unknown>, where: string): CompiledSearch {
  const entries = Object.entries(map);
  if (entries.length === 0) throw new SigmaRuleError(`${where}: an empty map`);
  const tests: RecordTest[] = [];
  const perField: Record<HotField, Constraint[]> = { eventName: [], eventSource: [] };
  for (const [key, value] of entries) {
    let compiled;
    try {
      compiled = compileFieldTest(key, value);
    } catch (error) {
      if (error instanceof SigmaRuleError) throw new SigmaRuleError(`${where}: ${error.message}`);
      throw error;
    }
    tests.push(compiled.test);
    if (compiled.hot) perField[compiled.hot.field].push(compiled.hot.constraint);
  }
  const test: RecordTest = tests.length === 1 ? tests[0] : tests.length === 2
    ? ((a, b) => (r: JsonObject) => a(r) && b(r))(tests[0], tests[1])
    : (r) => {
        for (const t of tests) if (!t(r)) return false;
        return true;
      };
  return { test, hot: { eventName: allOf(perField.eventName), eventSource: allOf(perField.eventSource) } };
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compileSearch(name: string, body: unknown): CompiledSearch {
  const where = `detection: ${name}`;
  if (isMap(body)) return compileMap(body, where);
  if (body === null || body === undefined) throw new SigmaRuleError(`${where}: is empty`);
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) throw new SigmaRuleError(`${where}: an empty list`);
  const keywords = items.filter((i) => !isMap(i));
  const maps = items.filter(isMap);
  const parts: CompiledSearch[] = maps.map((m, i) => compileMap(m, `${where}[${i}]`));
  if (keywords.length > 0) {
    for (const k of keywords) {
      if (k === null || typeof k === 'object') throw new SigmaRuleError(`${where}: a keyword is ${k === null ? 'null' : 'a list'}`);
    }
    parts.push({ test: compileFieldTest('', keywords).test, hot: ANY_HOT() });
  }
  if (parts.length === 1) return parts[0];
  const tests = parts.map((p) => p.test);
  return {
    test: (r) => tests.some((t) => t(r)),
    hot: {
      eventName: anyOf(parts.map((p) => p.hot.eventName)),
      eventSource: anyOf(parts.map((p) => p.hot.eventSource)),
    },
  };
}

function compileNode(node: ConditionNode, searches: Map<string, CompiledSearch>): CompiledSearch {
  switch (node.kind) {
    case 'id':
      return searches.get(node.name)!;
    case 'not': {
      const inner = compileNode(node.node, searches).test;
      // A negation constrains nothing: "not X" holds for any value X does not.
      return { test: (r) => !inner(r), hot: ANY_HOT() };
    }
    case 'and':
    case 'or':
    case 'of': {
      const parts =
        node.kind === 'of' ? node.names.map((n) => searches.get(n)!) : node.nodes.map((n) => compileNode(n, searches));
      const tests = parts.map((p) => p.test);
      const conjunction = node.kind === 'and' || (node.kind === 'of' && (node.least === 'all' || node.least >= parts.length));
      if (node.kind === 'of' && node.least !== 'all' && node.least > parts.length) {
        // More than there are: never true.
        return { test: () => false, hot: { eventName: anyOf([]), eventSource: anyOf([]) } };
      }
      const combine = conjunction ? allOf : anyOf;
      const hot = {
        eventName: combine(parts.map((p) => p.hot.eventName)),
        eventSource: combine(parts.map((p) => p.hot.eventSource)),
      };
      if (conjunction) return { test: (r) => tests.every((t) => t(r)), hot };
      if (node.kind === 'of' && typeof node.least === 'number' && node.least > 1) {
        const least = node.least;
        return {
          test: (r) => {
            let n = 0;
            for (const t of tests) if (t(r) && ++n >= least) return true;
            return false;
          },
          hot,
        };
      }
      return { test: (r) => tests.some((t) => t(r)), hot };
    }
  }
}

/** Compiles a detection section; throws SigmaRuleError with what is wrong. */
export function compileDetection(detection: unknown): CompiledDetection {
  if (!isMap(detection)) throw new SigmaRuleError('detection is not a map');
  const { condition, timeframe, ...rest } = detection;
  if (condition === undefined) throw new SigmaRuleError('detection has no condition');
  const searches = new Map<string, CompiledSearch>();
  for (const [name, body] of Object.entries(rest)) searches.set(name, compileSearch(name, body));
  const names = [...searches.keys()];
  const conditions = Array.isArray(condition) ? condition : [condition];
  if (conditions.length === 0 || conditions.some((c) => typeof c !== 'string')) {
    throw new SigmaRuleError('condition must be a string or a list of strings');
  }
  let aggregation: LegacyAggregation | undefined;
  const nodes: ConditionNode[] = [];
  for (const text of conditions as string[]) {
    try {
      const split = splitAggregation(text);
      if (split.aggregation) {
        if (conditions.length > 1) throw new ConditionError('an aggregation needs a single condition');
        aggregation = split.aggregation;
      }
      nodes.push(parseCondition(split.expression, names));
    } catch (error) {
      if (error instanceof ConditionError) throw new SigmaRuleError(`condition '${text}': ${error.message}`);
      throw error;
    }
  }
  const root = compileNode(nodes.length === 1 ? nodes[0] : { kind: 'or', nodes }, searches);
  if (timeframe !== undefined && typeof timeframe !== 'string') throw new SigmaRuleError('timeframe is not a string');
  return { matches: root.test, hot: root.hot, aggregation, timeframe: timeframe as string | undefined };
}

