/**
 * Flags → FilterSpec: usage errors name the option, relative times count back from a given now,
 * and commander (through the shared flag table) hands filterSpecFromOptions what it expects.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { FILTER_OPTIONS, filterSpecFromOptions, type RawFilterOptions } from '../../../../src/cli/options/filter-options.js';
import { addOptions } from '../../../../src/cli/options/option-table.js';
import { UsageError } from '../../../../src/cli/messages.js';
import { KMS_SOURCE } from '../../../../src/cloudtrail/events.js';

const NOW = Date.UTC(2024, 2, 1, 12, 0, 0); // 2024-03-01T12:00:00Z
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The UsageError thrown for these options (fails the test if none, or another kind, is thrown). */
function usageError(options: RawFilterOptions): UsageError {
  try {
    filterSpecFromOptions(options, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`no UsageError for ${JSON.stringify(options)}`);
}

/** Parses argv with the real commander declarations, then builds the spec. */
function specFromArgv(...argv: string[]) {
  const command = addOptions(new Command(), FILTER_OPTIONS).exitOverride();
  command.parse(['node', 'kmstrail', ...argv]);
  return filterSpecFromOptions(command.opts<RawFilterOptions>(), NOW);
}

describe('usage errors name the option', () => {
  it.each(['yesterday', '2024-13-01', '2024-03-01T25:00:00Z', '7 days', '-7d', '', '1709294400'])('--since %j', (value) => {
    const error = usageError({ since: value });
    expect(error.message).toContain('--since');
    expect(error.message).toContain(`'${value}'`);
  });

  it.each(['tomorrow', '03/01/2024', '2024-03-01T10:00:00 UTC'])('--until %j', (value) => {
    const error = usageError({ until: value });
    expect(error.message).toContain('--until');
    expect(error.message).not.toContain('--since');
  });

  it('an empty window (--since not before --until)', () => {
    for (const options of [
      { since: '2024-03-01', until: '2024-03-01' },
      { since: '2024-03-02', until: '2024-03-01' },
      { since: '1d', until: '7d' }, // now-1d is after now-7d
      { since: '2024-03-01T12:00:00+01:00', until: '2024-03-01T11:00:00Z' }, // the same instant
    ]) {
      const error = usageError(options);
      expect(error.message).toContain('--since');
      expect(error.message).toContain('--until');
      expect(error.message).toContain('empty');
    }
  });

  it.each(['10.0.0.256', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/8/1', '10.0.0.0/x', 'AWS Internal', 'example.com', '10.0.0.0/-1'])(
    '--source-ip %j',
    (value) => {
      const error = usageError({ sourceIp: [value] });
      expect(error.message).toContain('--source-ip');
      expect(error.message).toContain(`'${value}'`);
    },
  );

  it('--source-ip names the bad entry of a comma list', () => {
    const error = usageError({ sourceIp: ['10.0.0.0/8,bogus,192.0.2.1'] });
    expect(error.message).toContain("'bogus'");
  });

  it.each([
    'arn:aws:s3:::bucket',
    'arn:aws:iam::111122223333:user/Alice',
    'arn:aws:kms:us-west-2:111122223333:grant/abc',
    'arn:aws:kms:us-west-2:111122223333:key/',
  ])('--key %j', (value) => {
    const error = usageError({ key: [value] });
    expect(error.message).toContain('--key');
    expect(error.message).toContain(`'${value}'`);
  });

  it.each(['abc', '1234-5678-9012', '11112222333a', 'arn:aws:iam::111122223333:root'])('--account %j', (value) => {
    const error = usageError({ account: [value] });
    expect(error.message).toContain('--account');
    expect(error.message).toContain(`'${value}'`);
  });

  // Regression guard (found by this suite, fixed): --account only checks for digits and * / ?, so a literal that cannot be an account ID (`--account 12345`, 5 digits) is accepted and silently matches
  it('--account rejects a literal that is not 12 digits', () => {
    const error = usageError({ account: ['12345'] });
    expect(error.message).toContain('--account');
  });

  it('accepts account globs', () => {
    expect(filterSpecFromOptions({ account: ['1111*', '11112222333?'] }, NOW).accounts).toEqual(['1111*', '11112222333?']);
  });

  it('--read-only with --mutating', () => {
    const error = usageError({ readOnly: true, mutating: true });
    expect(error.message).toContain('--read-only');
    expect(error.message).toContain('--mutating');
  });

  it('--all-sources with --source', () => {
    const error = usageError({ allSources: true, source: ['s3'] });
    expect(error.message).toContain('--all-sources');
    expect(error.message).toContain('--source');
  });

  it('--no-errors with --error-code (but --errors with --error-code is fine)', () => {
    const error = usageError({ errors: false, errorCode: ['AccessDenied'] });
    expect(error.message).toContain('--no-errors');
    expect(error.message).toContain('--error-code');
    expect(filterSpecFromOptions({ errors: true, errorCode: ['AccessDenied'] }, NOW)).toMatchObject({
      errors: true,
      errorCodes: ['AccessDenied'],
    });
  });

  it('the same errors arrive through commander', () => {
    expect(() => specFromArgv('--since', 'soon')).toThrow(UsageError);
    expect(() => specFromArgv('--read-only', '--mutating')).toThrow(/--read-only/);
    expect(() => specFromArgv('--no-errors', '--error-code', 'X')).toThrow(/--no-errors/);
    expect(() => specFromArgv('--all-sources', '--source', 's3')).toThrow(/--all-sources/);
  });
});

describe('times', () => {
  it.each([
    ['90m', NOW - 90 * MINUTE],
    ['24h', NOW - 24 * HOUR],
    ['7d', NOW - 7 * DAY],
    ['30s', NOW - 30_000],
    ['2w', NOW - 14 * DAY],
    ['1.5h', NOW - 90 * MINUTE],
    ['7D', NOW - 7 * DAY],
    [' 7 d ', NOW - 7 * DAY],
    ['0m', NOW],
  ])('relative --since %j counts back from now', (value, expected) => {
    expect(filterSpecFromOptions({ since: value }, NOW).since).toBe(expected);
  });

  it('relative --until too, and a window of two relative bounds', () => {
    const spec = filterSpecFromOptions({ since: '7d', until: '24h' }, NOW);
    expect(spec.since).toBe(NOW - 7 * DAY);
    expect(spec.until).toBe(NOW - DAY);
  });

  it('relative times depend on the now given, not on the clock', () => {
    const other = NOW + 365 * DAY;
    expect(filterSpecFromOptions({ since: '90m' }, other).since).toBe(other - 90 * MINUTE);
  });

  it('absolute forms', () => {
    expect(filterSpecFromOptions({ since: '2024-03-01' }, NOW).since).toBe(Date.UTC(2024, 2, 1));
    expect(filterSpecFromOptions({ since: '2024-03-01T10:00:00Z' }, NOW).since).toBe(Date.UTC(2024, 2, 1, 10));
    expect(filterSpecFromOptions({ since: '2024-03-01T10:00:00' }, NOW).since).toBe(Date.UTC(2024, 2, 1, 10)); // no zone: UTC
    expect(filterSpecFromOptions({ since: '2024-03-01 10:00:00.000' }, NOW).since).toBe(Date.UTC(2024, 2, 1, 10));
    expect(filterSpecFromOptions({ since: '2024-03-01T10:00:00+02:00' }, NOW).since).toBe(Date.UTC(2024, 2, 1, 8));
    expect(filterSpecFromOptions({ until: '2024-03-01T10:00:00.250Z' }, NOW).until).toBe(Date.UTC(2024, 2, 1, 10, 0, 0, 250));
  });

  // Regression guard (found by this suite, fixed): an impossible calendar date is accepted and rolled over by Date.parse instead of being rejected: `--since 2024-02-30` becomes 2024-03-01T00:00:00Z (
  it('--since 2024-02-30 (no such day) is a usage error', () => {
    const error = usageError({ since: '2024-02-30' });
    expect(error.message).toContain('--since');
  });

  it('no bounds when not given', () => {
    const spec = filterSpecFromOptions({}, NOW);
    expect(spec.since).toBeUndefined();
    expect(spec.until).toBeUndefined();
  });
});

describe('the built spec', () => {
  it('defaults: KMS only, everything else open', () => {
    expect(filterSpecFromOptions({}, NOW)).toEqual({
      events: [],
      users: [],
      keys: [],
      since: undefined,
      until: undefined,
      regions: [],
      accounts: [],
      sourceIps: [],
      errors: undefined,
      errorCodes: [],
      readOnly: undefined,
      origins: [],
      sources: [KMS_SOURCE],
    });
  });

  it('sources: short names gain .amazonaws.com, full names and globs stay, --all-sources empties', () => {
    expect(filterSpecFromOptions({ source: ['s3'] }, NOW).sources).toEqual(['s3.amazonaws.com']);
    expect(filterSpecFromOptions({ source: ['kms, s3', 'dynamodb.amazonaws.com'] }, NOW).sources).toEqual([
      'kms.amazonaws.com',
      's3.amazonaws.com',
      'dynamodb.amazonaws.com',
    ]);
    expect(filterSpecFromOptions({ source: ['s3*'] }, NOW).sources).toEqual(['s3*']);
    expect(filterSpecFromOptions({ allSources: true }, NOW).sources).toEqual([]);
  });

  it('lists: comma-separated and repeated values, trimmed, empty entries dropped', () => {
    const spec = filterSpecFromOptions(
      { event: ['Decrypt, Encrypt', 'Sign'], user: ['Alice,,Bob '], region: ['us-west-2,eu-*'], errorCode: ['A,B'] },
      NOW,
    );
    expect(spec.events).toEqual(['Decrypt', 'Encrypt', 'Sign']);
    expect(spec.users).toEqual(['Alice', 'Bob']);
    expect(spec.regions).toEqual(['us-west-2', 'eu-*']);
    expect(spec.errorCodes).toEqual(['A', 'B']);
  });

  it('keys are parsed references', () => {
    const spec = filterSpecFromOptions(
      { key: ['1234ABCD-12ab-34cd-56ef-1234567890ab,alias/app', 'arn:aws:kms:us-west-2:111122223333:alias/app'] },
      NOW,
    );
    expect(spec.keys).toEqual([
      { given: '1234ABCD-12ab-34cd-56ef-1234567890ab', keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' },
      { given: 'alias/app', alias: 'alias/app' },
      { given: 'arn:aws:kms:us-west-2:111122223333:alias/app', alias: 'alias/app', region: 'us-west-2', account: '111122223333' },
    ]);
  });

  it('read-only / mutating / errors', () => {
    expect(filterSpecFromOptions({ readOnly: true }, NOW).readOnly).toBe(true);
    expect(filterSpecFromOptions({ mutating: true }, NOW).readOnly).toBe(false);
    expect(filterSpecFromOptions({ readOnly: false, mutating: false }, NOW).readOnly).toBeUndefined();
    expect(filterSpecFromOptions({ errors: true }, NOW).errors).toBe(true);
    expect(filterSpecFromOptions({ errors: false }, NOW).errors).toBe(false);
  });

  it('through commander: repeatable flags collect, --no-errors gives errors: false', () => {
    const spec = specFromArgv(
      '--event', 'Decrypt',
      '-e', 'Encrypt,Sign',
      '-u', 'Alice',
      '-k', 'alias/app',
      '--source-ip', '10.0.0.0/8',
      '--source-ip', '2001:db8::/32',
      '--no-errors',
      '--read-only',
      '--source', 's3',
      '--since', '90m',
    );
    expect(spec.events).toEqual(['Decrypt', 'Encrypt', 'Sign']);
    expect(spec.users).toEqual(['Alice']);
    expect(spec.keys).toEqual([{ given: 'alias/app', alias: 'alias/app' }]);
    expect(spec.sourceIps).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect(spec.errors).toBe(false);
    expect(spec.readOnly).toBe(true);
    expect(spec.sources).toEqual(['s3.amazonaws.com']);
    expect(spec.since).toBe(NOW - 90 * MINUTE);
    expect(specFromArgv('--errors').errors).toBe(true);
    expect(specFromArgv().errors).toBeUndefined();
    expect(specFromArgv('--mutating').readOnly).toBe(false);
    expect(specFromArgv('--all-sources').sources).toEqual([]);
  });
});
