/**
 * `kmstrail summary` and `kmstrail keys`, end to end through the built binary, on kms-docs (69
 * records), the gzip tree (the same records in 4 files) and the SANS 504 lab trail (3,872 files,
 * read from the shared samples). Expected values come from jq over the same files, never the tool.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD, jq, JQ_FIRST_COPIES, KMS_DOCS, makeTempDir, removeDir, tableRows, TREE, type Json } from '../helpers/e2e.js';
import { jsonLines, runCli, SHARED } from '../helpers/run-cli.js';

const SANS = join(SHARED, 'samples', 'trees', 'SANS-504-S3-ransomware-lab');
const KMS = 'select(.eventSource == "kms.amazonaws.com")';
const DESTRUCTIVE = '["ScheduleKeyDeletion","DisableKey","PutKeyPolicy","CreateGrant","DeleteImportedKeyMaterial","DisableKeyRotation"]';
const KEY_1234 = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_0987 = '0987dcba-09fe-87dc-65ba-ab0987654321';

/**
 * jq with `records`: every record of the input's documents (one file, or files back to back),
 * copies of one event dropped as kmstrail drops them by default (JQ_FIRST_COPIES, written apart).
 */
function jqRecords(program: string, input: { file: string } | { bytes: Buffer }): unknown[] {
  return jq(`${JQ_FIRST_COPIES} def records: [inputs | .Records[]] | firstcopies; ${program}`, input, ['-n']);
}

/** jq: [{value, count}] of a field over the KMS records, by count then value, the first n. */
function jqRanking(input: { file: string } | { bytes: Buffer }, field: string, n = 10): Array<{ value: string; count: number }> {
  return jqRecords(
    `[records | ${KMS} | ${field} | strings | select(. != "")] | group_by(.) | map({value: .[0], count: length}) | sort_by(-.count, .value) | .[:${n}]`,
    input,
  )[0] as Array<{ value: string; count: number }>;
}

const share = (count: number, total: number) => Math.round((count / total) * 10_000) / 10_000;
const withShares = (rows: Array<{ value: string; count: number }>, total: number) => rows.map((r) => ({ ...r, share: share(r.count, total) }));

/** The JSON text with keys sorted at every level, as the tool promises to write it. */
function sortedJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Json)[k])]))
        : v;
  return JSON.stringify(sort(value), null, 2);
}

async function runJson(args: string[]): Promise<Json> {
  const result = await runCli(args);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toBe(sortedJson(JSON.parse(result.stdout)) + '\n');
  return JSON.parse(result.stdout) as Json;
}

describe('summary', () => {
  it('counts, time span, top tables and destructive events of kms-docs match jq', async () => {
    const doc = await runJson(['summary', '--format', 'json', KMS_DOCS]);
    const file = { file: KMS_DOCS };
    const total = (jqRecords(`[records | ${KMS}] | length`, file)[0] as number);
    const withCopies = jq(`[.Records[] | ${KMS}] | length`, file)[0] as number;
    expect(withCopies).toBe(67);
    // The AWS guide shows one GenerateDataKey twice: the copy is dropped, and said.
    expect(total).toBe(65);
    expect(doc.input).toEqual({ files: 1, recordsRead: 69, duplicates: withCopies - total });
    expect(doc.records).toBe(total);
    expect(doc.top).toBe(10);
    const [first, last] = jqRecords(`[records | ${KMS} | .eventTime] | min, max`, file);
    expect(doc.timeSpan).toEqual({ first, last, unreadable: 0 });

    const table = (name: string) => (doc[name] as Json).rows;
    expect(table('eventNames')).toEqual(withShares(jqRanking(file, '.eventName'), total));
    expect(table('principals')).toEqual(withShares(jqRanking(file, '(.userIdentity.arn // .userIdentity.invokedBy)'), total));
    expect(table('sourceIps')).toEqual(withShares(jqRanking(file, '.sourceIPAddress'), total));
    expect(table('regions')).toEqual(withShares(jqRanking(file, '.awsRegion'), total));
    expect(table('errorCodes')).toEqual(withShares(jqRanking(file, '.errorCode'), total));
    expect((doc.eventNames as Json).distinct).toBe(jqRecords(`[records | ${KMS} | .eventName] | unique | length`, file)[0]);

    expect(doc.readOnly).toEqual({
      readOnly: jqRecords(`[records | ${KMS} | select(.readOnly == true)] | length`, file)[0],
      mutating: jqRecords(`[records | ${KMS} | select(.readOnly == false)] | length`, file)[0],
      unknown: 0,
    });
    expect(doc.errors).toBe(jqRecords(`[records | ${KMS} | select(.errorCode)] | length`, file)[0]);

    const destructive = jqRecords(`[records | ${KMS} | select(.eventName as $n | ${DESTRUCTIVE} | index($n)) | [.eventTime, .eventName, .eventID]] | sort`, file)[0] as string[][];
    const d = doc.destructiveOrPolicy as { total: number; omitted: number; listed: Json[] };
    expect(d.total).toBe(destructive.length);
    expect(d.omitted).toBe(0);
    expect(d.listed.map((e) => [e.time, e.event, e.eventId])).toEqual(destructive);
  });

  it('is json when piped, and the same document from the gzip tree (4 files, read in parallel or not)', async () => {
    const docs = await runJson(['summary', KMS_DOCS]);
    const tree = await runJson(['summary', TREE]);
    const sequential = await runJson(['summary', '--jobs', '1', TREE]);
    expect(tree.input).toEqual({ files: 4, recordsRead: 69, duplicates: 2 });
    expect(sequential).toEqual(tree);
    expect({ ...tree, input: null }).toEqual({ ...docs, input: null });
  });

  it('filter options choose the records summarised', async () => {
    const file = { file: KMS_DOCS };
    const decrypt = await runJson(['summary', '--event', 'Decrypt', '--format', 'json', KMS_DOCS]);
    expect(decrypt.records).toBe(jqRecords(`[records | ${KMS} | select(.eventName == "Decrypt")] | length`, file)[0]);
    expect((decrypt.principals as Json).rows).toEqual(
      withShares(
        jqRecords(
          `[records | select(.eventName == "Decrypt") | (.userIdentity.arn // .userIdentity.invokedBy)] | group_by(.) | map({value: .[0], count: length}) | sort_by(-.count, .value)`,
          file,
        )[0] as Array<{ value: string; count: number }>,
        decrypt.records as number,
      ),
    );
    const all = await runJson(['summary', '--all-sources', '--format', 'json', KMS_DOCS]);
    expect(all.records).toBe(jqRecords('[records] | length', file)[0]);
    const kept = await runJson(['summary', '--all-sources', '--keep-duplicates', '--format', 'json', KMS_DOCS]);
    expect(kept.records).toBe(69);
    expect((kept.input as Json).duplicates).toBe(0);
  });

  it('--top n', async () => {
    const doc = await runJson(['summary', '--top', '3', '--format', 'json', KMS_DOCS]);
    expect((doc.eventNames as Json).rows).toHaveLength(3);
    expect(doc.top).toBe(3);
  });

  it('usage errors: --top 0, --format csv', async () => {
    for (const args of [['--top', '0'], ['--format', 'csv']]) {
      const result = await runCli(['summary', ...args, KMS_DOCS]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(new RegExp(`^kmstrail: option ${args[0]}: `));
    }
  });

  it('table: the header line and the top tables', async () => {
    const result = await runCli(['summary', '--format', 'table', KMS_DOCS]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('files 1   records read 69   matched 65   duplicates dropped 2');
    const rows = tableRows(result.stdout);
    // 7 and 33 of the 65 records, rounded once (10.77%, 50.77%).
    expect(rows).toContainEqual(['Decrypt', '7', '10.8%']);
    expect(rows).toContainEqual(['us-west-2', '33', '50.8%']);
    expect(rows).toContainEqual(['2022-09-01 20:06:16Z', 'PutKeyPolicy', 'Alice', KEY_1234, 'us-west-2', '192.0.2.0', '']);
  });

  it('table: hostile log values are shown escaped', async () => {
    const result = await runCli(['summary', '--format', 'table', join(BAD, 'ansi-injection.json')]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    // Piped, a long principal wraps onto the next line of its cell: join the lines to read it.
    const principals = tableRows(result.stdout.slice(result.stdout.indexOf('principals ('))).slice(1);
    expect(principals.map((r) => r[0]).join('')).toContain('session-\\x1b[31mred');
  });

  describe('past 100,000 distinct values', () => {
    let dir: string | undefined;
    let file: string;
    beforeAll(() => {
      dir = makeTempDir();
      file = join(dir, 'many-ips.jsonl');
      const lines: string[] = [];
      for (let i = 0; i < 100_005; i++) {
        const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
        lines.push(`{"eventSource":"kms.amazonaws.com","eventName":"Decrypt","eventTime":"2024-01-01T00:00:00Z","sourceIPAddress":"${ip}"}`);
      }
      writeFileSync(file, lines.join('\n') + '\n');
    });
    afterAll(() => removeDir(dir));

    it('later new values are counted as (other), and the output and stderr say so', async () => {
      const result = await runCli(['summary', '--format', 'json', file]);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^kmstrail: warning: more than 100,000 distinct values/);
      const doc = JSON.parse(result.stdout) as Json;
      expect(doc.records).toBe(100_005);
      expect(doc.sourceIps).toMatchObject({ distinct: 100_000, capped: true, other: 5 });
      const table = await runCli(['summary', '--format', 'table', file]);
      expect(table.stdout).toContain('cap reached: only the first 100,000 distinct values are counted; 5 records');
    });
  });
});

describe('keys', () => {
  const file = { file: KMS_DOCS };
  /** jq: the KMS records whose text holds the key's ARN (true of every kms-docs record naming a key). */
  const naming = (region: string, account: string, keyId: string) =>
    jqRecords(`[records | ${KMS} | select(tostring | contains("${region}:${account}:key/${keyId}"))]`, file)[0] as Json[];

  it('one row per key ARN, sorted, each with the events jq finds for it', async () => {
    const doc = await runJson(['keys', '--format', 'json', KMS_DOCS]);
    const rows = doc.keys as Json[];
    expect(rows.map((r) => `${r.account}:${r.region}:${r.keyId}`)).toEqual([
      `111122223333:ap-northeast-1:mrk-1234abcd12ab34cd56ef1234567890ab`,
      `111122223333:eu-west-1:${KEY_1234}`,
      '111122223333:eu-west-1:1a2b3c4d-5e6f-1a2b-3c4d-5e6f1a2b3c4d',
      `111122223333:us-west-2:${KEY_0987}`,
      `111122223333:us-west-2:${KEY_1234}`,
      '111122223333:us-west-2:mrk-1234abcd12ab34cd56ef1234567890ab',
      '227179770375:us-east-1:39c5eb22-f37c-4956-92ca-89e8f8b57ab2',
    ]);
    for (const r of rows) {
      const records = naming(String(r.region), String(r.account), String(r.keyId));
      expect(r.events).toBe(records.length);
      const ops: Json = {};
      for (const x of records) ops[String(x.eventName)] = ((ops[String(x.eventName)] as number) ?? 0) + 1;
      expect(r.operations).toEqual(ops);
      const times = records.map((x) => String(x.eventTime)).sort();
      expect([r.firstSeen, r.lastSeen]).toEqual([times[0], times.at(-1)]);
    }
    expect(doc.input).toEqual({ files: 1, recordsRead: 69, duplicates: 2 });
  });

  it('0987dcba: creator and state as the CreateKey and ScheduleKeyDeletion records say', async () => {
    const doc = await runJson(['keys', '--key', KEY_0987, '--format', 'json', KMS_DOCS]);
    const [row] = doc.keys as Json[];
    const created = jqRecords(`records | select(.eventName == "CreateKey" and .responseElements.keyMetadata.keyId == "${KEY_0987}") | {at: .eventTime, by: .userIdentity.arn}`, file)[0];
    const scheduled = jqRecords(`records | select(.eventName == "ScheduleKeyDeletion" and (.requestParameters.keyId | contains("${KEY_0987}"))) | {at: .eventTime, by: .userIdentity.arn, date: .responseElements.deletionDate}`, file)[0] as Json;
    expect(scheduled.date).toBe('Nov 2, 2021, 11:25:25 PM');
    expect(row.created).toEqual(created);
    expect(row.state).toEqual({ value: 'PendingDeletion', at: scheduled.at, by: scheduled.by, event: 'ScheduleKeyDeletion', deletionDate: '2021-11-02T23:25:25Z' });
  });

  it('jsonl: one key per line, the same rows as json', async () => {
    const json = await runJson(['keys', '--format', 'json', KMS_DOCS]);
    const result = await runCli(['keys', '--format', 'jsonl', KMS_DOCS]);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(json.keys);
  });

  it('--key by ID (both regions), by ARN (one), by alias, or nothing', async () => {
    const ids = async (key: string) => {
      const result = await runCli(['keys', '--key', key, '--format', 'jsonl', KMS_DOCS]);
      expect(result.code).toBe(0);
      return (jsonLines(result.stdout) as Json[]).map((r) => `${r.keyId}@${r.region}`);
    };
    expect(await ids(KEY_1234)).toEqual([`${KEY_1234}@eu-west-1`, `${KEY_1234}@us-west-2`]);
    expect(await ids(`arn:aws:kms:eu-west-1:111122223333:key/${KEY_1234}`)).toEqual([`${KEY_1234}@eu-west-1`]);
    // The key the alias names in the logs, in the alias's region (the AWS examples use one key ID
    // in two regions).
    expect(await ids('alias/ExampleAlias')).toEqual([`${KEY_1234}@us-west-2`]);
    expect(await ids('alias/nothing-here')).toEqual([]);
    const none = await runCli(['keys', '--key', 'alias/nothing-here', '--format', 'table', KMS_DOCS]);
    expect(none.stdout).toBe('(no key matches --key)\n');
  });

  it('--key in a table prints every field of the key', async () => {
    const result = await runCli(['keys', '--key', KEY_0987, '--format', 'table', KMS_DOCS]);
    expect(result.code).toBe(0);
    const rows = tableRows(result.stdout);
    expect(rows).toContainEqual(['key ID', KEY_0987]);
    expect(rows).toContainEqual(['ARN', `arn:aws:kms:us-west-2:111122223333:key/${KEY_0987}`]);
    expect(rows).toContainEqual(['state', 'PendingDeletion since 2021-10-26 23:25:25Z']);
    expect(rows).toContainEqual(['deletion date', '2021-11-02 23:25:25Z']);
    expect(rows).toContainEqual(['created', '2021-10-14 17:39:50Z by arn:aws:iam::111122223333:user/Alice']);
    expect(rows).toContainEqual(['events', '7 (1 failed)']);
  });

  it('the inventory table shows each key with its state', async () => {
    const result = await runCli(['keys', '--format', 'table', TREE]);
    expect(result.code).toBe(0);
    const rows = tableRows(result.stdout);
    expect(rows[0]).toEqual(['key', 'aliases', 'state', 'created', 'policy changed', 'rotation', 'grants +/-', 'seen', 'events', 'principals']);
    expect(rows).toContainEqual([KEY_0987, '', 'PendingDeletion', '2021-10-14', '', '', '', '2020-07-27', '7', '1']);
  });

  describe('records out of time order, across files', () => {
    let dir: string | undefined;
    beforeAll(() => {
      dir = makeTempDir();
      const records = (JSON.parse(readFileSync(KMS_DOCS, 'utf8')) as { Records: Json[] }).Records;
      const byTime = [...records].sort((a, b) => (String(a.eventTime) < String(b.eventTime) ? -1 : 1));
      const half = Math.floor(byTime.length / 2);
      writeFileSync(join(dir, 'early.json'), JSON.stringify({ Records: byTime.slice(0, half) }));
      writeFileSync(join(dir, 'late.json'), JSON.stringify({ Records: byTime.slice(half).reverse() }));
    });
    afterAll(() => removeDir(dir));

    it('the same inventory and summary whichever file is read first', async () => {
      const early = join(dir!, 'early.json');
      const late = join(dir!, 'late.json');
      for (const command of ['keys', 'summary']) {
        const forward = await runCli([command, '--format', 'json', '--jobs', '1', early, late]);
        const backward = await runCli([command, '--format', 'json', '--jobs', '1', late, early]);
        expect(forward.code).toBe(0);
        expect(backward.stdout).toBe(forward.stdout);
        const single = JSON.parse((await runCli([command, '--format', 'json', KMS_DOCS])).stdout) as Json;
        expect({ ...(JSON.parse(forward.stdout) as Json), input: null }).toEqual({ ...single, input: null });
      }
    });
  });

  it('--help shows examples for both commands', async () => {
    for (const command of ['summary', 'keys']) {
      const result = await runCli([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Examples:');
      expect(result.stdout).toContain('--since');
      expect(result.stdout).toContain('--format');
    }
  });
});

describe.skipIf(!existsSync(SANS))('the SANS 504 lab trail', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
  let bytes: Buffer;
  let fileCount: number;
  beforeAll(() => {
    const gz = files(SANS).filter((f) => f.endsWith('.json.gz'));
    fileCount = gz.length;
    bytes = Buffer.concat(gz.map((f) => gunzipSync(readFileSync(f))));
  });
  const KEY = '85b4ab0e-eee7-4450-adba-82137e39764c';
  const ARN = `arn:aws:kms:us-west-1:342082656213:key/${KEY}`;

  it('summary: files, records and top tables match jq over the decompressed files', async () => {
    const doc = await runJson(['summary', '--format', 'json', SANS]);
    // The files decompressed back to back are one JSON document each: jq answers once per file.
    const perFile = jq('.Records | length', { bytes }) as number[];
    expect(perFile).toHaveLength(fileCount);
    const read = perFile.reduce((a, b) => a + b, 0);
    const kms = jqRecords(`[records | ${KMS}] | length`, { bytes })[0] as number;
    const withCopies = (jq(`[.Records[] | ${KMS}] | length`, { bytes }) as number[]).reduce((a, b) => a + b, 0);
    expect(withCopies).toBe(6_235);
    expect(doc.input).toEqual({ files: fileCount, recordsRead: read, duplicates: withCopies - kms });
    expect(doc.records).toBe(kms);
    expect(kms).toBeLessThan(withCopies);
    const names = jqRecords(`[records | ${KMS} | .eventName]`, { bytes })[0] as string[];
    const counts = new Map<string, number>();
    for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
    const expected = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([value, count]) => ({ value, count, share: share(count, kms) }));
    expect((doc.eventNames as Json).rows).toEqual(expected);
  });

  it('keys: the CloudTrail key, its alias and its use, as jq counts them', async () => {
    const doc = await runJson(['keys', '--format', 'json', SANS]);
    const records = jqRecords(`records | ${KMS} | select(tostring | contains("${ARN}")) | {n: .eventName, t: .eventTime, p: (.userIdentity.arn // .userIdentity.invokedBy)}`, { bytes }) as Array<{ n: string; t: string; p: string }>;
    const ops: Json = {};
    for (const r of records) ops[r.n] = ((ops[r.n] as number) ?? 0) + 1;
    const times = records.map((r) => r.t).sort();
    expect(doc.keys).toHaveLength(1);
    expect((doc.keys as Json[])[0]).toMatchObject({
      keyId: KEY,
      arn: ARN,
      aliases: [{ name: 'alias/cloudwatchkms', current: true }],
      created: { at: '2021-07-29T23:53:36Z', by: 'arn:aws:iam::342082656213:root' },
      state: { value: 'Enabled', event: 'CreateKey' },
      events: records.length,
      operations: ops,
      firstSeen: times[0],
      lastSeen: times.at(-1),
      principals: { distinct: new Set(records.map((r) => r.p)).size, capped: false },
    });
    const byAlias = await runCli(['keys', '--key', 'alias/cloudwatchkms', '--format', 'jsonl', SANS]);
    expect(jsonLines(byAlias.stdout)).toEqual(doc.keys);
  });
});

describe('summary shares', () => {
  // Regression guard: shares were rounded to 4 decimals, then again for the table: 27/38 showed 71.0%.
  it('are rounded once: 27 of 38 records is 71.1%', async () => {
    const dir = makeTempDir();
    try {
      const record = (i: number, eventName: string) => ({ eventSource: 'kms.amazonaws.com', eventName, eventID: `id-${i}`, eventTime: '2024-03-01T00:00:00Z' });
      const records = Array.from({ length: 38 }, (_, i) => record(i, i < 27 ? 'Decrypt' : 'Encrypt'));
      const path = join(dir, 'shares.json');
      writeFileSync(path, JSON.stringify({ Records: records }));
      const result = await runCli(['summary', '--format', 'table', path]);
      expect(tableRows(result.stdout)).toContainEqual(['Decrypt', '27', '71.1%']);
      expect(tableRows(result.stdout)).toContainEqual(['Encrypt', '11', '28.9%']);
    } finally {
      removeDir(dir);
    }
  });
});
