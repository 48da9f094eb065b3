/**
 * Random detection rules (fields, lists, lists of maps, keywords, null, numbers, wildcards and
 * escapes, contains/startswith/endswith/all/re/cased, and/or/not/parentheses/1 of/all of/them)
 * over random records (nesting, arrays, nulls, numbers, booleans, mixed case): the engine must
 * report exactly what the independent reference evaluator finds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { parseSigmaText } from '../../../src/rules/sigma/load-rules.js';
import { SigmaEngine } from '../../../src/rules/sigma/sigma-engine.js';
import { referenceHits, referenceRulesFromText } from '../../helpers/sigma-reference.mjs';

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
