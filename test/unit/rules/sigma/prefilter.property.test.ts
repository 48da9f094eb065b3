/**
 * The hot-field prefilter and the engine's rule index may only ever say "cannot match": for random
 * rules over eventName / eventSource (wildcards, modifiers, negations, lists, keywords) and random
 * records, every record a rule's own predicate matches must be accepted by `acceptsHot` on both
 * fields and reported by the engine.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../../src/cloudtrail/record.js';
import { parseSigmaText } from '../../../../src/rules/sigma/load-rules.js';
import { SigmaEngine } from '../../../../src/rules/sigma/sigma-engine.js';
import type { SigmaDetectionRule } from '../../../../src/rules/sigma/sigma-rule.js';

// Few letters and both cases, so that rules and records often meet.
const word = fc.stringMatching(/^[abAB]{0,3}$/);
const ruleValue = fc.oneof(
  { weight: 6, arbitrary: word },
  { weight: 1, arbitrary: word.map((w) => `${w}*`) },
  { weight: 1, arbitrary: word.map((w) => `*${w}`) },
  { weight: 1, arbitrary: word.map((w) => `${w}?`) },
  { weight: 1, arbitrary: word.map((w) => `${w}\\*`) },
  { weight: 1, arbitrary: fc.constant(null) },
);
// Mostly plain equality on the hot fields: the case the rule index is built from.
const field = fc.oneof({ weight: 5, arbitrary: fc.constant('eventName') }, { weight: 3, arbitrary: fc.constant('eventSource') }, { weight: 1, arbitrary: fc.constant('userAgent') });
const modifier = fc.oneof(
  { weight: 8, arbitrary: fc.constant('') },
  { weight: 4, arbitrary: fc.constantFrom('|contains', '|startswith', '|endswith', '|cased', '|neq', '|re', '|contains|all', '|exists') },
);

const entry = fc.tuple(field, modifier, fc.array(ruleValue, { minLength: 1, maxLength: 3 })).map(([f, m, values]) => {
  if (m === '|exists') return `${f}|exists: ${values[0] === null ? 'false' : 'true'}`;
  const texts = values.map((v) => (v === null ? (m === '' || m === '|cased' ? 'null' : "''") : `'${m === '|re' ? v.replace(/[*?\\]/g, '.') : v}'`));
  return `${f}${m}: [${texts.join(', ')}]`;
});
const selection = fc.oneof(
  { weight: 4, arbitrary: fc.array(entry, { minLength: 1, maxLength: 3 }).map((entries) => `{${[...new Set(entries.map((e) => e.split(':')[0]))].map((k) => entries.find((e) => e.startsWith(k + ':'))).join(', ')}}`) },
  { weight: 1, arbitrary: word.map((w) => `['${w}']`) },
);
const condition = fc.constantFrom('s1', 's1 and s2', 's1 or s2', 's1 and not s2', 'not s1', '1 of s*', 'all of them', 'not (s1 or s2)', 's1 or not s2');

const ruleText = fc.tuple(selection, selection, condition).map(
  ([s1, s2, c]) => `title: P\nlogsource: {product: aws}\ndetection:\n    s1: ${s1}\n    s2: ${s2}\n    condition: ${c}\n`,
);
const hotValue = fc.oneof(word, fc.constantFrom('a*', 'A?b', 'ab.amazonaws.com'));
const recordArb = fc.record(
  { eventName: hotValue, eventSource: hotValue, userAgent: fc.oneof(word, fc.constant(null)) },
  { requiredKeys: ['eventName', 'eventSource'] },
);

describe('hot-field prefilter', () => {
  it('never rejects a record that a rule matches', () => {
    fc.assert(
      fc.property(fc.array(ruleText, { minLength: 1, maxLength: 3 }), fc.array(recordArb, { minLength: 1, maxLength: 8 }), (texts, records) => {
        const rules = texts.flatMap((t) => parseSigmaText(t, 'p.yml').rules) as SigmaDetectionRule[];
        fc.pre(rules.length > 0);
        const reported: string[] = [];
        const engine = new SigmaEngine(rules, { onHit: (h) => reported.push(`${h.rule}:${h.eventId}`), reorderWindow: 0 });
        const expected: string[] = [];
        records.forEach((fields, i) => {
          const r: JsonObject = { ...fields, eventID: `e${i}`, eventTime: '2024-03-01T10:00:00Z' };
          const matching = rules.filter((rule) => rule.detection.matches(r));
          for (const rule of matching) expected.push(`${rule.ruleId}:e${i}`);
          if (matching.length > 0) {
            expect(engine.acceptsHot('eventName', r.eventName as string), `eventName ${String(r.eventName)}`).toBe(true);
            expect(engine.acceptsHot('eventSource', r.eventSource as string), `eventSource ${String(r.eventSource)}`).toBe(true);
          }
          engine.feed(r);
        });
        engine.end();
        expect(reported.sort()).toEqual(expected.sort());
      }),
      { numRuns: 600 },
    );
  });

  it('rejects what no rule can match, and judges only fields every rule constrains', () => {
    const text = (d: string) => `title: P\nlogsource: {product: aws}\ndetection:\n    sel: ${d}\n    condition: sel\n`;
    const rules = [text('{eventSource: kms.amazonaws.com, eventName: [Decrypt, Encrypt]}'), text('{eventName|startswith: Delete}')].flatMap(
      (t) => parseSigmaText(t, 'p.yml').rules,
    );
    const engine = new SigmaEngine(rules, { onHit: () => {} });
    expect(engine.hotFields).toEqual(['eventName']);
    expect(engine.acceptsHot('eventName', 'decrypt')).toBe(true);
    expect(engine.acceptsHot('eventName', 'DeleteTrail')).toBe(true);
    expect(engine.acceptsHot('eventName', 'ListKeys')).toBe(false);
    expect(engine.acceptsHot('eventSource', 's3.amazonaws.com')).toBe(true);
    expect(engine.acceptsHot('eventTime', '2024-03-01T00:00:00Z')).toBe(true);
    // Bound, so the reader can take it as it is.
    const { acceptsHot } = engine;
    expect(acceptsHot('eventName', 'ListKeys')).toBe(false);
    const withOpenRule = new SigmaEngine([...rules, ...parseSigmaText(text('{userIdentity.type: Root}'), 'p.yml').rules], { onHit: () => {} });
    expect(withOpenRule.hotFields).toEqual([]);
    expect(withOpenRule.acceptsHot('eventName', 'ListKeys')).toBe(true);
  });
});
