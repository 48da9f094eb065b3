/**
 * `--key alias/x` also finds records that name the aliased key by ID or ARN, when the logs hold the
 * mapping, even when the mapping comes after those records (a first pass learns it).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../helpers/run-cli.js';

const KEY = '1111aaaa-22bb-33cc-44dd-555555eeeeee';
const OTHER = '9999ffff-22bb-33cc-44dd-555555eeeeee';
const base = { eventSource: 'kms.amazonaws.com', awsRegion: 'eu-west-1', recipientAccountId: '111122223333' };
const useById = { ...base, eventID: 'use-by-id', eventName: 'Decrypt', eventTime: '2024-03-01T10:00:00Z', requestParameters: { keyId: KEY } };
const useOther = { ...base, eventID: 'use-other', eventName: 'Decrypt', eventTime: '2024-03-01T10:01:00Z', requestParameters: { keyId: OTHER } };
const createAlias = {
  ...base,
  eventID: 'create-alias',
  eventName: 'CreateAlias',
  eventTime: '2024-03-02T09:00:00Z',
  requestParameters: { aliasName: 'alias/prod-db', targetKeyId: KEY },
};
const failedAlias = { ...createAlias, eventID: 'failed-alias', errorCode: 'AccessDenied', requestParameters: { aliasName: 'alias/prod-db', targetKeyId: OTHER } };

let dir: string;
let early: string;
let late: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kmstrail-alias-'));
  early = join(dir, 'a-early.json');
  late = join(dir, 'b-late.json');
  writeFileSync(early, JSON.stringify({ Records: [useById, useOther] }));
  writeFileSync(late, JSON.stringify({ Records: [failedAlias, createAlias] }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = (stdout: string) => jsonLines(stdout).map((r) => (r as { eventID: string }).eventID);

describe('--key with an alias', () => {
  it('matches the uses of the aliased key by ID, learned from a later CreateAlias', async () => {
    const run = await runCli(['filter', '-f', 'jsonl', '--key', 'alias/prod-db', early, late]);
    expect(run.code).toBe(0);
    // The failed CreateAlias names the alias (so it matches) but maps nothing.
    expect(ids(run.stdout)).toEqual(['use-by-id', 'failed-alias', 'create-alias']);
  });

  it('an alias ARN works the same way', async () => {
    const run = await runCli(['filter', '-f', 'jsonl', '--key', 'arn:aws:kms:eu-west-1:111122223333:alias/prod-db', early, late]);
    expect(ids(run.stdout)).toEqual(['use-by-id', 'failed-alias', 'create-alias']);
  });

  it('on standard input, what the files give: the input is kept as read for the first pass', async () => {
    const { readFileSync } = await import('node:fs');
    const input = `${readFileSync(early, 'utf8')}\n${readFileSync(late, 'utf8')}\n`;
    const files = await runCli(['filter', '-f', 'jsonl', '--key', 'alias/prod-db', early, late]);
    const run = await runCli(['filter', '-f', 'jsonl', '--key', 'alias/prod-db'], { input });
    expect(run.stderr).toBe('');
    expect(ids(run.stdout)).toEqual(ids(files.stdout));
    // A record naming the key by ID only: found through what the first pass learned.
    expect(ids(run.stdout)).toContain('use-by-id');
  });
});

describe('an alias created before the --since window, in an AWSLogs tree', () => {
  // The first pass pruned the tree by the window, so the CreateAlias in an earlier day folder was
  // never read: every command found nothing, and --no-prune or the files named one by one found it.
  let tree: string;
  beforeAll(() => {
    tree = mkdtempSync(join(tmpdir(), 'kmstrail-alias-tree-'));
    const day = (d: string) => join(tree, 'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/03', d);
    mkdirSync(day('01'), { recursive: true });
    mkdirSync(day('03'), { recursive: true });
    writeFileSync(join(day('01'), '111122223333_CloudTrail_eu-west-1_20240301T1000Z_a.json.gz'), gzipSync(JSON.stringify({ Records: [{ ...createAlias, eventTime: '2024-03-01T09:00:00Z' }] })));
    writeFileSync(join(day('03'), '111122223333_CloudTrail_eu-west-1_20240303T1000Z_b.json.gz'), gzipSync(JSON.stringify({ Records: [{ ...useById, eventTime: '2024-03-03T10:00:00Z' }, { ...useOther, eventTime: '2024-03-03T10:01:00Z' }] })));
  });
  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  it('filter, summary and keys find the key the alias names, as with --no-prune', async () => {
    const window = ['--key', 'alias/prod-db', '--since', '2024-03-02'];
    const pruned = await runCli(['filter', ...window, tree]);
    expect(pruned.stderr).toBe('');
    expect(ids(pruned.stdout)).toEqual(['use-by-id']);
    expect(ids((await runCli(['filter', '--no-prune', ...window, tree])).stdout)).toEqual(['use-by-id']);
    const summary = JSON.parse((await runCli(['summary', '--format', 'json', ...window, tree])).stdout) as { records: number };
    expect(summary.records).toBe(1);
    // keys chose its rows by the aliases seen in the window: none, and so no key.
    const keys = JSON.parse((await runCli(['keys', '--format', 'json', ...window, tree])).stdout) as { keys: Array<{ keyId: string }> };
    expect(keys.keys.map((k) => k.keyId)).toEqual([KEY]);
  });
});

describe('an alias of a multi-Region key', () => {
  // Replicas share the key's ID; an alias lives in one region and names the replica there.
  it('matches the records of the replica in its own region, not those of the replica in another', async () => {
    const mrk = 'mrk-1234abcd12ab34cd56ef1234567890ab';
    const arn = (region: string) => `arn:aws:kms:${region}:111122223333:key/${mrk}`;
    const use = (id: string, region: string) => ({ ...base, awsRegion: region, eventID: id, eventName: 'Decrypt', eventTime: '2024-03-03T10:00:00Z', resources: [{ ARN: arn(region), accountId: '111122223333', type: 'AWS::KMS::Key' }] });
    const alias = { ...createAlias, awsRegion: 'us-east-1', requestParameters: { aliasName: 'alias/global-db', targetKeyId: mrk }, resources: [{ ARN: arn('us-east-1') }, { ARN: 'arn:aws:kms:us-east-1:111122223333:alias/global-db' }] };
    const file = join(dir, 'mrk.json');
    writeFileSync(file, JSON.stringify({ Records: [alias, use('use-east', 'us-east-1'), use('use-west', 'eu-west-1')] }));
    const result = await runCli(['filter', '--key', 'alias/global-db', '--event', 'Decrypt', file]);
    expect(result.stderr).toBe('');
    expect(ids(result.stdout)).toEqual(['use-east']);
    // The key's ID names both replicas.
    expect(ids((await runCli(['filter', '--key', mrk, '--event', 'Decrypt', file])).stdout)).toEqual(['use-east', 'use-west']);
  });
});
