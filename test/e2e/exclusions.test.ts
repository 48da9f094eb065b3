/**
 * `!` exclusions and key globs/prefixes through the built binary, against jq on the real
 * invictus-ir trail (SQL's side is in sql-duckdb.test.ts). Copies of one event are kept
 * (--keep-duplicates) so jq's plain count is the oracle.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jq } from '../helpers/e2e.js';
import { jsonLines, runCli, SHARED } from '../helpers/run-cli.js';

const INVICTUS = join(SHARED, 'samples/trees/invictus-ir');
const files = () => readdirSync(INVICTUS).filter((f) => f.endsWith('.json')).map((f) => join(INVICTUS, f));

/** eventIDs jq selects with `condition` over every record of the trail. */
const jqIds = (condition: string) => (jq(`.Records[] | select(${condition}) | .eventID`, { files: files() }) as string[]).sort();

async function ids(args: string[]): Promise<string[]> {
  const r = await runCli(['filter', '--keep-duplicates', '--all-sources', '--format', 'jsonl', ...args, INVICTUS]);
  expect(r.code, r.stderr).toBe(0);
  return jsonLines(r.stdout).map((x) => (x as { eventID: string }).eventID).sort();
}

describe.skipIf(!existsSync(INVICTUS))('exclusions and key patterns match what jq selects', () => {
  it("--event '!GenerateDataKey*,!Decrypt': every other event", async () => {
    const expected = jqIds('(.eventName | startswith("GenerateDataKey") or . == "Decrypt") | not');
    expect(expected.length).toBeLessThan(jqIds('true').length);
    expect(await ids(['--event', '!GenerateDataKey*,!Decrypt'])).toEqual(expected);
  });

  it("--event 'Get*,!GetPasswordData': includes and excludes together", async () => {
    const expected = jqIds('(.eventName | startswith("Get")) and .eventName != "GetPasswordData"');
    expect(expected.length).toBeGreaterThan(0);
    expect(await ids(['--event', 'Get*,!GetPasswordData'])).toEqual(expected);
  });

  it("--user '!arn:aws:iam::123837392027:user/bert-jan': everyone but bert-jan himself", async () => {
    // A record that names him by account and user name only (sign-in, MFA) is his too, as summary counts it.
    const arn = '(.userIdentity.arn // (if .userIdentity.type == "IAMUser" and .userIdentity.userName != null then "arn:aws:iam::\\(.userIdentity.accountId):user/\\(.userIdentity.userName)" else null end))';
    expect(jqIds(`.userIdentity.arn == null and ${arn} == "arn:aws:iam::123837392027:user/bert-jan"`).length).toBeGreaterThan(0);
    const expected = jqIds(`${arn} != "arn:aws:iam::123837392027:user/bert-jan"`);
    expect(await ids(['--user', '!arn:aws:iam::123837392027:user/bert-jan'])).toEqual(expected);
  });

  it("--source-ip '!<a /8 that occurs>': records from elsewhere, and those with no address", async () => {
    const first = (jq('.Records[] | .sourceIPAddress | select(test("^[0-9]+\\\\.")) | split(".")[0]', { files: files() }) as string[])[0];
    expect(first).toBeDefined();
    const expected = jqIds(`(.sourceIPAddress // "" | startswith("${first}.")) | not`);
    expect(await ids(['--source-ip', `!${first}.0.0.0/8`])).toEqual(expected);
  });

  it('--key with a key ID prefix and with a glob: every record naming a key it fits', async () => {
    const keys = [...new Set(jq('.Records[] | .resources[]?.ARN | select(. != null and test(":kms:.*:key/")) | split("key/")[1]', { files: files() }) as string[])];
    expect(keys.length).toBeGreaterThan(0);
    const prefix = keys[0].slice(0, 6);
    const refs =
      '[.requestParameters.keyId?, .requestParameters.targetKeyId?, .responseElements.keyId?, .responseElements.keyMetadata.keyId?, .responseElements.keyMetadata.arn?, (.resources // [])[].ARN?]' +
      ' | map(select(type == "string") | ascii_downcase)';
    const expected = jqIds(`(${refs}) | any(test("^(arn:aws:kms:[^:]*:[^:]*:key/)?${prefix}"))`);
    expect(expected.length).toBeGreaterThan(0);
    expect(await ids(['--key', prefix])).toEqual(expected);
    expect(await ids(['--key', `${prefix}*`])).toEqual(expected);
    // and left out
    expect(await ids(['--key', `!${prefix}*`])).toEqual(jqIds(`(${refs}) | any(test("^(arn:aws:kms:[^:]*:[^:]*:key/)?${prefix}")) | not`));
  });
});

const SANS = join(SHARED, 'samples/trees/SANS-504-S3-ransomware-lab');

describe.skipIf(!existsSync(SANS))('an alias given by glob or in another case finds its key, as the alias itself does', () => {
  it("alias/cloudwatch*, *watch*, ALIAS/CloudWatchKMS and the key ARN in capitals: the records of --key alias/cloudwatchkms, in every command", async () => {
    const count = async (key: string) => jsonLines((await runCli(['filter', '--format', 'jsonl', '--key', key, SANS])).stdout).length;
    const exact = await count('alias/cloudwatchkms');
    // The alias names its key in two CreateAlias records; the key's own records are thousands.
    expect(exact).toBeGreaterThan(1000);
    const keys = JSON.parse((await runCli(['keys', '--format', 'json', '--key', 'alias/cloudwatchkms', SANS])).stdout) as { keys: Array<{ arn: string }> };
    expect(keys.keys).toHaveLength(1);
    for (const variant of ['alias/cloudwatch*', '*watch*', 'ALIAS/CloudWatchKMS', keys.keys[0].arn.toUpperCase()]) {
      expect([variant, await count(variant)]).toEqual([variant, exact]);
    }
    const summary = JSON.parse((await runCli(['summary', '--format', 'json', '--key', 'alias/cloudwatch*', SANS])).stdout) as { records: number };
    expect(summary.records).toBe(exact);
    const timeline = jsonLines((await runCli(['timeline', '--format', 'jsonl', '--key', 'alias/cloudwatch*', SANS])).stdout);
    expect(timeline).toHaveLength(exact);
    const upper = JSON.parse((await runCli(['keys', '--format', 'json', '--key', 'ALIAS/CloudWatchKMS', SANS])).stdout) as { keys: Array<{ arn: string }> };
    expect(upper.keys.map((k) => k.arn)).toEqual([keys.keys[0].arn]);
  });
});
