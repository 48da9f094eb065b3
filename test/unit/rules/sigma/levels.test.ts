/** Sigma levels on the five-level severity scale, and what a hit carries of its rule. */
import { describe, expect, it } from 'vitest';
import { parseSeverity, severityRank, SEVERITIES } from '../../../../src/rules/rule.js';
import { record, rulesOf, ruleText, run } from './sigma-helpers.js';

describe('levels', () => {
  it('informational < low < medium < high < critical', () => {
    expect(SEVERITIES).toEqual(['informational', 'low', 'medium', 'high', 'critical']);
    expect(['critical', 'informational', 'high', 'low', 'medium'].sort((a, b) => severityRank(parseSeverity(a)!) - severityRank(parseSeverity(b)!))).toEqual([
      'informational', 'low', 'medium', 'high', 'critical',
    ]);
    expect(parseSeverity(' Critical ')).toBe('critical');
  });

  it('each level becomes the hit severity; no level is medium', () => {
    for (const level of ['informational', 'low', 'medium', 'high', 'critical']) {
      const hits = run(rulesOf(ruleText(`sel:\n    eventName: DeleteTrail\ncondition: sel`, `level: ${level}\n`)), [record({ eventName: 'DeleteTrail' })]);
      expect(hits.map((h) => h.severity)).toEqual([level]);
    }
    const unleveled = run(rulesOf(ruleText(`sel:\n    eventName: DeleteTrail\ncondition: sel`)), [record({ eventName: 'DeleteTrail' })]);
    expect(unleveled[0].severity).toBe('medium');
  });

  it('a hit carries id, title, level, tags, file and the record facts', () => {
    const rules = rulesOf(ruleText(`sel:\n    eventName: DeleteTrail\ncondition: sel`, 'level: high\ntags:\n    - attack.defense-evasion\n    - attack.t1562.008\n'));
    const r = record({
      eventName: 'DeleteTrail',
      eventSource: 'cloudtrail.amazonaws.com',
      eventID: 'e-1',
      eventTime: '2024-03-01T10:00:00Z',
      errorCode: 'AccessDenied',
    });
    expect(run(rules, [r])).toEqual([
      {
        rule: 'test-rule',
        severity: 'high',
        title: 'Test rule',
        time: '2024-03-01T10:00:00Z',
        at: Date.UTC(2024, 2, 1, 10),
        eventName: 'DeleteTrail',
        eventId: 'e-1',
        principal: 'arn:aws:iam::111122223333:user/Alice',
        principalAccount: '111122223333',
        key: undefined,
        // Without a key there is no key account (not the recipient account keyFacts falls back on).
        keyAccount: undefined,
        region: 'us-east-1',
        reason: 'arn:aws:iam::111122223333:user/Alice called cloudtrail:DeleteTrail (failed: AccessDenied)',
        file: 'records.json',
        line: 1,
        source: 'sigma',
        tags: ['attack.defense-evasion', 'attack.t1562.008'],
        ruleFile: 'test.yml',
      },
    ]);
  });
});
