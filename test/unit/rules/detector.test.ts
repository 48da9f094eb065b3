/**
 * The detector: built-in and Sigma rules side by side on the same records, their hits merged in
 * time order; and the hot-field needs of a rule choice, which must never rule out a record that
 * one of the chosen rules would have hit (checked against the detector itself on random records).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { buildRecordFilter } from '../../../src/filters/record-filter.js';
import { emptyFilterSpec } from '../../../src/filters/filter-spec.js';
import { chooseRules, RULES, type RuleChoice } from '../../../src/rules/catalog.js';
import { Detector, hotNeeds, narrowedFilter } from '../../../src/rules/detector.js';
import { DEFAULT_SETTINGS, type Hit } from '../../../src/rules/rule.js';
import { parseSigmaText } from '../../../src/rules/sigma/load-rules.js';
import type { SigmaRule } from '../../../src/rules/sigma/sigma-rule.js';
import { K, pick } from '../fixtures.js';
import { record, ruleText } from './sigma/sigma-helpers.js';

function sigmaRules(...detections: string[]): SigmaRule[] {
  return detections.flatMap((d, i) => {
    const set = parseSigmaText(ruleText(d).replace('id: test-rule', `id: rule-${i}`).replace('title: Test rule', `title: Rule ${i}`), `r${i}.yml`);
    expect(set.problems).toEqual([]);
    return set.rules;
  });
}

const choice = (builtin: string[], sigma: SigmaRule[]): RuleChoice => ({ builtin: RULES.filter((r) => builtin.includes(r.id)), sigma });

function detect(rules: RuleChoice, records: readonly JsonObject[], reorderWindow?: number): Hit[] {
  const hits: Hit[] = [];
  const detector = new Detector(rules, DEFAULT_SETTINGS, (h) => hits.push(h), reorderWindow);
  records.forEach((r, i) => detector.feed(r, { file: 'records.json', line: i + 1 }));
  detector.end();
  return hits;
}

const kms = (eventName: string, eventTime: string, extra: JsonObject = {}) =>
  record({ eventSource: 'kms.amazonaws.com', eventName, eventTime, requestParameters: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }, ...extra });

describe('Detector', () => {
  it('merges built-in and Sigma hits into one stream in time order, whatever the arrival order', () => {
    const rules = choice(['KMS-003'], sigmaRules('sel:\n    eventName: DeleteTrail\ncondition: sel'));
    const records = [
      kms('DisableKey', '2024-03-01T10:00:05Z', { eventID: 'disable-2' }),
      record({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'DeleteTrail', eventTime: '2024-03-01T10:00:03Z', eventID: 'trail-1' }),
      kms('DisableKey', '2024-03-01T10:00:01Z', { eventID: 'disable-1' }),
      record({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'DeleteTrail', eventTime: '2024-03-01T10:00:09Z', eventID: 'trail-2' }),
    ];
    const hits = detect(rules, records);
    expect(hits.map((h) => [h.eventId, h.rule, h.source])).toEqual([
      ['disable-1', 'KMS-003', 'builtin'],
      ['trail-1', 'rule-0', 'sigma'],
      ['disable-2', 'KMS-003', 'builtin'],
      ['trail-2', 'rule-0', 'sigma'],
    ]);
    // Each engine lets go of its hits only at its end, the built-in one first: the interleaving
    // above is the merge's doing.
  });

  it('built-in rules see KMS events only; Sigma rules see every record; the stats say how many', () => {
    const rules = choice(['KMS-015'], sigmaRules('sel:\n    userIdentity.type: Root\ncondition: sel'));
    const root = { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' };
    const records = [kms('ListKeys', '2024-03-01T10:00:00Z', { userIdentity: root }), record({ userIdentity: root, eventName: 'ListUsers' })];
    const hits: Hit[] = [];
    const detector = new Detector(rules, DEFAULT_SETTINGS, (h) => hits.push(h));
    for (const r of records) detector.feed(r);
    detector.end();
    expect(hits.map((h) => [h.rule, h.eventName])).toEqual([
      ['KMS-015', 'ListKeys'],
      ['rule-0', 'ListKeys'],
      ['rule-0', 'ListUsers'],
    ]);
    expect(detector.stats).toMatchObject({ builtinRules: 1, kmsEvents: 1, sigmaRules: 1, sigmaRecords: 2, hits: 3 });
  });

  it('a hit without a readable time is told at once, not held for the merge', () => {
    const rules = choice(['KMS-003'], sigmaRules('sel:\n    eventName: DisableKey\ncondition: sel'));
    const hits = detect(rules, [kms('DisableKey', 'yesterday', { eventID: 'untimed' }), kms('DisableKey', '2024-03-01T10:00:00Z', { eventID: 'timed' })]);
    expect(hits.map((h) => [h.eventId, h.at])).toEqual([
      ['untimed', undefined],
      ['untimed', undefined],
      ['timed', Date.UTC(2024, 2, 1, 10)],
      ['timed', Date.UTC(2024, 2, 1, 10)],
    ]);
  });
});

describe('hotNeeds', () => {
  it('built-in rules alone need KMS events, of any name; notifications are let through for the reader to name', () => {
    const needs = hotNeeds(choice(['KMS-001'], []))!;
    expect(needs.fields).toEqual(['eventSource']);
    expect(needs.accepts('eventSource', 'kms.amazonaws.com')).toBe(true);
    expect(needs.accepts('eventSource', 's3.amazonaws.com')).toBe(false);
    expect(needs.accepts('eventSource', 'aws:s3')).toBe(true);
    expect(needs.accepts('eventName', 'AnythingAtAll')).toBe(true);
  });

  it('Sigma rules alone: the event names and sources their detections name, in any case', () => {
    const needs = hotNeeds(choice([], sigmaRules('sel:\n    eventSource: iam.amazonaws.com\n    eventName: CreateUser\ncondition: sel', 'sel:\n    eventName: DeleteTrail\ncondition: sel')))!;
    expect(needs.fields).toEqual(['eventName']);
    expect(needs.accepts('eventName', 'createuser')).toBe(true);
    expect(needs.accepts('eventName', 'DeleteTrail')).toBe(true);
    expect(needs.accepts('eventName', 'ListUsers')).toBe(false);
    // The second rule leaves the source open: no source can be ruled out.
    expect(needs.accepts('eventSource', 'ec2.amazonaws.com')).toBe(true);
  });

  it('both: a field rules out only what neither side could match', () => {
    const needs = hotNeeds(choice(['KMS-003'], sigmaRules('sel:\n    eventSource: cloudtrail.amazonaws.com\ncondition: sel')))!;
    expect(needs.fields).toEqual(['eventSource']);
    expect(needs.accepts('eventSource', 'kms.amazonaws.com')).toBe(true);
    expect(needs.accepts('eventSource', 'cloudtrail.amazonaws.com')).toBe(true);
    expect(needs.accepts('eventSource', 'ec2.amazonaws.com')).toBe(false);
  });

  it('nothing to rule out when a Sigma rule leaves both fields open', () => {
    expect(hotNeeds(choice(['KMS-003'], sigmaRules('sel:\n    userIdentity.type: Root\ncondition: sel')))).toBeUndefined();
    expect(hotNeeds(choice([], sigmaRules('sel:\n    userAgent: TruffleHog\ncondition: sel')))).toBeUndefined();
  });

  it('narrowedFilter: the user filter and the needs, in the pre-check and in matches; the spec stays the user\'s', () => {
    const spec = { ...emptyFilterSpec(), sources: [], regions: ['us-east-1'] };
    const base = buildRecordFilter(spec);
    const filter = narrowedFilter(base, hotNeeds(choice(['KMS-003'], [])));
    expect(filter.spec).toBe(spec);
    expect(filter.acceptsAll).toBe(false);
    expect(filter.hot?.fields).toEqual(['eventSource']);
    expect(filter.hot?.accept('eventSource', 'kms.amazonaws.com')).toBe(true);
    expect(filter.hot?.accept('eventSource', 'iam.amazonaws.com')).toBe(false);
    expect(filter.prefilter({ eventSource: 'iam.amazonaws.com' })).toBe(false);
    expect(filter.matches(kms('DisableKey', '2024-03-01T10:00:00Z'))).toBe(true);
    expect(filter.matches(kms('DisableKey', '2024-03-01T10:00:00Z', { awsRegion: 'eu-west-1' }))).toBe(false);
    expect(filter.matches(record())).toBe(false);
    // A value the engines judge themselves (not a string) is never ruled out here.
    expect(filter.matches(record({ eventSource: 42 }))).toBe(true);
    expect(narrowedFilter(base, undefined)).toBe(base);
  });
});

describe('hot needs never rule out a hit (random records, built-in and Sigma rules)', () => {
  const NAMES = ['Decrypt', 'DisableKey', 'ScheduleKeyDeletion', 'CreateUser', 'DeleteTrail', 'ListBuckets', 'StopLogging', 'ConsoleLogin'];
  const SOURCES = ['kms.amazonaws.com', 'iam.amazonaws.com', 'cloudtrail.amazonaws.com', 's3.amazonaws.com', 'signin.amazonaws.com'];
  const SIGMA = [
    'sel:\n    eventSource: cloudtrail.amazonaws.com\n    eventName:\n        - DeleteTrail\n        - StopLogging\ncondition: sel',
    'sel:\n    eventName|startswith: Create\ncondition: sel',
    'sel:\n    eventSource: iam.amazonaws.com\ncondition: sel',
    'sel:\n    eventName: ConsoleLogin\n    errorCode: null\ncondition: sel',
  ];
  const template = pick(K, { eventName: 'DisableKey' });
  const recordArb = fc.record({
    eventName: fc.constantFrom(...NAMES, 'disablekey', 'createuser'),
    eventSource: fc.constantFrom(...SOURCES),
    second: fc.integer({ min: 0, max: 3000 }),
    failed: fc.boolean(),
  });

  it('the detector finds the same hits on the records the narrowed filter keeps as on all records', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 40 }),
        fc.subarray(RULES.map((r) => r.id)),
        fc.subarray(SIGMA),
        (specs, builtin, detections) => {
          const rules = chooseRules({ ids: [], builtin: true, sigma: sigmaRules(...detections) }) as RuleChoice;
          const chosen = { builtin: rules.builtin.filter((r) => builtin.includes(r.id)), sigma: rules.sigma };
          if (chosen.builtin.length + chosen.sigma.length === 0) return;
          const records = specs.map((s, i) => ({
            ...template,
            eventID: `e-${i}`,
            eventName: s.eventName,
            eventSource: s.eventSource,
            eventTime: new Date(Date.UTC(2024, 2, 1) + s.second * 1000).toISOString().replace('.000Z', 'Z'),
            ...(s.failed ? { errorCode: 'AccessDenied' } : {}),
          }));
          const filter = narrowedFilter(buildRecordFilter({ ...emptyFilterSpec(), sources: [] }), hotNeeds(chosen));
          const kept = records.filter(
            (r) => filter.prefilter({ eventName: r.eventName, eventSource: r.eventSource, eventTime: r.eventTime }) && filter.matches(r),
          );
          const ids = (hits: Hit[]) => hits.map((h) => `${h.rule} ${h.eventId} ${h.reason}`);
          expect(ids(detect(chosen, kept))).toEqual(ids(detect(chosen, records)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
