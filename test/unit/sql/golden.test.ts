/**
 * The Athena and CloudTrail Lake queries, compared exactly with reviewed files in
 * test/fixtures/sql/ (neither engine runs here; DuckDB's dialect is run in test/e2e/sql-duckdb.test.ts).
 * After a deliberate change: UPDATE_GOLDEN=1 npx vitest run test/unit/sql-golden.test.ts, then
 * read the diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filterSpecFromOptions, type RawFilterOptions } from '../../../src/cli/options/filter-options.js';
import { athenaQuery } from '../../../src/sql/athena.js';
import { lakeQuery } from '../../../src/sql/lake.js';
import { FIXTURES } from '../../helpers/run-cli.js';

const NOW = Date.UTC(2024, 2, 8, 12);
const DIR = join(FIXTURES, 'sql');

const SETS: Record<string, RawFilterOptions> = {
  // The README's triage question.
  'decrypt-alias': { key: ['alias/prod-db'], event: ['Decrypt'], since: '2024-03-01T00:00:00Z', until: '2024-03-02T00:00:00Z' },
  // Injection attempt stays a literal; globs with LIKE wildcards in them.
  'errors-user': { errors: true, errorCode: ['AccessDenied*'], user: ["x' OR 1=1 --", '*Admin_%*'] },
  'key-ip-region': {
    key: ['arn:aws:kms:us-west-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab', '1234abcd-12ab-34cd-56ef-1234567890ab'],
    sourceIp: ['203.0.113.0/24', '198.51.100.7'],
    readOnly: true,
    region: ['us-*'],
    account: ['111122223333'],
  },
  'all-sources-mutating': { allSources: true, mutating: true, errors: false, since: '7d' },
  // Other services' records: a key ARN anywhere in their request or response names the key.
  'all-sources-key': { allSources: true, key: ['1234abcd-12ab-34cd-56ef-1234567890ab'] },
  // An upper bound alone: the partitions end the day after it, as S3 listing would.
  'until-only': { event: ['ScheduleKeyDeletion'], until: '2024-03-02T00:00:00Z' },
};

function golden(name: string, actual: string): void {
  const file = join(DIR, `${name}.sql`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  // A missing golden file fails: written silently, it would make this test check nothing.
  expect(existsSync(file), `${file} is missing (UPDATE_GOLDEN=1 writes it; then review it)`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe.each(Object.entries(SETS))('%s', (name, options) => {
  const spec = filterSpecFromOptions(options, NOW);

  it('athena', () => golden(`athena-${name}`, athenaQuery(spec, { table: 'cloudtrail_logs' })));
  it('athena, partition projection', () =>
    golden(`athena-pp-${name}`, athenaQuery(spec, { table: 'security.cloudtrail_logs_pp', partitionColumn: 'timestamp' })));
  it('lake', () => golden(`lake-${name}`, lakeQuery(spec, { eds: 'EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE' })));
});

describe('refusals', () => {
  it('IPv6 source addresses are refused, not approximated', () => {
    const spec = filterSpecFromOptions({ sourceIp: ['2001:db8::/32'] }, NOW);
    expect(() => athenaQuery(spec, { table: 't' })).toThrow(/IPv6/);
    expect(() => lakeQuery(spec, { eds: 'x' })).toThrow(/IPv6/);
  });

  it('an event data store ID cannot carry SQL', () => {
    expect(() => lakeQuery(filterSpecFromOptions({}, NOW), { eds: 'x; DROP' })).toThrow(/event data store/);
    expect(lakeQuery(filterSpecFromOptions({}, NOW), { eds: 'arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/EXAMPLE-1' })).toContain(
      'FROM EXAMPLE-1\n',
    );
  });
});
