/**
 * Every filter and output flag, end to end, on the 69 records of records/kms-docs.json. The
 * expected selection is computed by an independent jq query over the same file, after jq's own
 * dropping of copies of one event (the AWS guide shows one GenerateDataKey twice).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jq, JQ_ALIAS_SELECTION, JQ_FIRST_COPIES, KMS_DOCS, parseCsv, SHAPES, tableRows, type Json } from '../helpers/e2e.js';
import { jsonLines, ROOT, runCli } from '../helpers/run-cli.js';

const KMS = '.eventSource == "kms.amazonaws.com"';

/** jq: the KMS records (the default source) that also satisfy `condition`. */
function kmsWhere(condition: string): Json[] {
  return jq(`${JQ_FIRST_COPIES} .Records | firstcopies | select((${KMS}) and (${condition}))`, { file: KMS_DOCS }) as Json[];
}

function allWhere(condition: string): Json[] {
  return jq(`${JQ_FIRST_COPIES} .Records | firstcopies | select(${condition})`, { file: KMS_DOCS }) as Json[];
}

/** Every name the principal goes by (lower case), per the --user help text. */
const PRINCIPAL_NAMES = `[.userIdentity | objects | (.arn, .userName, .principalId, .accessKeyId, .invokedBy,
  (.sessionContext.sessionIssuer // {} | .arn, .userName, .principalId))] | map(strings | ascii_downcase)`;

/** Every key reference the record holds, per the --key help text: request, response, resources. */
const KEY_REFS = `[(.requestParameters | objects | (.keyId, .targetKeyId, .sourceKeyId, .destinationKeyId, .aliasName)),
  (.responseElements | objects | (.keyId, (.keyMetadata | objects | (.keyId, .arn)))),
  ((.resources // [])[] | objects | (.ARN // .arn))] | map(strings)`;

/** A key reference reduced to the key ID it names (lower case), or null for aliases. */
const KEY_ID_OF = `if test("^arn:[a-z-]+:kms:[^:]*:[^:]*:key/") then sub("^arn:[a-z-]+:kms:[^:]*:[^:]*:key/"; "") | ascii_downcase
  elif test("^(arn:|alias/)") then null else ascii_downcase end`;

interface FlagCase {
  name: string;
  args: string[];
  expected: () => Json[];
}

const CASES: FlagCase[] = [
  { name: '--event one name', args: ['--event', 'ScheduleKeyDeletion'], expected: () => kmsWhere('.eventName == "ScheduleKeyDeletion"') },
  {
    name: '--event comma list and repeat, any case',
    args: ['--event', 'decrypt,ENCRYPT', '--event', 'Sign'],
    expected: () => kmsWhere('(.eventName | ascii_downcase) as $n | ($n == "decrypt" or $n == "encrypt" or $n == "sign")'),
  },
  { name: '--event glob', args: ['--event', 'generatedatakey*'], expected: () => kmsWhere('.eventName | test("^generatedatakey"; "i")') },
  { name: '-e short form', args: ['-e', 'CreateKey'], expected: () => kmsWhere('.eventName == "CreateKey"') },
  { name: '--user user name', args: ['--user', 'Alice'], expected: () => kmsWhere(`${PRINCIPAL_NAMES} | index("alice") != null`) },
  { name: '--user role name', args: ['--user', 'Admins'], expected: () => kmsWhere(`${PRINCIPAL_NAMES} | index("admins") != null`) },
  {
    name: '--user ARN glob',
    args: ['--user', 'arn:aws:sts::*:assumed-role/*'],
    expected: () => kmsWhere(`${PRINCIPAL_NAMES} | any(test("^arn:aws:sts::.*:assumed-role/"))`),
  },
  { name: '--user AWS service', args: ['--user', 'workmail.eu-west-1.amazonaws.com'], expected: () => kmsWhere('.userIdentity.invokedBy == "workmail.eu-west-1.amazonaws.com"') },
  {
    name: '--key key ID',
    args: ['--key', '0987dcba-09fe-87dc-65ba-ab0987654321'],
    expected: () => kmsWhere(`${KEY_REFS} | map(${KEY_ID_OF}) | index("0987dcba-09fe-87dc-65ba-ab0987654321") != null`),
  },
  {
    name: '--key key ARN',
    args: ['--key', 'arn:aws:kms:us-west-2:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321'],
    expected: () => kmsWhere(`${KEY_REFS} | map(${KEY_ID_OF}) | index("0987dcba-09fe-87dc-65ba-ab0987654321") != null`),
  },
  {
    name: '--key multi-Region key ID in upper case',
    args: ['--key', 'MRK-1234ABCD12AB34CD56EF1234567890AB'],
    expected: () => kmsWhere(`${KEY_REFS} | map(${KEY_ID_OF}) | index("mrk-1234abcd12ab34cd56ef1234567890ab") != null`),
  },
  {
    name: '--key alias name (and the key the logs say it names)',
    args: ['--key', 'alias/aws/ebs'],
    expected: () => jq(JQ_ALIAS_SELECTION, { file: KMS_DOCS }, ['--arg', 'alias', 'alias/aws/ebs']) as Json[],
  },
  { name: '--region', args: ['--region', 'eu-west-1'], expected: () => kmsWhere('.awsRegion == "eu-west-1"') },
  { name: '--region glob', args: ['--region', 'us-*'], expected: () => kmsWhere('.awsRegion | startswith("us-")') },
  {
    name: '--account (recipient or principal)',
    args: ['--account', '111122223333'],
    expected: () => kmsWhere('.recipientAccountId == "111122223333" or .userIdentity.accountId == "111122223333"'),
  },
  {
    name: '--account with --all-sources',
    args: ['--account', '123456789012', '--all-sources'],
    expected: () => allWhere('.recipientAccountId == "123456789012" or .userIdentity.accountId == "123456789012"'),
  },
  {
    name: '--source-ip CIDR',
    args: ['--source-ip', '192.0.2.0/24'],
    expected: () => kmsWhere('.sourceIPAddress | test("^192\\\\.0\\\\.2\\\\.[0-9]{1,3}$")'),
  },
  { name: '--source-ip single address', args: ['--source-ip', '192.0.2.0'], expected: () => kmsWhere('.sourceIPAddress == "192.0.2.0"') },
  { name: '--errors', args: ['--errors'], expected: () => kmsWhere('(.errorCode // "") != ""') },
  { name: '--no-errors', args: ['--no-errors'], expected: () => kmsWhere('(.errorCode // "") == ""') },
  { name: '--error-code glob', args: ['--error-code', 'KMSInvalid*'], expected: () => kmsWhere('(.errorCode // "") | startswith("KMSInvalid")') },
  { name: '--read-only', args: ['--read-only'], expected: () => kmsWhere('.readOnly == true or .readOnly == "true"') },
  { name: '--mutating', args: ['--mutating'], expected: () => kmsWhere('.readOnly == false or .readOnly == "false"') },
  { name: '--source short service name', args: ['--source', 'ec2'], expected: () => allWhere('.eventSource == "ec2.amazonaws.com"') },
  { name: '--source full name', args: ['--source', 'ec2.amazonaws.com'], expected: () => allWhere('.eventSource == "ec2.amazonaws.com"') },
  { name: '--all-sources', args: ['--all-sources'], expected: () => allWhere('true') },
  { name: 'no flag: KMS only', args: [], expected: () => kmsWhere('true') },
  { name: '--since date (inclusive, midnight UTC)', args: ['--since', '2021-01-01'], expected: () => kmsWhere('.eventTime >= "2021-01-01T00:00:00Z"') },
  {
    name: '--since equal to a record time includes it',
    args: ['--since', '2020-07-27T21:53:17Z'],
    expected: () => kmsWhere('.eventTime >= "2020-07-27T21:53:17Z"'),
  },
  {
    name: '--until equal to a record time excludes it',
    args: ['--until', '2020-07-27T21:53:17Z'],
    expected: () => kmsWhere('.eventTime < "2020-07-27T21:53:17Z"'),
  },
  {
    name: '--since and --until window',
    args: ['--since', '2020-07-01', '--until', '2020-08-01T00:00:00Z'],
    expected: () => kmsWhere('.eventTime >= "2020-07-01T00:00:00Z" and .eventTime < "2020-08-01T00:00:00Z"'),
  },
  {
    name: 'several flags AND together',
    args: ['--event', 'Decrypt', '--region', 'us-west-2', '--no-errors'],
    expected: () => kmsWhere('.eventName == "Decrypt" and .awsRegion == "us-west-2" and (.errorCode // "") == ""'),
  },
];

describe('filter flags against jq', () => {
  it('kms-docs eventTimes are all plain ISO 8601 UTC (so jq can compare them as strings)', () => {
    const times = jq('.Records[].eventTime', { file: KMS_DOCS }) as string[];
    expect(times).toHaveLength(69);
    for (const t of times) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it.each(CASES)('$name', async ({ args, expected }) => {
    const want = expected();
    const result = await runCli(['filter', '--format', 'jsonl', ...args, KMS_DOCS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(want);
  });

  it('a selection with no match prints nothing and exits 0', async () => {
    // A real KMS API name that the file does not hold: nothing to warn about, nothing printed.
    expect(jq('[.Records[] | select(.eventName == "ReplicateKey")] | length', { file: KMS_DOCS })).toEqual([0]);
    const result = await runCli(['filter', '--format', 'jsonl', '--event', 'ReplicateKey', KMS_DOCS]);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    // A name no service has is warned about, and still matches nothing.
    const typo = await runCli(['filter', '--format', 'jsonl', '--event', 'NoSuchEvent', KMS_DOCS]);
    expect(typo).toMatchObject({ code: 0, stdout: '' });
    expect(typo.stderr).toMatch(/^kmstrail: warning: --event 'NoSuchEvent' is not an event name of kms\.amazonaws\.com/);
  });

  it('--sort time prints the matches in eventTime order (stable)', async () => {
    const want = jq(`${JQ_FIRST_COPIES} [.Records | firstcopies | select(.eventSource == "kms.amazonaws.com")] | to_entries | sort_by(.value.eventTime, .key) | .[].value`, {
      file: KMS_DOCS,
    });
    const result = await runCli(['filter', '--format', 'jsonl', '--sort', 'time', KMS_DOCS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(want);
  });
});

describe('--limit', () => {
  it('stops after n matches, the first n in input order', async () => {
    const want = kmsWhere('.eventName == "Decrypt"');
    expect(want.length).toBeGreaterThan(2);
    const result = await runCli(['filter', '--format', 'jsonl', '--event', 'Decrypt', '--limit', '2', KMS_DOCS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(want.slice(0, 2));
  });

  it('-n larger than the matches prints them all', async () => {
    const result = await runCli(['filter', '--format', 'jsonl', '-n', '1000', KMS_DOCS]);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(kmsWhere('true'));
  });

  it('counts across several files', async () => {
    const five = jq('.', { file: join(SHAPES, 'expected.jsonl') });
    // The same five records in three shapes: copies on purpose, kept.
    const result = await runCli([
      'filter', '--all-sources', '--keep-duplicates', '--format', 'jsonl', '--limit', '7',
      join(SHAPES, 'delivery.json'), join(SHAPES, 'records.jsonl'), join(SHAPES, 'bare-array.json'),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([...five, ...five].slice(0, 7));
  });
});

describe('--format', () => {
  it('json prints one JSON array of the matches', async () => {
    const want = kmsWhere('.eventName == "ScheduleKeyDeletion" or .eventName == "CreateKey"');
    const result = await runCli(['filter', '--format', 'json', '--event', 'ScheduleKeyDeletion,CreateKey', KMS_DOCS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(want);
  });

  it('json with no match is an empty array', async () => {
    const result = await runCli(['filter', '--format', 'json', '--event', 'NoSuchEvent', KMS_DOCS]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('json over several files, one of them pretty-printed, is still one array', async () => {
    const five = jq('.', { file: join(SHAPES, 'expected.jsonl') });
    const result = await runCli([
      'filter', '--all-sources', '--keep-duplicates', '--format', 'json', join(SHAPES, 'delivery-pretty.json'), join(SHAPES, 'lookup-events.json'),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([...five, ...five]);
  });

  it('the format name is case-insensitive', async () => {
    const result = await runCli(['filter', '--format', 'JSON', '--event', 'CreateKey', KMS_DOCS]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(kmsWhere('.eventName == "CreateKey"'));
  });

  it('csv has a header and one properly quoted row per match (--fields)', async () => {
    const fields = ['event', 'region', 'source-ip', 'error', 'account', 'principal-arn', 'source', 'event-id', 'error-message', 'user-agent'];
    const want = kmsWhere('true');
    const cell = (value: unknown) => {
      const text = typeof value === 'string' ? value : '';
      return /^[=+\-@]/.test(text) ? `'${text}` : text;
    };
    const expectedRows = want.map((r) => [
      cell(r.eventName),
      cell(r.awsRegion),
      cell(r.sourceIPAddress),
      cell(r.errorCode),
      cell(r.recipientAccountId),
      cell((r.userIdentity as Json | undefined)?.arn),
      cell(r.eventSource),
      cell(r.eventID),
      cell(r.errorMessage),
      cell(r.userAgent),
    ]);
    // Some cells hold commas (an error message, a user agent), so quoting is exercised.
    expect(expectedRows.some((row) => row.some((c) => c.includes(',')))).toBe(true);

    const result = await runCli(['filter', '--format', 'csv', '--fields', fields.join(','), KMS_DOCS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const rows = parseCsv(result.stdout);
    expect(rows[0]).toHaveLength(fields.length);
    expect(rows[0][0]).toBe('event');
    expect(rows[0][1]).toBe('region');
    expect(rows.slice(1)).toEqual(expectedRows);
    // A cell with a comma is quoted in the raw text.
    const withComma = expectedRows.flat().find((c) => c.includes(','));
    expect(result.stdout).toContain(`"${withComma!.replace(/"/g, '""')}"`);
  });

  it('csv without --fields has the default columns and one row per match', async () => {
    const want = kmsWhere('.eventName == "ScheduleKeyDeletion"');
    const result = await runCli(['filter', '--format', 'csv', '--event', 'ScheduleKeyDeletion', KMS_DOCS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const rows = parseCsv(result.stdout);
    expect(rows).toHaveLength(want.length + 1);
    const eventColumn = rows[0].indexOf('event');
    expect(eventColumn).toBeGreaterThanOrEqual(0);
    expect(rows.slice(1).map((r) => r[eventColumn])).toEqual(want.map((r) => r.eventName));
    for (const row of rows) expect(row).toHaveLength(rows[0].length);
  });

  it('table prints a table holding the event names, in order', async () => {
    const want = kmsWhere('.eventName == "ScheduleKeyDeletion" or .eventName == "CreateAlias" or .eventName == "DisableKey"');
    const result = await runCli(['filter', '--format', 'table', '--event', 'ScheduleKeyDeletion,CreateAlias,DisableKey', KMS_DOCS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const rows = tableRows(result.stdout);
    const eventColumn = rows[0].indexOf('event');
    expect(eventColumn).toBeGreaterThanOrEqual(0);
    expect(rows.slice(1).map((r) => r[eventColumn])).toEqual(want.map((r) => r.eventName));
  });

  it('table with --fields shows exactly those columns', async () => {
    const want = kmsWhere('.eventName == "ScheduleKeyDeletion"');
    const result = await runCli(['filter', '--format', 'table', '--fields', 'event,region', '--event', 'ScheduleKeyDeletion', KMS_DOCS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const rows = tableRows(result.stdout);
    expect(rows[0]).toEqual(['event', 'region']);
    expect(rows.slice(1)).toEqual(want.map((r) => [r.eventName, r.awsRegion]));
  });

  it('--fields accepts a repeated flag as well as a comma list', async () => {
    const want = kmsWhere('.eventName == "CreateKey"');
    const result = await runCli(['filter', '--format', 'csv', '--fields', 'event-id', '--fields', 'region,event', '--event', 'CreateKey', KMS_DOCS]);
    expect(result.code).toBe(0);
    expect(parseCsv(result.stdout).slice(1)).toEqual(want.map((r) => [r.eventID, r.awsRegion, r.eventName]));
  });

  it('stdout not a terminal: jsonl is the default format', async () => {
    const result = await runCli(['filter', '--event', 'CreateKey', KMS_DOCS]);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(kmsWhere('.eventName == "CreateKey"'));
  });
});

describe('colours', () => {
  // Errors (red) and ScheduleKeyDeletion (yellow) are the rows that would be coloured.
  const args = ['filter', '--format', 'table', '--event', 'ScheduleKeyDeletion,Decrypt', KMS_DOCS];
  const envs: Array<[string, NodeJS.ProcessEnv]> = [
    ['plain environment', {}],
    ['FORCE_COLOR=1', { FORCE_COLOR: '1' }],
    ['FORCE_COLOR=3', { FORCE_COLOR: '3' }],
    ['NO_COLOR=1 and FORCE_COLOR=1', { NO_COLOR: '1', FORCE_COLOR: '1' }],
  ];
  it.each(envs)('no ESC byte in piped table output (%s)', async (_name, env) => {
    const result = await runCli(args, { env });
    expect(result.code).toBe(0);
    expect(tableRows(result.stdout).length).toBeGreaterThan(1);
    expect(result.stdout).not.toContain('\x1b');
    expect(result.stderr).not.toContain('\x1b');
  });

  it('no ESC byte in piped csv and jsonl output under FORCE_COLOR', async () => {
    for (const format of ['csv', 'jsonl', 'json']) {
      const result = await runCli(['filter', '--format', format, KMS_DOCS], { env: { FORCE_COLOR: '1' } });
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain('\x1b');
    }
  });
});

describe('usage errors', () => {
  const cases: Array<[string[], string]> = [
    [['--since', 'yesterday'], '--since'],
    [['--until', 'soon'], '--until'],
    [['--source-ip', '1.2.3.4/40'], '--source-ip'],
    [['--source-ip', 'not-an-ip'], '--source-ip'],
    [['--format', 'xml'], '--format'],
    [['--bogus'], '--bogus'],
    [['--limit', '0'], '--limit'],
    [['--limit', 'ten'], '--limit'],
    [['--fields', 'nope'], '--fields'],
    [['--fields', ''], '--fields'],
    [['--fields', ','], '--fields'],
    [['--key', 'arn:aws:s3:::bucket'], '--key'],
    [['--account', 'abc'], '--account'],
    [['--read-only', '--mutating'], '--read-only'],
    [['--all-sources', '--source', 's3'], '--all-sources'],
    [['--since', '2024-02-01', '--until', '2024-01-01'], '--since'],
    [['--errors', '--event'], '--event'],
    [['--errors', '--no-errors'], '--no-errors'],
  ];
  it.each(cases)('filter %j exits 2 with one line naming the option', async (args, option) => {
    // The path first, so that an option missing its value at the end cannot take the path.
    const result = await runCli(['filter', KMS_DOCS, ...args]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    expect(lines[0].startsWith('kmstrail: ')).toBe(true);
    expect(lines[0]).toContain(option);
  });

  it('a usage error does not wait for stdin when no path is given', async () => {
    const result = await runCli(['filter', '--format', 'xml']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^kmstrail: .*--format.*\n$/);
  });

  it('an unknown command exits 2 with one line', async () => {
    const result = await runCli(['filtre', KMS_DOCS]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^kmstrail: .*filtre.*\n$/);
  });

  it("'help' with an unknown command is that error too (it showed the general help and exited 0); with a known one, that command's help", async () => {
    const unknown = await runCli(['help', 'filtre']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe("kmstrail: unknown command 'filtre' (did you mean filter?) (see 'kmstrail --help')\n");
    const known = await runCli(['help', 'summary']);
    expect(known.code).toBe(0);
    expect(known.stdout).toMatch(/^Usage: kmstrail summary /);
  });
});

describe('help and version', () => {
  it.each([['--help'], ['-h']])('filter %s prints usage and examples to stdout and exits 0', async (flag) => {
    const result = await runCli(['filter', flag]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: kmstrail filter /);
    expect(result.stdout).toContain('Examples:');
    const examples = result.stdout.split('\n').filter((line) => /^\s+kmstrail filter /.test(line));
    expect(examples.length).toBeGreaterThanOrEqual(3);
    // Every flag this suite uses is documented.
    for (const flag of ['--event', '--user', '--key', '--since', '--until', '--region', '--account', '--source-ip', '--errors',
      '--no-errors', '--error-code', '--read-only', '--mutating', '--source', '--all-sources', '--format', '--fields', '--limit', '--strict']) {
      expect(result.stdout).toContain(flag);
    }
  });

  it('no help has a heading with nothing under it', async () => {
    for (const command of ['', 'filter', 'summary', 'keys', 'timeline', 'trace', 'detect', 'report', 'sql', 'completion']) {
      const result = await runCli(command === '' ? ['--help'] : [command, '--help']);
      expect(result.code).toBe(0);
      const lines = result.stdout.split('\n');
      const empty = lines.filter((line, k) => /^\S.*:$/.test(line) && (lines[k + 1] ?? '').trim() === '');
      expect(empty, `${command} --help`).toEqual([]);
    }
  });

  it('a filter over one file loads none of the built-in modules it does not use', async () => {
    // Start-up is most of such a run, and each of these costs milliseconds to load (child_process,
    // which commander requires when loaded, 4-5 ms with net and dgram).
    const dir = mkdtempSync(join(tmpdir(), 'kmstrail-modules-'));
    const preload = join(dir, 'loaded.cjs');
    writeFileSync(preload, "process.on('exit', () => process.stderr.write('LOADED ' + process.moduleLoadList.join(',') + '\\n'));\n");
    const result = await runCli(['filter', '--event', 'CreateKey', KMS_DOCS], { env: { NODE_OPTIONS: `--require "${preload}"` } });
    rmSync(dir, { recursive: true, force: true });
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout).length).toBeGreaterThan(0);
    const loaded = /^LOADED (.*)$/m.exec(result.stderr)?.[1].split(',') ?? [];
    expect(loaded).toContain('NativeModule fs');
    for (const unused of ['child_process', 'dgram', 'worker_threads', 'v8', 'http', 'https', 'tls']) expect(loaded, unused).not.toContain(`NativeModule ${unused}`);
  });

  it.each([['--version'], ['-V']])('%s prints the package.json version', async (flag) => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await runCli([flag]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${pkg.version}\n`);
  });
});

describe('--since with --tz', () => {
  it('a time copied from a table printed with --tz, given back with the same --tz, is that instant (it was read as UTC: hours off)', async () => {
    const zone = 'Asia/Kolkata';
    const csv = parseCsv((await runCli(['filter', '--tz', zone, '--format', 'csv', '--fields', 'time,event-id', KMS_DOCS])).stdout);
    const [time, id] = csv[1];
    // 2021-10-14T23:09:50+05:30: the wall-clock part, as a person copies it without the offset.
    const wall = time.slice(0, 19);
    expect(time.slice(19)).toBe('+05:30');
    const from = jsonLines((await runCli(['filter', '--tz', zone, '--since', wall, '--format', 'jsonl', KMS_DOCS])).stdout) as Array<{ eventID: string }>;
    const expected = jq(`${JQ_FIRST_COPIES} .Records | firstcopies | select(.eventSource == "kms.amazonaws.com" and (.eventTime | fromdateiso8601) >= ("${time}" | sub("\\\\+05:30$"; "Z") | fromdateiso8601) - 19800) | .eventID`, { file: KMS_DOCS }) as string[];
    expect(from.map((r) => r.eventID)).toEqual(expected);
    expect(expected).toContain(id);
  });
});
