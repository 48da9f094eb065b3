/**
 * Correlation rules: event_count, value_count, temporal, temporal_ordered (v2), Sigma 1's
 * `| count()`, chains, aliases, generate, out-of-order input and the bounds.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../../src/cloudtrail/record.js';
import { parseSigmaText } from '../../../../src/rules/sigma/load-rules.js';
import { record, rulesOf, run } from './sigma-helpers.js';

const T0 = Date.parse('2024-03-01T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString().replace('.000Z', 'Z');
const user = (name: string) => ({ type: 'IAMUser', arn: `arn:aws:iam::111122223333:user/${name}`, accountId: '111122223333', userName: name });

/** A record of `eventName` by `who` at T0 + `seconds`. */
function ev(eventName: string, seconds: number, who = 'Alice', extra: JsonObject = {}): JsonObject {
  return record({ eventName, eventTime: at(seconds), userIdentity: user(who), eventID: `${eventName}-${who}-${seconds}`, ...extra });
}

const base = (name: string, eventName: string) =>
  `title: ${name}\nname: ${name}\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n    sel:\n        eventName: ${eventName}\n    condition: sel\n`;

function correlation(type: string, rules: string[], body: string, extra = ''): string {
  return `title: Correlated\nid: corr-1\nlevel: high\n${extra}correlation:\n    type: ${type}\n    rules: [${rules.join(', ')}]\n    group-by:\n        - userIdentity.arn\n    timespan: 1m\n${body}`;
}

const hitsOf = (text: string, records: JsonObject[], options = {}) => run(rulesOf(text), records, options);
const ALICE = 'arn:aws:iam::111122223333:user/Alice';

describe('event_count', () => {
  const rules = `${base('denied', 'GetSecretValue')}---\n${correlation('event_count', ['denied'], '    condition:\n        gte: 3\n')}`;

  it('fires once per window that reaches the count, per group, with its records', () => {
    const records = [ev('GetSecretValue', 0), ev('GetSecretValue', 20), ev('GetSecretValue', 59), ev('GetSecretValue', 60), ev('GetSecretValue', 10, 'Bob')];
    const hits = hitsOf(rules, records);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      rule: 'corr-1',
      severity: 'high',
      title: 'Correlated',
      group: { 'userIdentity.arn': ALICE },
      count: 4,
      records: ['GetSecretValue-Alice-0', 'GetSecretValue-Alice-20', 'GetSecretValue-Alice-59', 'GetSecretValue-Alice-60'],
      firstTime: at(0),
      lastTime: at(60),
      time: at(60),
      principal: ALICE,
      source: 'sigma',
    });
    expect(hits[0].reason).toBe(`4 events of 'denied' within 1m (gte 3) for userIdentity.arn=${ALICE}`);
  });

  it('the window is start + timespan inclusive, and slides when a start fails', () => {
    // 0, 61, 90, 100: the window of 0 holds one event; the one of 61 holds three.
    const hits = hitsOf(rules, [0, 61, 90, 100].map((s) => ev('GetSecretValue', s)));
    expect(hits.map((h) => [h.count, h.firstTime])).toEqual([[3, at(61)]]);
    expect(hitsOf(rules, [0, 61, 122].map((s) => ev('GetSecretValue', s)))).toEqual([]);
  });

  it('events used by a hit are not counted again', () => {
    const hits = hitsOf(rules, [0, 1, 2, 3, 4, 5, 6].map((s) => ev('GetSecretValue', s)));
    expect(hits.map((h) => h.count)).toEqual([7]);
    const spread = hitsOf(rules, [0, 1, 2, 100, 101, 102, 200, 201].map((s) => ev('GetSecretValue', s)));
    expect(spread.map((h) => h.count)).toEqual([3, 3]);
  });

  it('a range (gt and lte) and an upper bound alone', () => {
    const range = `${base('denied', 'GetSecretValue')}---\n${correlation('event_count', ['denied'], '    condition:\n        gt: 2\n        lte: 4\n')}`;
    expect(hitsOf(range, [0, 1, 2].map((s) => ev('GetSecretValue', s))).map((h) => h.count)).toEqual([3]);
    // Six in one minute: more than 4. The window of 0 fails, and with an upper bound the next one
    // starts after its minute, not at 2 (whose window holds exactly 4, a part of the same burst).
    expect(hitsOf(range, [0, 1, 2, 3, 4, 5].map((s) => ev('GetSecretValue', s))).map((h) => [h.count, h.firstTime])).toEqual([]);
    expect(hitsOf(range, [0, 1, 2, 3, 4, 5, 70, 71, 72].map((s) => ev('GetSecretValue', s))).map((h) => [h.count, h.firstTime])).toEqual([[3, at(70)]]);
    const fewer = `${base('denied', 'GetSecretValue')}---\n${correlation('event_count', ['denied'], '    condition:\n        lt: 2\n')}`;
    // 0 alone in its minute: a hit. 100 and 101: two, and 101 is no window of its own (sliding on,
    // every group's last event would be one, and lt would fire for nearly every group).
    expect(hitsOf(fewer, [ev('GetSecretValue', 0), ev('GetSecretValue', 100), ev('GetSecretValue', 101)]).map((h) => [h.count, h.firstTime])).toEqual([[1, at(0)]]);
    expect(hitsOf(fewer, [0, 60, 120].map((s) => ev('GetSecretValue', s * 3))).map((h) => h.count)).toEqual([1, 1, 1]);
  });

  it('records without the group-by field belong to no group; no group-by is one group', () => {
    const anonymous = { userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' } };
    expect(hitsOf(rules, [0, 1, 2].map((s) => ev('GetSecretValue', s, 'x', anonymous)))).toEqual([]);
    const global = `${base('denied', 'GetSecretValue')}---\ntitle: All\ncorrelation:\n    type: event_count\n    rules: [denied]\n    timespan: 1m\n    condition: {gte: 3}\n`;
    const hits = hitsOf(global, [ev('GetSecretValue', 0, 'A'), ev('GetSecretValue', 1, 'B'), ev('GetSecretValue', 2, 'x', anonymous)]);
    expect(hits.map((h) => [h.count, h.group])).toEqual([[3, {}]]);
  });
});

describe('value_count', () => {
  const rules = `${base('decrypt', 'Decrypt')}---\n${correlation('value_count', ['decrypt'], '    condition:\n        field: requestParameters.encryptionContext.SecretARN\n        gte: 3\n')}`;
  const dec = (s: number, secret: string | undefined, who = 'Alice') =>
    ev('Decrypt', s, who, { requestParameters: secret ? { encryptionContext: { SecretARN: secret } } : {} });

  it('counts distinct values (exact text) of the field per group', () => {
    expect(hitsOf(rules, [dec(0, 'a'), dec(1, 'b'), dec(2, 'a'), dec(3, 'c')]).map((h) => [h.count, h.records?.length])).toEqual([[3, 4]]);
    expect(hitsOf(rules, [dec(0, 'a'), dec(1, 'b'), dec(2, 'a'), dec(3, 'A')]).map((h) => h.count)).toEqual([3]);
    expect(hitsOf(rules, [dec(0, 'a'), dec(1, 'b'), dec(2, 'a'), dec(3, 'b'), dec(4, undefined)])).toEqual([]);
    expect(hitsOf(rules, [dec(0, 'a'), dec(1, 'b', 'Bob'), dec(2, 'c')])).toEqual([]);
  });
});

describe('temporal and temporal_ordered', () => {
  const three = `${base('a', 'ListUsers')}---\n${base('b', 'ListRoles')}---\n${base('c', 'GetAccountAuthorizationDetails')}---\n`;
  const temporal = `${three}${correlation('temporal', ['a', 'b', 'c'], '')}`;
  const ordered = `${three}${correlation('temporal_ordered', ['a', 'b', 'c'], '')}`;

  it('temporal: every rule within the timespan, in any order', () => {
    const recs = [ev('ListRoles', 0), ev('GetAccountAuthorizationDetails', 10), ev('ListUsers', 30)];
    expect(hitsOf(temporal, recs).map((h) => h.count)).toEqual([3]);
    expect(hitsOf(temporal, [ev('ListRoles', 0), ev('GetAccountAuthorizationDetails', 10), ev('ListUsers', 61)])).toEqual([]);
    expect(hitsOf(temporal, [ev('ListRoles', 0), ev('ListRoles', 10), ev('ListUsers', 20)])).toEqual([]);
  });

  it('temporal with a condition: at least two of the three', () => {
    const two = `${three}${correlation('temporal', ['a', 'b', 'c'], '    condition:\n        gte: 2\n')}`;
    expect(hitsOf(two, [ev('ListRoles', 0), ev('ListUsers', 20)]).map((h) => h.count)).toEqual([2]);
  });

  it('temporal_ordered: in the order of the rule list', () => {
    expect(hitsOf(ordered, [ev('ListUsers', 0), ev('ListRoles', 10), ev('GetAccountAuthorizationDetails', 20)]).map((h) => h.count)).toEqual([3]);
    expect(hitsOf(ordered, [ev('ListRoles', 0), ev('ListUsers', 10), ev('GetAccountAuthorizationDetails', 20)])).toEqual([]);
    // Noise between the steps does not matter; equal times count as in order.
    expect(hitsOf(ordered, [ev('ListUsers', 0), ev('GetAccountAuthorizationDetails', 1), ev('ListRoles', 5), ev('GetAccountAuthorizationDetails', 5)]).map((h) => h.count)).toEqual([3]);
  });

  it('the records of different principals never combine', () => {
    expect(hitsOf(temporal, [ev('ListRoles', 0, 'A'), ev('GetAccountAuthorizationDetails', 10, 'B'), ev('ListUsers', 30, 'A')])).toEqual([]);
  });
});

describe('Sigma 1 aggregations (| count())', () => {
  const legacy = (condition: string, timeframe = '10m') =>
    `title: Legacy\nid: legacy-1\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n    selection:\n        eventName|startswith: list\n    timeframe: ${timeframe}\n    condition: ${condition}\nlevel: low\n`;

  it('count() > N over everyone', () => {
    const recs = [0, 60, 120, 180].map((s, i) => ev('ListBuckets', s, `u${i}`));
    expect(hitsOf(legacy('selection | count() > 3'), recs).map((h) => [h.rule, h.count, h.severity])).toEqual([['legacy-1', 4, 'low']]);
    expect(hitsOf(legacy('selection | count() > 4'), recs)).toEqual([]);
    expect(hitsOf(legacy('selection | count() > 3', '2m'), recs)).toEqual([]);
  });

  it('count() by field, and count(field) by field (distinct values)', () => {
    const recs = [ev('ListUsers', 0, 'A', { sourceIPAddress: '1.1.1.1' }), ev('ListRoles', 1, 'B', { sourceIPAddress: '1.1.1.1' }), ev('ListRoles', 2, 'C', { sourceIPAddress: '2.2.2.2' })];
    expect(hitsOf(legacy('selection | count() by sourceIPAddress >= 2'), recs).map((h) => h.group)).toEqual([{ sourceIPAddress: '1.1.1.1' }]);
    expect(hitsOf(legacy('selection | count(userIdentity.userName) by sourceIPAddress > 1'), recs).map((h) => [h.group, h.count])).toEqual([
      [{ sourceIPAddress: '1.1.1.1' }, 2],
    ]);
  });
});

describe('chains, aliases, generate', () => {
  it('the specification example: many failures, then a success, by the same user', () => {
    const text = [
      'title: Brute force then success\nid: chain\nlevel: high\ncorrelation:\n    type: temporal_ordered\n    rules: [many_failed, success]\n    group-by: [userIdentity.userName]\n    timespan: 10m\n',
      'title: Many failed\nname: many_failed\ncorrelation:\n    type: event_count\n    rules: [failed]\n    group-by: [userIdentity.userName]\n    timespan: 10m\n    condition: {gte: 3}\n',
      'title: Failed\nname: failed\nlogsource: {product: aws}\ndetection:\n    sel: {eventName: ConsoleLogin, errorMessage: Failed authentication}\n    condition: sel\n',
      'title: Success\nname: success\nlogsource: {product: aws}\ndetection:\n    sel: {eventName: ConsoleLogin, responseElements.ConsoleLogin: Success}\n    condition: sel\n',
    ].join('---\n');
    const fail = (s: number, who = 'Alice') => ev('ConsoleLogin', s, who, { errorMessage: 'Failed authentication' });
    const ok = (s: number, who = 'Alice') => ev('ConsoleLogin', s, who, { responseElements: { ConsoleLogin: 'Success' } });
    const hits = hitsOf(text, [fail(0), fail(10), fail(20), ok(30), fail(40, 'Bob'), ok(50, 'Bob')]);
    expect(hits.map((h) => [h.rule, h.group, h.count])).toEqual([['chain', { 'userIdentity.userName': 'Alice' }, 2]]);
    expect(hits[0].records).toEqual(['ConsoleLogin-Alice-0', 'ConsoleLogin-Alice-10', 'ConsoleLogin-Alice-20', 'ConsoleLogin-Alice-30']);
    // Success before the failures: no hit.
    expect(hitsOf(text, [ok(0), fail(10), fail(20), fail(30)])).toEqual([]);
  });

  it('a chain that groups by a field the inner correlation does not is refused', () => {
    const text = [
      'title: Outer\ncorrelation:\n    type: temporal\n    rules: [inner, b]\n    group-by: [sourceIPAddress]\n    timespan: 10m\n',
      'title: Inner\nname: inner\ncorrelation:\n    type: event_count\n    rules: [b]\n    group-by: [userIdentity.arn]\n    timespan: 10m\n    condition: {gte: 3}\n',
      base('b', 'X'),
    ].join('---\n');
    expect(parseSigmaText(text, 'c.yml').problems.map((p) => p.message)).toEqual([
      "correlation 'Outer': it groups by 'sourceIPAddress', which the correlation 'Inner' does not group by",
    ]);
  });

  it('aliases read the group from a different field per rule', () => {
    const text = [
      base('grant', 'CreateGrant'),
      base('use', 'Decrypt'),
      'title: Grantee uses it\ncorrelation:\n    type: temporal_ordered\n    rules: [grant, use]\n    group-by: [who]\n    timespan: 1h\n    aliases:\n        who:\n            grant: requestParameters.granteePrincipal\n            use: userIdentity.arn\n',
    ].join('---\n');
    const grant = ev('CreateGrant', 0, 'Admin', { requestParameters: { granteePrincipal: ALICE } });
    const hits = hitsOf(text, [grant, ev('Decrypt', 100, 'Alice'), ev('Decrypt', 200, 'Bob')]);
    expect(hits.map((h) => h.group)).toEqual([{ who: ALICE }]);
  });

  it('base rules report only with generate: true', () => {
    const rules = (generate: string) => `${base('denied', 'GetSecretValue')}---\n${correlation('event_count', ['denied'], `    condition: {gte: 2}\n    generate: ${generate}\n`)}`;
    const recs = [ev('GetSecretValue', 0), ev('GetSecretValue', 1)];
    expect(hitsOf(rules('false'), recs).map((h) => h.title)).toEqual(['Correlated']);
    expect(hitsOf(rules('true'), recs).map((h) => h.title)).toEqual(['denied', 'denied', 'Correlated']);
    // A base rule chosen without its correlation (say by --min-severity) still does not report alone.
    const baseOnly = rulesOf(rules('false')).filter((r) => r.kind === 'detection');
    expect(run(baseOnly, recs)).toEqual([]);
  });
});

describe('order and bounds', () => {
  const rules = `${base('denied', 'GetSecretValue')}---\n${correlation('event_count', ['denied'], '    condition:\n        gte: 3\n')}`;
  const burst = (who: string, start: number) => [0, 10, 20, 30].map((s) => ev('GetSecretValue', start + s, who));

  it('records in any order give the hits of time order', () => {
    const ordered = [...burst('A', 0), ...burst('B', 5), ...burst('A', 500), ...[0, 200, 400].map((s) => ev('GetSecretValue', s, 'C'))];
    const expected = hitsOf(rules, ordered);
    // A window is reported when it closes: A's first when A is seen again, B's at the end.
    expect(expected.map((h) => [h.group?.['userIdentity.arn'].slice(-1), h.count, h.firstTime])).toEqual([
      ['A', 4, at(0)],
      ['A', 4, at(500)],
      ['B', 4, at(5)],
    ]);
    // Reverse, and a fixed shuffle (files of one region after another, each file in order).
    const shuffled = [ordered.slice(8), ordered.slice(0, 8)].flat().reverse();
    const sortHits = (hs: typeof expected) => hs.map((h) => JSON.stringify([h.group, h.records])).sort();
    expect(sortHits(hitsOf(rules, shuffled))).toEqual(sortHits(expected));
    expect(sortHits(hitsOf(rules, [...ordered].reverse()))).toEqual(sortHits(expected));
  });

  it('beyond the reorder buffer a late record is dropped from its window, not misplaced', () => {
    const recs = [ev('GetSecretValue', 20), ev('GetSecretValue', 30), ev('GetSecretValue', 40), ev('GetSecretValue', 0)];
    // With a buffer of one match, the record of second 0 comes after the window of second 20 opened.
    const hits = hitsOf(rules, recs, { reorderWindow: 1 });
    expect(hits.map((h) => h.records)).toEqual([['GetSecretValue-Alice-20', 'GetSecretValue-Alice-30', 'GetSecretValue-Alice-40']]);
    expect(hitsOf(rules, recs).map((h) => h.records?.[0])).toEqual(['GetSecretValue-Alice-0']);
  });

  it('evicting a group keeps its certain hit; the records list is capped', () => {
    const many = Array.from({ length: 30 }, (_, i) => ev('GetSecretValue', i));
    const others = Array.from({ length: 10 }, (_, i) => ev('GetSecretValue', 31 + i, `other${i}`));
    const hits = hitsOf(rules, [...many, ...others], { stateLimit: 4, maxHitRecords: 5 });
    expect(hits.map((h) => [h.count, h.records?.length])).toEqual([[30, 5]]);
  });

  it('detection hits come out in time order whatever the file order', () => {
    const plain = rulesOf(base('plain', 'GetSecretValue').replace('title: plain', 'title: plain\nid: plain'));
    const recs = [ev('GetSecretValue', 30), ev('GetSecretValue', 10), ev('GetSecretValue', 20)];
    expect(run(plain, recs).map((h) => h.time)).toEqual([at(10), at(20), at(30)]);
  });

  it('a record without a readable time is reported at once and not correlated', () => {
    const untimed = { ...ev('GetSecretValue', 0), eventTime: 'yesterday' };
    const generated = rulesOf(`${base('denied', 'GetSecretValue')}---\n${correlation('event_count', ['denied'], '    condition: {gte: 2}\n    generate: true\n')}`);
    const hits = run(generated, [untimed, ev('GetSecretValue', 1)]);
    expect(hits.map((h) => [h.title, h.time])).toEqual([['denied', 'yesterday'], ['denied', at(1)]]);
  });

  it('copies of one record count as often as they are fed (the pipeline drops copies before any rule sees them)', () => {
    const one = ev('GetSecretValue', 0);
    expect(hitsOf(rules, [one, { ...one }, { ...one }]).length).toBeGreaterThan(0);
  });
});
