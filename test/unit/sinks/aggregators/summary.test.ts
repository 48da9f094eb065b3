/**
 * The counts behind `kmstrail summary`, on real records (kms-docs, the SANS lab trail) against
 * counts made here by plain grouping, and on crafted records for the caps and the ordering rules.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { originOf } from '../../../../src/cloudtrail/origins.js';
import type { JsonObject } from '../../../../src/cloudtrail/record.js';
import { SessionIndex } from '../../../../src/cloudtrail/session-index.js';
import { FIXTURES } from '../../../helpers/run-cli.js';
import { OriginTally } from '../../../../src/sinks/aggregators/origin-tally.js';
import { SummaryAggregator, type SummaryResult, type TopTable } from '../../../../src/sinks/aggregators/summary.js';
import { derive, loadRecords, pick, shuffled, webIdentityTwice } from '../../fixtures.js';
import { HAVE_SANS, sansKmsRecords } from '../../sans-records.js';

/** Written out rather than imported: the test states which events the summary lists. */
const DESTRUCTIVE = ['ScheduleKeyDeletion', 'DisableKey', 'PutKeyPolicy', 'CreateGrant', 'DeleteImportedKeyMaterial', 'DisableKeyRotation'];

function summarise(records: readonly JsonObject[], top = 10, aggregator = new SummaryAggregator()): SummaryResult {
  for (const r of records) aggregator.add(r);
  return aggregator.result(top);
}

/** Count, sort by count then value, cut: the same ranking the tool should make, by other means. */
function ranking(values: readonly string[], top = 10): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, top);
}

const rowsOf = (t: TopTable) => t.rows.map((r) => [r.value, r.count]);


describe('on the 67 KMS records of kms-docs', () => {
  const records = loadRecords('kms-docs.json').filter((r) => r.eventSource === 'kms.amazonaws.com');
  const result = summarise(records);
  const strings = (field: string) => records.map((r) => r[field]).filter((v): v is string => typeof v === 'string' && v !== '');

  it('counts the records and their time span', () => {
    expect(result.records).toBe(67);
    const times = strings('eventTime').sort();
    expect(result.timeSpan).toEqual({ first: times[0], last: times.at(-1), unreadable: 0 });
  });

  it('ranks event names, source IPs, regions and error codes by count, then by name', () => {
    expect(rowsOf(result.eventNames)).toEqual(ranking(strings('eventName')));
    expect(result.eventNames.distinct).toBe(new Set(strings('eventName')).size);
    expect(rowsOf(result.sourceIps)).toEqual(ranking(strings('sourceIPAddress')));
    expect(rowsOf(result.regions)).toEqual(ranking(strings('awsRegion')));
    expect(rowsOf(result.errorCodes)).toEqual(ranking(strings('errorCode')));
  });

  it('shares are of all records summarised, to 4 decimals', () => {
    for (const row of result.eventNames.rows) expect(row.share).toBe(Math.round((row.count / 67) * 10_000) / 10_000);
    expect(result.eventNames.rows[0]).toEqual({ value: 'Decrypt', count: 7, share: 0.1045 });
  });

  it('principals by ARN, else the service or name that made the call', () => {
    const labels = records.map((r) => {
      const id = (r.userIdentity ?? {}) as { arn?: string; invokedBy?: string };
      return id.arn ?? id.invokedBy ?? '';
    });
    expect(rowsOf(result.principals)).toEqual(ranking(labels));
  });

  it('keys by key ID, each record counted once per key it names', () => {
    // Every key ID here appears in some key ARN; a record names the IDs its text holds anywhere.
    const known = new Set(records.flatMap((r) => [...JSON.stringify(r).matchAll(/:key\/([0-9a-z-]+)/g)].map((m) => m[1])));
    const ids = records.flatMap((r) => [...known].filter((id) => JSON.stringify(r).includes(id)));
    expect(rowsOf(result.keys)).toEqual(ranking(ids));
  });

  it('read-only against mutating, and errors', () => {
    expect(result.readOnly).toEqual({
      readOnly: records.filter((r) => r.readOnly === true).length,
      mutating: records.filter((r) => r.readOnly === false).length,
      unknown: 0,
    });
    expect(result.errors).toBe(records.filter((r) => r.errorCode).length);
  });

  it('lists each destructive or policy event, in eventTime order', () => {
    const expected = records
      .filter((r) => DESTRUCTIVE.includes(String(r.eventName)))
      .map((r) => [r.eventTime, r.eventName, r.eventID])
      .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0));
    expect(result.destructiveOrPolicy.total).toBe(8);
    expect(result.destructiveOrPolicy.omitted).toBe(0);
    expect(result.destructiveOrPolicy.listed.map((e) => [e.time, e.event, e.eventId])).toEqual(expected);
    const first = pick('kms-docs.json', { eventID: 'abcde202-ba1a-467c-b4ba-f729d45ae521', eventName: 'DisableKey' });
    expect(result.destructiveOrPolicy.listed[0]).toEqual({
      time: '2014-11-04T00:52:43Z',
      event: 'DisableKey',
      principal: 'arn:aws:iam::111122223333:user/Alice',
      key: '1234abcd-12ab-34cd-56ef-1234567890ab',
      // The full ARN the record names the key by (the guide's example says us-west-2 there).
      keyArn: ((first.resources as JsonObject[])[0] as { ARN: string }).ARN,
      region: 'us-east-1',
      sourceIp: '192.0.2.0',
      error: null,
      eventId: 'abcde202-ba1a-467c-b4ba-f729d45ae521',
    });
  });

  it('--top n keeps the n first rows and the distinct count', () => {
    const top3 = summarise(records, 3);
    expect(rowsOf(top3.eventNames)).toEqual(ranking(strings('eventName'), 3));
    expect(top3.eventNames.distinct).toBe(46);
  });

  it('--by role: role sessions are counted as their role, other principals as they are', () => {
    const byRole = summarise(records, 100, new SummaryAggregator(undefined, undefined, 'role'));
    expect(byRole.principalsBy).toBe('role');
    const role = (r: JsonObject) => {
      const identity = r.userIdentity as JsonObject;
      const issuer = (identity.sessionContext as JsonObject | undefined)?.sessionIssuer as JsonObject | undefined;
      return identity.type === 'AssumedRole' ? (issuer?.arn as string) : ((identity.arn ?? identity.invokedBy) as string);
    };
    expect(rowsOf(byRole.principals)).toEqual(ranking(records.map(role).filter((v) => v), 100));
    expect(byRole.principals.rows.some((row) => /^arn:aws:iam::\d{12}:role\//.test(row.value))).toBe(true);
    expect(byRole.principals.rows.some((row) => row.value.includes(':assumed-role/'))).toBe(false);
  });

  it('keys carry the ARN the records name them by', () => {
    // Every key ARN anywhere in the records, by key ID: a plain textual search.
    const arns = new Map<string, Set<string>>();
    for (const r of records) {
      for (const [, arn, id] of JSON.stringify(r).matchAll(/"(arn:aws:kms:[^:"]+:\d+:key\/([^"]+))"/g)) {
        arns.set(id.toLowerCase(), (arns.get(id.toLowerCase()) ?? new Set()).add(arn));
      }
    }
    const rows = summarise(records, 100).keys.rows;
    expect(rows.filter((row) => row.arn).length).toBeGreaterThan(1);
    for (const row of rows) {
      const seen = [...(arns.get(row.value) ?? [])];
      // One ARN: that one; none, or several (the guide's examples name one key in two regions): null.
      expect(row.arn).toBe(seen.length === 1 ? seen[0] : null);
    }
  });

  it('the destructive list holds the earliest n when asked for n (--top)', () => {
    const all = result.destructiveOrPolicy.listed;
    const three = summarise(records, 3, new SummaryAggregator(undefined, 3)).destructiveOrPolicy;
    expect(three.listed).toEqual(all.slice(0, 3));
    expect(three.omitted).toBe(all.length - 3);
  });

  it('the same result for any order of the records', () => {
    for (const seed of [1, 2, 3]) expect(summarise(shuffled(records, seed))).toEqual(result);
    expect(summarise([...records].reverse())).toEqual(result);
  });
});

describe('crafted cases', () => {
  const decrypt = pick('kms-docs.json', { eventName: 'Decrypt', eventTime: '2021-10-26T23:41:27Z' });

  it('past the cap, new values go to (other) and the table says it was capped', () => {
    const ips = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.1', '198.51.100.5'];
    const result = summarise(
      ips.map((ip) => derive(decrypt, { sourceIPAddress: ip })),
      10,
      new SummaryAggregator(3),
    );
    expect(result.sourceIps).toEqual({
      distinct: 3,
      capped: true,
      other: 2,
      rows: [
        { value: '198.51.100.1', count: 2, share: 0.3333 },
        { value: '198.51.100.2', count: 1, share: 0.1667 },
        { value: '198.51.100.3', count: 1, share: 0.1667 },
      ],
    });
    expect(result.regions.capped).toBe(false);
    expect(result.caps.distinctValues).toBe(3);
  });

  it('past the list cap, the earliest destructive events are kept whatever the arrival order', () => {
    const disable = pick('kms-docs.json', { eventName: 'DisableKey' });
    const times = ['2024-01-05T00:00:00Z', '2024-01-01T00:00:00Z', '2024-01-04T00:00:00Z', '2024-01-02T00:00:00Z', '2024-01-03T00:00:00Z'];
    const records = times.map((t, i) => derive(disable, { eventTime: t, eventID: `id-${i}` }));
    for (const order of [records, [...records].reverse(), shuffled(records, 5)]) {
      const d = summarise(order, 10, new SummaryAggregator(100, 2)).destructiveOrPolicy;
      expect(d.listed.map((e) => e.time)).toEqual(['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z']);
      expect(d.total).toBe(5);
      expect(d.omitted).toBe(3);
    }
  });

  it('records without a readable eventTime are counted, and said to be', () => {
    const result = summarise([decrypt, derive(decrypt, { eventTime: 'soon' }), derive(decrypt, { eventTime: undefined })]);
    expect(result.records).toBe(3);
    expect(result.timeSpan).toEqual({ first: '2021-10-26T23:41:27Z', last: '2021-10-26T23:41:27Z', unreadable: 2 });
  });

  it('readOnly as a string counts; a record without it is "unknown"', () => {
    const result = summarise([derive(decrypt, { readOnly: 'true' }), derive(decrypt, { readOnly: 'false' }), derive(decrypt, { readOnly: undefined })]);
    expect(result.readOnly).toEqual({ readOnly: 1, mutating: 1, unknown: 1 });
  });

  it('a record naming a key by alias only counts under the alias', () => {
    const byAlias = derive(decrypt, { requestParameters: { keyId: 'alias/app' }, resources: [] });
    expect(rowsOf(summarise([byAlias, decrypt]).keys)).toEqual([
      ['1234abcd-12ab-34cd-56ef-1234567890ab', 1],
      ['alias/app', 1],
    ]);
  });

  it('an empty input summarises to zeros', () => {
    const result = summarise([]);
    expect(result.records).toBe(0);
    expect(result.timeSpan).toEqual({ first: null, last: null, unreadable: 0 });
    expect(result.eventNames).toEqual({ distinct: 0, capped: false, other: 0, rows: [] });
  });
});

describe.skipIf(!HAVE_SANS)('on the SANS 504 lab trail (6,235 KMS records)', () => {
  it('event names, principals and time span', () => {
    const records = sansKmsRecords();
    const result = summarise(records);
    expect(result.records).toBe(6_235);
    expect(rowsOf(result.eventNames)).toEqual([
      ['GenerateDataKey', 5_097],
      ['Decrypt', 1_132],
      ['CreateAlias', 2],
      ['CreateKey', 2],
      ['ListAliases', 2],
    ]);
    const principals = records.map((r) => {
      const id = r.userIdentity as { arn?: string; invokedBy?: string };
      return id.arn ?? id.invokedBy ?? '';
    });
    expect(rowsOf(result.principals)).toEqual(ranking(principals));
    const times = records.map((r) => String(r.eventTime)).sort();
    expect(result.timeSpan).toEqual({ first: times[0], last: times.at(-1), unreadable: 0 });
    expect(result.destructiveOrPolicy.total).toBe(0);
    expect(summarise(shuffled(records, 11))).toEqual(result);
  });
});

describe('the origins table', () => {
  it('counts each record under the identity behind its session; unresolved ones under their last link', () => {
    const load = (f: string) => (JSON.parse(readFileSync(join(FIXTURES, 'sessions', f), 'utf8')) as { Records: JsonObject[] }).Records;
    const records = [...load('role-chains.json'), ...load('missing-issuer.json')];
    const index = new SessionIndex();
    for (const r of records) index.addRecord(r);
    const summary = new SummaryAggregator(undefined, undefined, 'session', (r) => originOf(r, index));
    for (const r of records) summary.add(r);
    const rows = summary.result(10).origins!.rows;
    // role-chains.json: alice's 3 calls (2 AssumeRole, 1 Decrypt) and her denied try; bob's 4 (README).
    expect(rows.find((r) => r.value === 'alice')).toMatchObject({ kind: 'iam-user', count: 4, identity: 'arn:aws:iam::111122223333:user/alice' });
    expect(rows.find((r) => r.value === 'bob')).toMatchObject({ kind: 'iam-user', count: 4 });
    // missing-issuer.json: both records lead back to an Admin session whose AssumeRole is absent.
    expect(rows.find((r) => r.kind === 'unresolved')).toMatchObject({ value: '? → Admin', count: 2 });
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(records.length);
  });

  it('one subject through two providers is two users: a row each, its provider named', () => {
    const records = webIdentityTwice();
    const index = new SessionIndex();
    for (const r of records) index.addRecord(r);
    const summary = new SummaryAggregator(undefined, undefined, 'session', (r) => originOf(r, index));
    for (const r of records) summary.add(r);
    const rows = summary.result(10).origins!.rows.filter((r) => r.kind === 'web-identity-user');
    expect(rows.map((r) => [r.value, r.provider, r.count]).sort()).toEqual([
      ['repo:acme/payments:ref:refs/heads/main', 'gitlab.example.com', 2],
      ['repo:acme/payments:ref:refs/heads/main', 'token.actions.githubusercontent.com', 2],
    ]);
  });

  /** The rows of the origins table (federated kinds) and of the report's origins section, of these records. */
  function federatedOrigins(records: JsonObject[]) {
    const index = new SessionIndex();
    for (const r of records) index.addRecord(r);
    const summary = new SummaryAggregator(undefined, undefined, 'session', (r) => originOf(r, index));
    const tally = new OriginTally((r) => originOf(r, index));
    for (const r of records) {
      summary.add(r);
      tally.add(r);
    }
    const rows = summary.result(10).origins!.rows.filter((r) => r.kind !== 'unresolved');
    return { rows: rows.map((r) => [r.value, r.provider, r.count]), report: tally.result(10).rows.map((r) => [r.origin, r.records]) };
  }

  it('one provider registered in two accounts is one provider: its subject is one user, in summary and report alike', () => {
    // The second sign-in through GitHub's provider as registered in account 444455556666.
    const records = webIdentityTwice().map((r) => JSON.parse(JSON.stringify(r).replaceAll('gitlab.example.com', 'token.actions.githubusercontent.com')) as JsonObject);
    const moved = records.slice(2).map((r) => JSON.parse(JSON.stringify(r).replaceAll('111122223333', '444455556666')) as JsonObject);
    const { rows, report } = federatedOrigins([...records.slice(0, 2), ...moved]);
    expect(rows).toEqual([['repo:acme/payments:ref:refs/heads/main', 'token.actions.githubusercontent.com', 4]]);
    expect(report.reduce((n, [, count]) => n + (count as number), 0)).toBe(4);
    expect(new Set(report.map(([origin]) => origin))).toEqual(new Set(['repo:acme/payments:ref:refs/heads/main (token.actions.githubusercontent.com)']));
  });

  it('a failed SAML sign-in is the same user as the successful one (its request names the provider)', () => {
    const records = (JSON.parse(readFileSync(join(FIXTURES, 'sessions', 'saml.json'), 'utf8')) as { Records: JsonObject[] }).Records;
    const failed = { ...records[0], eventID: 'saml-failed', errorCode: 'AccessDenied', errorMessage: 'Not authorized', responseElements: null };
    const { rows } = federatedOrigins([...records, failed]);
    expect(rows).toEqual([['priya@corp.example', 'Okta', 3]]);
  });
});

