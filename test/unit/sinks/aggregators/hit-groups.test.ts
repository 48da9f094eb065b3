/**
 * Hits grouped by rule: counts, first and last seen by eventTime (whatever the order hits come
 * in), the most frequent principals and keys, the order of the groups, and the cap on distinct values.
 */
import { describe, expect, it } from 'vitest';
import type { Hit } from '../../../../src/rules/rule.js';
import { GROUP_DISTINCT_CAP, HitGroups } from '../../../../src/sinks/aggregators/hit-groups.js';

let n = 0;
function hit(fields: Partial<Hit> & { time: string }): Hit {
  n++;
  return {
    rule: 'KMS-003',
    severity: 'medium',
    title: 'Key disabled',
    eventName: 'DisableKey',
    eventId: `e-${n}`,
    principal: 'alice',
    reason: 'r',
    at: Date.parse(fields.time),
    ...fields,
  };
}

describe('HitGroups', () => {
  it('one group per rule: count, first and last seen by time, top principals and keys by count then name', () => {
    const groups = new HitGroups();
    groups.add(hit({ time: '2024-03-01T10:00:05Z', principal: 'bob', key: 'k1' }));
    groups.add(hit({ time: '2024-03-01T10:00:01Z', principal: 'carol', key: 'k2' }));
    groups.add(hit({ time: '2024-03-01T10:00:09Z', principal: 'bob', key: 'k1' }));
    groups.add(hit({ time: '2024-03-01T10:00:03Z', principal: 'alice' }));
    const [g] = groups.result(2);
    expect(g).toMatchObject({ rule: 'KMS-003', hits: 4, firstSeen: '2024-03-01T10:00:01Z', lastSeen: '2024-03-01T10:00:09Z', source: 'builtin', tags: [] });
    expect(g.principals).toEqual({ distinct: 3, capped: false, top: [{ value: 'bob', count: 2 }, { value: 'alice', count: 1 }] });
    expect(g.keys).toEqual({ distinct: 2, capped: false, top: [{ value: 'k1', count: 2 }, { value: 'k2', count: 1 }] });
  });

  it('a hit naming the identity behind its session (KMS-017) counts that identity, not the session', () => {
    const groups = new HitGroups();
    for (const session of ['s1', 's2', 's3']) groups.add(hit({ time: '2024-03-01T10:00:00Z', rule: 'KMS-017', principal: `arn:aws:sts::1:assumed-role/Admin/${session}`, origin: 'arn:aws:iam::2:user/mallory' }));
    expect(groups.result(3)[0].principals).toEqual({ distinct: 1, capped: false, top: [{ value: 'arn:aws:iam::2:user/mallory', count: 3 }] });
  });

  it('groups: most severe first, then most hits, then rule ID; totals per severity', () => {
    const groups = new HitGroups();
    for (let i = 0; i < 3; i++) groups.add(hit({ time: '2024-03-01T10:00:00Z', rule: 'sigma-low', severity: 'low', source: 'sigma', tags: ['attack.t1078'] }));
    groups.add(hit({ time: '2024-03-01T10:00:00Z', rule: 'KMS-001', severity: 'high' }));
    groups.add(hit({ time: '2024-03-01T10:00:00Z', rule: 'KMS-015', severity: 'high' }));
    groups.add(hit({ time: '2024-03-01T10:00:00Z', rule: 'KMS-015', severity: 'high' }));
    groups.add(hit({ time: '2024-03-01T10:00:00Z', rule: 'crit', severity: 'critical' }));
    expect(groups.result(3).map((g) => [g.rule, g.hits])).toEqual([
      ['crit', 1],
      ['KMS-015', 2],
      ['KMS-001', 1],
      ['sigma-low', 3],
    ]);
    expect(groups.result(3)[3]).toMatchObject({ source: 'sigma', tags: ['attack.t1078'] });
    expect(groups.bySeverity).toEqual({ critical: 1, high: 3, medium: 0, low: 3, informational: 0 });
    expect([groups.hits, groups.rules]).toEqual([7, 4]);
  });

  it('a hit without a readable time counts, but sets no first or last seen', () => {
    const groups = new HitGroups();
    groups.add(hit({ time: 'yesterday', at: undefined }));
    expect(groups.result(3)[0]).toMatchObject({ hits: 1, firstSeen: null, lastSeen: null });
  });

  it(`at most ${GROUP_DISTINCT_CAP.toLocaleString('en-US')} distinct principals per rule are counted; the rest is said to be capped`, () => {
    const groups = new HitGroups();
    for (let i = 0; i < GROUP_DISTINCT_CAP + 5; i++) groups.add(hit({ time: '2024-03-01T10:00:00Z', principal: `p-${i}` }));
    const [g] = groups.result(1);
    expect(g.hits).toBe(GROUP_DISTINCT_CAP + 5);
    expect(g.principals.distinct).toBe(GROUP_DISTINCT_CAP);
    expect(g.principals.capped).toBe(true);
  });
});
