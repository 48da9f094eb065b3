/**
 * Random detection rules (fields, lists, lists of maps, keywords, null, numbers, wildcards and
 * escapes, contains/startswith/endswith/all/re/cased, and/or/not/parentheses/1 of/all of/them)
 * over random records (nesting, arrays, nulls, numbers, booleans, mixed case): the engine must
 * report exactly what the independent reference evaluator finds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../../src/cloudtrail/record.js';
import { parseSigmaText } from '../../../../src/rules/sigma/load-rules.js';
import { SigmaEngine } from '../../../../src/rules/sigma/sigma-engine.js';
import { referenceHits, referenceRulesFromText } from '../../../helpers/sigma-reference.mjs';

const letters = fc.stringMatching(/^[aAbB ]{0,3}$/);
const sigmaValue = fc.oneof(
  { weight: 4, arbitrary: letters },
  { weight: 1, arbitrary: fc.constantFrom('*', 'a*', '*b', 'a?', '?', 'a\\*', 'a\\?', 'a\\\\*', 'a\\b', '\\\\', '1', 'true') },
);
const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
const field = fc.constantFrom('eventName', 'userAgent', 'requestParameters.a', 'requestParameters.list.x', 'requestParameters', 'errorCode');
const modifier = fc.constantFrom('', '', '|contains', '|startswith', '|endswith', '|contains|all', '|cased', '|re');
const entry = fc.tuple(field, modifier, fc.array(fc.option(sigmaValue, { nil: null, freq: 6 }), { minLength: 1, maxLength: 3 })).map(([f, m, values]) => {
  if (m === '|re') return `${f}|re: ${quote(values.find((v) => v !== null)?.replace(/[*?\\]/g, '.') ?? 'a')}`;
  const listed = m === '' || m === '|cased' ? values : values.filter((v) => v !== null);
  if (listed.length === 0) return `${f}${m}: 'a'`;
  return `${f}${m}: [${listed.map((v) => (v === null ? 'null' : quote(v))).join(', ')}]`;
});
const map = fc.uniqueArray(entry, { minLength: 1, maxLength: 3, selector: (e) => e.split(':')[0].split('|')[0] }).map((es) => `{${es.join(', ')}}`);
const search = fc.oneof(
  { weight: 4, arbitrary: map },
  { weight: 1, arbitrary: fc.array(map, { minLength: 1, maxLength: 2 }).map((ms) => `[${ms.join(', ')}]`) },
  { weight: 1, arbitrary: fc.array(letters.filter((l) => l.trim() !== ''), { minLength: 1, maxLength: 2 }).map((ks) => `[${ks.map(quote).join(', ')}]`) },
);
const condition = fc.constantFrom(
  'sel_a', 'sel_a and sel_b', 'sel_a or not sel_b', 'not (sel_a or sel_b)', '1 of sel_*', 'all of sel_*', '1 of them', 'all of them',
  'sel_a and (sel_b or _hidden)', 'not sel_a and not _hidden',
);
const ruleText = fc.tuple(search, search, search, condition).map(
  ([a, b, h, c]) =>
    `title: R\nid: r\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n    sel_a: ${a}\n    sel_b: ${b}\n    _hidden: ${h}\n    condition: ${c}\n`,
);

const text = fc.oneof(letters, fc.constantFrom('A*', 'a?b', 'a\\b', '\\', 'ab ab', 'true', '1'));
const scalar = fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: fc.constantFrom(null, 1, true, false) });
const recordArb = fc.record(
  {
    eventName: text,
    userAgent: scalar,
    errorCode: scalar,
    requestParameters: fc.oneof(
      fc.constant(null),
      fc.record({ a: fc.oneof(scalar, fc.array(scalar, { maxLength: 2 })), list: fc.array(fc.record({ x: scalar }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] }),
    ),
  },
  { requiredKeys: ['eventName'] },
);

describe('engine and reference agree on random rules and records', () => {
  it('same hits', () => {
    fc.assert(
      fc.property(ruleText, fc.array(recordArb, { minLength: 1, maxLength: 6 }), (rule, fields) => {
        const set = parseSigmaText(rule, 'r.yml');
        expect(set.problems).toEqual([]);
        const records: JsonObject[] = fields.map((f, i) => ({ ...f, eventID: `e${i}`, eventTime: `2024-03-01T10:00:0${i}Z` }) as JsonObject);
        const got: string[] = [];
        const engine = new SigmaEngine(set.rules, { onHit: (h) => got.push(h.eventId!) });
        for (const r of records) engine.feed(r);
        engine.end();
        const expected = referenceHits(referenceRulesFromText(rule, 'r.yml'), records).r;
        expect(got.sort(), rule).toEqual([...expected].sort());
      }),
      { numRuns: 300 },
    );
  });
});

/** Three base rules on eventName, a correlation of a random type, condition and span over them. */
const correlationText = fc
  .record({
    type: fc.constantFrom('event_count', 'value_count', 'temporal', 'temporal_ordered'),
    rules: fc.uniqueArray(fc.constantFrom('ra', 'rb', 'rc'), { minLength: 1, maxLength: 3 }),
    groupBy: fc.constantFrom([], ['userIdentity.userName']),
    span: fc.constantFrom('10s', '30s', '1m'),
    condition: fc.oneof(
      fc.record({ gte: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ gt: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ lt: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ lte: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ eq: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ gt: fc.integer({ min: 0, max: 2 }), lte: fc.integer({ min: 2, max: 4 }) }),
      fc.constant(undefined),
    ),
    generate: fc.boolean(),
  })
  .map(({ type, rules, groupBy, span, condition, generate }) => {
    const cond = condition ?? (type.startsWith('temporal') ? undefined : { gte: 2 });
    const condText = cond
      ? `    condition: {${Object.entries(cond).map(([k, v]) => `${k}: ${v}`).join(', ')}${type === 'value_count' ? ', field: sourceIPAddress' : ''}}\n`
      : '';
    const base = (name: string, eventName: string) =>
      `title: ${name}\nname: ${name}\nlogsource: {product: aws}\ndetection:\n    sel: {eventName: ${eventName}}\n    condition: sel\n`;
    return [
      base('ra', 'A'),
      base('rb', 'B'),
      base('rc', '[C, A]'),
      `title: corr\nid: corr\ncorrelation:\n    type: ${type}\n    rules: [${rules.join(', ')}]\n    group-by: [${groupBy.join(', ')}]\n    timespan: ${span}\n${condText}    generate: ${generate}\n`,
    ].join('---\n');
  });

const event = fc.record({
  eventName: fc.constantFrom('A', 'B', 'C', 'D'),
  second: fc.integer({ min: 0, max: 120 }),
  user: fc.constantFrom('u1', 'u2', undefined),
  ip: fc.constantFrom('1.1.1.1', '2.2.2.2', '3.3.3.3', undefined),
});

describe('correlations: engine (records in any order) and reference (declarative windows) agree', () => {
  it('same hits, with the same records', () => {
    fc.assert(
      fc.property(correlationText, fc.array(event, { minLength: 1, maxLength: 25 }), fc.integer(), (text, events, seed) => {
        const set = parseSigmaText(text, 'c.yml');
        expect(set.problems).toEqual([]);
        const records: JsonObject[] = events.map((e, i) => ({
          eventName: e.eventName,
          eventID: `e${i}`,
          eventTime: new Date(Date.UTC(2024, 2, 1, 10, 0, e.second)).toISOString().replace('.000Z', 'Z'),
          ...(e.user ? { userIdentity: { userName: e.user } } : {}),
          ...(e.ip ? { sourceIPAddress: e.ip } : {}),
        }));
        // The engine gets them shuffled; the reference sorts by time itself, ties in the engine's arrival order.
        const order = records.map((r, i) => [((seed + 1) * 2654435761 * (i + 1)) % 1000, r] as const).sort((a, b) => a[0] - b[0]).map(([, r]) => r);
        const got: Record<string, string[]> = {};
        const engine = new SigmaEngine(set.rules, { maxHitRecords: 1000, onHit: (h) => (got[h.rule] ??= []).push(h.records ? JSON.stringify(h.records) : h.eventId!) });
        for (const r of order) engine.feed(r);
        engine.end();
        const expected = referenceHits(referenceRulesFromText(text, 'c.yml'), order);
        const normal = (hits: Record<string, Array<string | string[]>>) =>
          Object.fromEntries(Object.entries(hits).filter(([, h]) => h.length > 0).map(([id, h]) => [id, h.map((x) => (Array.isArray(x) ? JSON.stringify(x) : x)).sort()]));
        expect(normal(got), text).toEqual(normal(expected));
      }),
      { numRuns: 400 },
    );
  });
});
