/**
 * The aggregators only the report uses: per-key timelines (on the AWS KMS guide's records, against
 * a textual test of which records name the key), detection hits grouped by rule, records by session
 * origin (on the hand-made session chains, against the chains their README states), and the
 * timeline's limit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isIssuingCall } from '../../../../src/cloudtrail/issuance.js';
import { originOf } from '../../../../src/cloudtrail/origins.js';
import type { JsonObject } from '../../../../src/cloudtrail/record.js';
import { SessionIndex } from '../../../../src/cloudtrail/session-index.js';
import type { Hit, Severity } from '../../../../src/rules/rule.js';
import { HitGroups } from '../../../../src/sinks/aggregators/hit-groups.js';
import { KeyTimelines } from '../../../../src/sinks/aggregators/key-timelines.js';
import { OriginTally } from '../../../../src/sinks/aggregators/origin-tally.js';
import { Timeline } from '../../../../src/sinks/aggregators/timeline.js';
import { FIXTURES } from '../../../helpers/run-cli.js';
import { K, KEY_0987, loadRecords, shuffled, webIdentityTwice } from '../../fixtures.js';

const ARN_0987 = `arn:aws:kms:us-west-2:111122223333:key/${KEY_0987}`;
const MRK = 'mrk-1234abcd12ab34cd56ef1234567890ab';

function timelines(keys: string[], records: readonly JsonObject[], cap?: number) {
  const t = new KeyTimelines(keys, cap);
  for (const r of records) t.add(r);
  return t.result();
}

describe('KeyTimelines', () => {
  const named = loadRecords(K).filter((r) => JSON.stringify(r).includes(KEY_0987));
  const listed = named.filter((r) => r.readOnly !== true || typeof r.errorCode === 'string');
  const reads = named.filter((r) => !listed.includes(r));

  it('lists what changed the key or failed, in time order; counts the successful reads by operation', () => {
    expect(listed.length).toBeGreaterThan(0);
    expect(reads.length).toBeGreaterThan(0);
    const [t] = timelines([ARN_0987], loadRecords(K));
    expect(t.key).toBe(ARN_0987);
    expect(t.entries.map((e) => e.eventId)).toEqual(
      [...listed].sort((a, b) => (a.eventTime as string).localeCompare(b.eventTime as string)).map((r) => r.eventID),
    );
    expect(t.omitted).toBe(0);
    const byName = new Map<string, number>();
    for (const r of reads) byName.set(r.eventName as string, (byName.get(r.eventName as string) ?? 0) + 1);
    expect(t.readOnly.total).toBe(reads.length);
    expect(Object.fromEntries(t.readOnly.operations.map((o) => [o.value, o.count]))).toEqual(Object.fromEntries(byName));
  });

  it('the same whatever the order the records come in', () => {
    expect(timelines([ARN_0987], shuffled(loadRecords(K), 3))).toEqual(timelines([ARN_0987], loadRecords(K)));
  });

  it('keeps the earliest `cap` events of a key and counts the rest', () => {
    const [t] = timelines([ARN_0987], loadRecords(K), 2);
    const earliest = [...listed].sort((a, b) => (a.eventTime as string).localeCompare(b.eventTime as string)).slice(0, 2);
    expect(t.entries.map((e) => e.eventId)).toEqual(earliest.map((r) => r.eventID));
    expect(t.omitted).toBe(listed.length - 2);
  });

  it('a multi-Region key by ARN: its own region only, not its replicas', () => {
    const elsewhere = loadRecords(K).filter((r) => JSON.stringify(r).includes(MRK) && r.awsRegion === 'ap-northeast-1');
    expect(elsewhere.length).toBeGreaterThan(0);
    const [t] = timelines([`arn:aws:kms:us-west-2:111122223333:key/${MRK}`], loadRecords(K));
    expect(t.entries.length + t.readOnly.total).toBeGreaterThan(0);
    for (const e of t.entries) expect(e.region).toBe('us-west-2');
  });

  it('records naming no followed key, and references that are not keys, change nothing', () => {
    expect(timelines(['alias/x', 'not-an-arn:'], loadRecords(K))).toEqual([
      { key: 'not-an-arn:', entries: [], omitted: 0, readOnly: { total: 0, operations: [] } },
    ]);
  });
});

describe('HitGroups', () => {
  const hit = (rule: string, severity: Severity, n: number): Hit => ({
    rule,
    severity,
    title: `title of ${rule}`,
    time: `2024-03-01T10:00:0${n}Z`,
    eventName: 'Decrypt',
    principal: 'p',
    reason: `reason ${n}`,
  });

  it('groups by rule, most severe first, then the most hits, then by ID, counting every hit and keeping the first of each', () => {
    const groups = new HitGroups(2);
    for (const h of [hit('KMS-013', 'medium', 1), hit('KMS-001', 'high', 2), hit('KMS-013', 'medium', 3), hit('KMS-009', 'low', 4), hit('KMS-013', 'medium', 5), hit('KMS-003', 'medium', 6)]) {
      groups.add(h);
    }
    expect(groups.hits).toBe(6);
    const result = groups.result();
    expect(result.map((g) => [g.rule, g.hits, g.listed.length, g.omitted])).toEqual([
      ['KMS-001', 1, 1, 0],
      ['KMS-013', 3, 2, 1],
      ['KMS-003', 1, 1, 0],
      ['KMS-009', 1, 1, 0],
    ]);
    expect(result[1].listed.map((h) => h.reason)).toEqual(['reason 1', 'reason 3']);
  });
});

describe('OriginTally', () => {
  const load = (file: string) => (JSON.parse(readFileSync(join(FIXTURES, 'sessions', file), 'utf8')) as { Records: JsonObject[] }).Records;

  function tally(records: readonly JsonObject[], cap?: number) {
    const index = new SessionIndex();
    for (const r of records) if (isIssuingCall(r.eventSource as string, r.eventName as string)) index.addRecord(r);
    const t = new OriginTally((record) => originOf(record, index), cap);
    const kms = records.filter((r) => r.eventSource === 'kms.amazonaws.com');
    for (const r of kms) t.add(r);
    return { kms, result: t.result(10) };
  }

  it('the chains the session fixtures are made of (their README), one record each', () => {
    const { kms, result } = tally([...load('role-chains.json'), ...load('saml.json')]);
    expect(result.rows).toEqual([
      { origin: 'arn:aws:iam::111122223333:user/alice', chain: 'alice → Admin → BreakGlass', records: 1 },
      { origin: 'arn:aws:iam::111122223333:user/bob', chain: 'bob → Admin → BreakGlass → KeyAdmin', records: 1 },
      { origin: 'priya@corp.example (Okta)', chain: 'priya@corp.example → SAML-Engineers', records: 1 },
    ]);
    expect(result.rows.reduce((sum, r) => sum + r.records, 0)).toBe(kms.length);
    expect(result.distinct).toBe(3);
  });

  it('one subject through two providers is two origins, each named with its provider', () => {
    const { result } = tally(webIdentityTwice());
    expect(result.rows.map((r) => [r.origin, r.records]).sort()).toEqual([
      ['repo:acme/payments:ref:refs/heads/main (gitlab.example.com)', 1],
      ['repo:acme/payments:ref:refs/heads/main (token.actions.githubusercontent.com)', 1],
    ]);
  });

  it('an origin reached by two chains is two rows; past the cap, records are counted apart', () => {
    const { result } = tally(load('session-token.json'));
    expect(result.rows.map((r) => r.chain).sort()).toEqual(['carol → carol (GetSessionToken)', 'carol → carol (GetSessionToken) → Admin']);
    const capped = tally(load('session-token.json'), 1).result;
    expect(capped.rows).toHaveLength(1);
    expect(capped.other).toBe(1);
  });
});

describe('Timeline with a limit', () => {
  it('keeps the earliest events whatever the order, counting the others', () => {
    const records = loadRecords(K);
    const all = new Timeline();
    for (const r of records) all.add(r);
    for (const seed of [1, 2, 3]) {
      const limited = new Timeline(5);
      for (const r of shuffled(records, seed)) limited.add(r);
      expect(limited.size).toBe(records.length);
      expect(limited.omitted).toBe(records.length - 5);
      expect(limited.entries().map((e) => e.time)).toEqual(all.entries().slice(0, 5).map((e) => e.time));
    }
  });
});
