/**
 * The condition of a Sigma detection: `and`, `or`, `not`, parentheses, and `1 of` / `all of`
 * over search identifiers (with `*` wildcards) or `them`. Precedence, loosest first: or, and,
 * not, x of, parentheses (the specification's order). Keywords are read in any case.
 *
 * Where the specification is silent: `any of` is taken as `1 of` (pySigma's spelling), and
 * `N of` for a number N means at least N of them. `them` leaves out identifiers starting with `_`
 * (the specification's convention); an explicit pattern does not.
 */

export type ConditionNode =
  | { kind: 'id'; name: string }
  | { kind: 'not'; node: ConditionNode }
  | { kind: 'and' | 'or'; nodes: ConditionNode[] }
  | { kind: 'of'; least: number | 'all'; names: string[] };

export class ConditionError extends Error {}

/** The legacy aggregation after a `|`: `count() > 5`, `count(field) by a, b >= 10`. */
export interface LegacyAggregation {
  /** The field whose distinct values are counted (`count(field)`), if any. */
  field?: string;
  groupBy: string[];
  operator: 'gt' | 'gte' | 'lt' | 'lte' | 'eq';
  value: number;
}

const TOKEN = /\s*(\(|\)|[^\s()]+)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  for (;;) {
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) {
      if (text.slice(start).trim() !== '') throw new ConditionError(`cannot read '${text.slice(start).trim()}'`);
      return tokens;
    }
    tokens.push(m[1]);
  }
}

const globRegex = (pattern: string) =>
  new RegExp('^' + pattern.replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*') + '$');

/** Parses a condition against the identifiers the detection defines. */
export function parseCondition(text: string, identifiers: readonly string[]): ConditionNode {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at]?.toLowerCase();
  const known = new Set(identifiers);

  function or(): ConditionNode {
    const nodes = [and()];
    while (peek() === 'or') {
      at++;
      nodes.push(and());
    }
    return nodes.length === 1 ? nodes[0] : { kind: 'or', nodes };
  }
  function and(): ConditionNode {
    const nodes = [not()];
    while (peek() === 'and') {
      at++;
      nodes.push(not());
    }
    return nodes.length === 1 ? nodes[0] : { kind: 'and', nodes };
  }
  function not(): ConditionNode {
    if (peek() === 'not') {
      at++;
      return { kind: 'not', node: not() };
    }
    return primary();
  }
  function primary(): ConditionNode {
    const token = tokens[at];
    if (token === undefined) throw new ConditionError('ends too early');
    if (token === '(') {
      at++;
      const node = or();
      if (tokens[at] !== ')') throw new ConditionError(`expected ')' but found ${tokens[at] === undefined ? 'the end' : `'${tokens[at]}'`}`);
      at++;
      return node;
    }
    const lowered = token.toLowerCase();
    if (tokens[at + 1]?.toLowerCase() === 'of') {
      let least: number | 'all';
      if (lowered === 'all') least = 'all';
      else if (lowered === 'any') least = 1;
      else if (/^[1-9]\d*$/.test(token)) least = Number(token);
      else throw new ConditionError(`'${token} of': expected 1, any, all or a number before 'of'`);
      const target = tokens[at + 2];
      if (target === undefined || target === '(' || target === ')') throw new ConditionError(`'${token} of' names no identifiers`);
      at += 3;
      let names: string[];
      if (target.toLowerCase() === 'them') {
        names = identifiers.filter((n) => !n.startsWith('_'));
        // 'all of' nothing would be true of every record.
        if (names.length === 0) throw new ConditionError(`'${token} of ${target}' matches no search identifier (them leaves out names that start with _)`);
      } else {
        const re = globRegex(target);
        names = identifiers.filter((n) => re.test(n));
        if (names.length === 0) throw new ConditionError(`'${token} of ${target}' matches no search identifier`);
      }
      return { kind: 'of', least, names };
    }
    if (['and', 'or', 'not', 'of', ')', '|'].includes(lowered)) throw new ConditionError(`unexpected '${token}'`);
    if (!known.has(token)) throw new ConditionError(`'${token}' is not a search identifier of the detection`);
    at++;
    return { kind: 'id', name: token };
  }

  const node = or();
  if (at < tokens.length) throw new ConditionError(`unexpected '${tokens[at]}'`);
  return node;
}

const AGGREGATION = /^count\(\s*([^()\s]*)\s*\)(?:\s+by\s+(.+?))?\s*(>=|<=|==|=|>|<)\s*(\d+)\s*$/i;
const OPERATORS = { '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte', '=': 'eq', '==': 'eq' } as const;

/**
 * Splits `expression | aggregation` (Sigma 1's correlation form, kept by SigmaHQ's
 * `unsupported/` rules) and reads the aggregation. `near` and other aggregate functions (sum,
 * min, max, avg) are refused.
 */
export function splitAggregation(text: string): { expression: string; aggregation?: LegacyAggregation } {
  const pipe = text.indexOf('|');
  if (pipe < 0) return { expression: text };
  const expression = text.slice(0, pipe).trim();
  const tail = text.slice(pipe + 1).trim();
  if (/^near\b/i.test(tail)) throw new ConditionError("the 'near' aggregation is not supported (write a temporal correlation rule)");
  const m = AGGREGATION.exec(tail);
  if (!m) throw new ConditionError(`aggregation '${tail}' is not supported (only count() [by field] with > >= < <= ==)`);
  const groupBy = m[2] ? m[2].split(',').map((f) => f.trim()).filter(Boolean) : [];
  return {
    expression,
    aggregation: {
      field: m[1] || undefined,
      groupBy,
      operator: OPERATORS[m[3] as keyof typeof OPERATORS],
      value: Number(m[4]),
    },
  };
}
