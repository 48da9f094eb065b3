/**
 * `kmstrail timeline` and `kmstrail detect` end to end, through the built binary. Expected values
 * come from jq over the same files, from gunzipping the SANS lab tree here, or are written out from
 * the records by hand; never from the tool's own modules.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD, jq, KMS_DOCS, makeTempDir, RECORDS, removeDir, STACK_FRAME, tableRows, type Json } from '../helpers/e2e.js';
import { jsonLines, runCli, SHARED } from '../helpers/run-cli.js';

const PANTHER = join(RECORDS, 'panther-labs__panther-analysis.json');
const SANS = join(SHARED, 'samples/trees/SANS-504-S3-ransomware-lab');
const GENERATOR = join(SHARED, 'bench/gen-trail.mjs');
const KEY_1234 = '1234abcd-12ab-34cd-56ef-1234567890ab';
const ALICE = 'arn:aws:iam::111122223333:user/Alice';

/** jq: the first copy of each event (same eventID, time, name, outcome and recipient), in input order. */
const FIRST_COPIES =
  'reduce .[] as $r ({seen: {}, out: []}; ' +
  '([$r.eventID, $r.eventTime, $r.eventName, ($r.errorCode // ""), ($r.recipientAccountId // "")] | tostring) as $f | ' +
  'if .seen[$f] then . else .seen[$f] = true | .out += [$r] end) | .out';

/** jq: the KMS records of every input that name key $k in a request, response or resource field. */
const NAMING_KEY =
  '[inputs | .Records[] | select(.eventSource == "kms.amazonaws.com") | select([' +
  '.requestParameters.keyId?, .requestParameters.targetKeyId?, .requestParameters.sourceKeyId?, .requestParameters.destinationKeyId?, ' +
  '.responseElements.keyId?, .responseElements.keyMetadata.keyId?, .responseElements.keyMetadata.arn?, ' +
  '((.resources // [])[] | (.ARN // .arn))] | map(select(type == "string") | ascii_downcase) | any(. == $k or endswith("key/" + $k)))]';

function jqFiles(filter: string, files: string[], args: string[] = []): unknown[] {
  // -n with `inputs` reads every file as one stream, in the order given.
  const result = spawnSync('jq', ['-c', '-n', ...args, filter, ...files], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`jq failed: ${result.stderr}`);
  return jsonLines(result.stdout);
}

/** Every KMS record of the SANS lab tree, gunzipped here, in sorted path order. */
function sansKmsRecords(): Json[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.json.gz')) files.push(join(dir, entry.name));
    }
  };
  walk(SANS);
  return files.flatMap((file) =>
    (JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { Records: Json[] }).Records.filter(
      (r) => r.eventSource === 'kms.amazonaws.com',
    ),
  );
}

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeDir(dir));

// ------------------------------------------------------------------ timeline

describe('kmstrail timeline', () => {
  it('--key: every event of the key, once, in eventTime order (jq as oracle)', async () => {
    const expected = jqFiles(`${NAMING_KEY} | ${FIRST_COPIES} | sort_by(.eventTime) | .[] | [.eventTime, .eventName, .eventID]`, [KMS_DOCS], [
      '--arg',
      'k',
      KEY_1234,
    ]);
    expect(expected.length).toBe(46);
    const result = await runCli(['timeline', '--key', KEY_1234, '--format', 'jsonl', KMS_DOCS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout) as Json[];
    expect(lines.map((l) => [l.time, l.eventName, l.eventID])).toEqual(expected);
    const schedule = lines.find((l) => l.eventName === 'ScheduleKeyDeletion');
    expect(schedule).toEqual({
      time: '2021-03-23T18:58:30Z',
      eventName: 'ScheduleKeyDeletion',
      actor: 'Alice',
      actorArn: ALICE,
      key: KEY_1234,
      errorCode: null,
      details: { pendingWindowInDays: 20 },
      region: 'us-east-1',
      sourceIPAddress: '192.0.2.0',
      eventID: '3c4226b0-1e81-48a8-a333-7fa5f3cbd118',
    });
  });

  it('files that arrive newest first merge into one order', async () => {
    const all = (JSON.parse(readFileSync(KMS_DOCS, 'utf8')) as { Records: Json[] }).Records;
    const oldDir = join(dir, 'out-of-order');
    mkdirSync(oldDir);
    // a.json (read first) holds the newer half, b.json the older.
    writeFileSync(join(oldDir, 'a.json'), JSON.stringify({ Records: all.filter((r) => (r.eventTime as string) >= '2020-07-27') }));
    writeFileSync(join(oldDir, 'b.json'), JSON.stringify({ Records: all.filter((r) => (r.eventTime as string) < '2020-07-27') }));
    const files = [join(oldDir, 'a.json'), join(oldDir, 'b.json')];
    const expected = jqFiles(`${NAMING_KEY} | ${FIRST_COPIES} | sort_by(.eventTime) | .[] | [.eventTime, .eventName, .eventID]`, files, [
      '--arg',
      'k',
      KEY_1234,
    ]);
    expect(expected).toHaveLength(46);
    const result = await runCli(['timeline', '--key', `arn:aws:kms:us-west-2:111122223333:key/${KEY_1234}`, '--format', 'jsonl', oldDir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((jsonLines(result.stdout) as Json[]).map((l) => [l.time, l.eventName, l.eventID])).toEqual(expected);
  });

  it('--user root on the SANS lab tree: the three root calls, duplicates dropped', async () => {
    const roots = sansKmsRecords().filter((r) => (r.userIdentity as Json | undefined)?.type === 'Root');
    const ids = [...new Set(roots.map((r) => r.eventID))];
    expect(roots.length).toBe(6);
    expect(ids).toHaveLength(3);
    const result = await runCli(['timeline', '--user', 'root', '--format', 'jsonl', SANS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((jsonLines(result.stdout) as Json[]).map((l) => [l.time, l.actor, l.eventName, l.key])).toEqual([
      ['2021-07-29T23:53:36Z', 'root', 'CreateKey', '85b4ab0e-eee7-4450-adba-82137e39764c'],
      ['2021-07-29T23:53:36Z', 'root', 'CreateAlias', '85b4ab0e-eee7-4450-adba-82137e39764c'],
      ['2021-07-29T23:54:35Z', 'root', 'ListAliases', null],
    ]);
  });

  it('--format json is one array of the same lines; table has the columns', async () => {
    const args = ['timeline', '--user', 'Alice', '--event', 'ScheduleKeyDeletion,CancelKeyDeletion', KMS_DOCS];
    const jsonl = await runCli([...args, '--format', 'jsonl']);
    const json = await runCli([...args, '--format', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(jsonLines(jsonl.stdout));
    expect((JSON.parse(json.stdout) as Json[]).map((l) => [l.time, l.eventName, l.details])).toEqual([
      ['2020-07-27T21:53:17Z', 'CancelKeyDeletion', {}],
      ['2021-03-23T18:58:30Z', 'ScheduleKeyDeletion', { pendingWindowInDays: 20 }],
      ['2021-10-26T23:25:25Z', 'ScheduleKeyDeletion', { pendingWindowInDays: 30 }],
      ['2021-10-28T17:59:05Z', 'ScheduleKeyDeletion', { pendingWindowInDays: 30 }],
    ]);
    const table = await runCli([...args, '--format', 'table']);
    const rows = tableRows(table.stdout);
    expect(rows[0]).toEqual(['time (UTC)', 'actor', 'action', 'key', 'outcome', 'details']);
    expect(rows[1]).toEqual(['2020-07-27 21:53:17Z', 'Alice', 'CancelKeyDeletion', KEY_1234, 'ok', '']);
  });

  it('needs exactly one --key, --user or --origin: usage error, exit 2', async () => {
    const message =
      "kmstrail: timeline follows one key or one principal: give exactly one --key, --user or --origin value (see 'kmstrail timeline --help')\n";
    for (const args of [[], ['--key', KEY_1234, '--user', 'Alice'], ['--key', `${KEY_1234},alias/x`], ['--user', 'a', '--user', 'b']]) {
      const result = await runCli(['timeline', ...args, KMS_DOCS]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(message);
      expect(result.stdout).toBe('');
    }
  });

  it('--help shows examples', async () => {
    const result = await runCli(['timeline', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('held in memory');
  });
});

// ------------------------------------------------------------------ detect

/** jq: hits of the rules that fire on every successful call of one event name, in time order. */
const EVENT_RULES: Record<string, string> = {
  ScheduleKeyDeletion: 'KMS-001',
  CancelKeyDeletion: 'KMS-002',
  DisableKey: 'KMS-003',
  DisableKeyRotation: 'KMS-010',
  DeleteImportedKeyMaterial: 'KMS-011',
  ImportKeyMaterial: 'KMS-012',
};

describe('kmstrail detect', () => {
  it('event rules on the KMS guide and panther records match jq, in time order', async () => {
    const expected = jqFiles(
      `[inputs | .Records[] | select(.eventSource == "kms.amazonaws.com")] | ${FIRST_COPIES} | ` +
        'map(select(.errorCode == null and ($rules[.eventName] != null))) | sort_by(.eventTime) | .[] | [$rules[.eventName], .eventID]',
      [KMS_DOCS, PANTHER],
      ['--argjson', 'rules', JSON.stringify(EVENT_RULES)],
    );
    expect(expected).toHaveLength(9);
    const result = await runCli(['detect', '--rule', Object.values(EVENT_RULES).join(','), '--format', 'jsonl', KMS_DOCS, PANTHER]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((jsonLines(result.stdout) as Json[]).map((h) => [h.rule, h.eventID])).toEqual(expected);
  });

  it('all rules on the same records: the exact hits', async () => {
    const result = await runCli(['detect', '--format', 'jsonl', KMS_DOCS, PANTHER]);
    expect(result.code).toBe(0);
    const hits = jsonLines(result.stdout) as Json[];
    expect(hits.map((h) => [h.time, h.severity, h.rule])).toEqual([
      ['2014-11-04T00:52:43Z', 'medium', 'KMS-003'],
      ['2019-01-01T00:00:00Z', 'medium', 'KMS-003'],
      ['2019-01-01T00:00:00Z', 'high', 'KMS-001'],
      ['2020-07-26T00:08:00Z', 'medium', 'KMS-012'],
      ['2020-07-27T21:53:17Z', 'low', 'KMS-002'],
      ['2021-03-23T18:58:30Z', 'high', 'KMS-001'],
      ['2021-10-26T23:25:25Z', 'high', 'KMS-001'],
      ['2021-10-28T17:59:05Z', 'high', 'KMS-001'],
      ['2022-09-01T19:31:39Z', 'medium', 'KMS-010'],
      ['2024-01-01T00:00:00Z', 'high', 'KMS-004'],
    ]);
    expect(hits[9]).toEqual({
      rule: 'KMS-004',
      severity: 'high',
      title: 'Key policy allows any principal',
      source: 'builtin',
      tags: [],
      time: '2024-01-01T00:00:00Z',
      eventName: 'PutKeyPolicy',
      eventID: 'test-04',
      principal: 'TestRole',
      principalAccount: null,
      origin: null,
      key: null,
      keyAccount: null,
      region: 'us-west-2',
      reason: 'TestRole set the policy of an unnamed key with a policy open to any principal: Allow * kms:Decrypt',
      group: null,
      count: null,
      records: null,
      firstTime: null,
      lastTime: null,
      ruleFile: null,
      file: PANTHER,
      line: hits[9].line,
    });
  });

  it('the SANS lab tree: the root user\'s three calls (each delivered twice) and nothing else', async () => {
    const roots = sansKmsRecords().filter((r) => (r.userIdentity as Json | undefined)?.type === 'Root');
    const ids = [...new Set(roots.map((r) => r.eventID))];
    const result = await runCli(['detect', '--format', 'jsonl', SANS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const hits = jsonLines(result.stdout) as Json[];
    expect(hits.map((h) => h.rule)).toEqual(['KMS-015', 'KMS-015', 'KMS-015']);
    expect(hits.map((h) => h.eventID)).toEqual(ids);
    expect(hits.map((h) => h.reason)).toEqual([
      'root user of account 342082656213 called CreateKey on key arn:aws:kms:us-west-1:342082656213:key/85b4ab0e-eee7-4450-adba-82137e39764c',
      'root user of account 342082656213 called CreateAlias on key arn:aws:kms:us-west-1:342082656213:key/85b4ab0e-eee7-4450-adba-82137e39764c',
      'root user of account 342082656213 called ListAliases',
    ]);
  });

  it('crafted: an unreadable policy, a cross-account use, a burst (exact reasons)', async () => {
    const base = jq('.Records[] | select(.eventName == "Decrypt" and .eventTime == "2020-07-27T22:58:24Z")', { file: KMS_DOCS })[0] as Json;
    const policy = jq('.Records[] | select(.eventName == "PutKeyPolicy")', { file: KMS_DOCS })[0] as Json;
    const foreign = `arn:aws:kms:us-west-2:444455556666:key/${KEY_1234}`;
    const records: Json[] = [
      { ...policy, requestParameters: { keyId: KEY_1234, policy: '{"Statement": [' } },
      { ...base, eventID: 'cross', requestParameters: { keyId: foreign }, resources: [{ ARN: foreign, accountId: '444455556666' }] },
      ...[0, 1, 2].map((i) => ({ ...base, eventID: `denied-${i}`, eventTime: `2020-07-27T23:00:0${i}Z`, errorCode: 'AccessDenied' })),
    ];
    const file = join(dir, 'crafted.json');
    writeFileSync(file, JSON.stringify({ Records: records }));
    const result = await runCli(['detect', '--burst-threshold', '3', '--burst-window', '10s', '--format', 'jsonl', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((jsonLines(result.stdout) as Json[]).map((h) => [h.rule, h.reason])).toEqual([
      ['KMS-014', `${ALICE} of account 111122223333 called Decrypt on key ${foreign} owned by account 444455556666`],
      ['KMS-013', `${ALICE} had 3 failed KMS calls within 10s (2020-07-27T23:00:00Z to 2020-07-27T23:00:02Z): AccessDenied x3`],
      [
        'KMS-007',
        `${ALICE} set the policy of key arn:aws:kms:us-west-2:111122223333:key/${KEY_1234} with a policy that could not be checked: ` +
          'not valid JSON: Unexpected end of JSON input',
      ],
    ]);
  });

  it('--fail-on: exit 3 on a hit at or above the level, 0 below it; 3 wins over an input failure', async () => {
    expect((await runCli(['detect', '--fail-on', 'high', KMS_DOCS])).code).toBe(3);
    expect((await runCli(['detect', '--fail-on', 'high', '--rule', 'KMS-003', KMS_DOCS])).code).toBe(0);
    expect((await runCli(['detect', '--fail-on', 'low', '--rule', 'KMS-003', '--format', 'json', KMS_DOCS])).code).toBe(3);
    const truncated = join(BAD, 'truncated.json');
    const both = await runCli(['detect', '--fail-on', 'medium', '--rule', 'KMS-003', KMS_DOCS, truncated]);
    expect(both.code).toBe(3);
    expect(both.stderr).toContain(`kmstrail: ${truncated}:`);
    expect(STACK_FRAME.test(both.stderr)).toBe(false);
    expect((await runCli(['detect', '--rule', 'KMS-003', KMS_DOCS, truncated])).code).toBe(1);
  });

  it('--list-rules, filtered by --min-severity, in jsonl, json and table', async () => {
    const all = await runCli(['detect', '--list-rules', '--format', 'jsonl']);
    expect(all.code).toBe(0);
    expect((jsonLines(all.stdout) as Json[]).map((r) => r.id)).toEqual(Array.from({ length: 18 }, (_, i) => `KMS-${String(i + 1).padStart(3, '0')}`));
    const high = await runCli(['detect', '--list-rules', '--min-severity', 'high', '--format', 'json']);
    expect((JSON.parse(high.stdout) as Json[]).map((r) => r.id)).toEqual(['KMS-001', 'KMS-004', 'KMS-006', 'KMS-011', 'KMS-015', 'KMS-016']);
    const table = await runCli(['detect', '--list-rules', '--rule', 'KMS-013', '--format', 'table']);
    // The title is the first line of its cell, the description under it.
    expect(tableRows(table.stdout)[1].slice(0, 3)).toEqual(['KMS-013', 'medium', 'Burst of failed KMS calls']);
    expect(tableRows(table.stdout)[2][2]).toMatch(/^One principal/);
    const burst = await runCli(['detect', '--list-rules', '--rule', 'KMS-013', '--burst-threshold', '5', '--format', 'jsonl']);
    expect((jsonLines(burst.stdout) as Json[])[0].defaults).toBe(
      '--burst-threshold 5, --burst-window 5m; remembers up to 100,000 principals, least recently seen dropped first',
    );
  });

  it('table: one row per rule (hits, first and last seen, principals and keys), most severe first, and the counts', async () => {
    const result = await runCli(['detect', '--format', 'table', '--rule', 'KMS-001,KMS-002', KMS_DOCS]);
    expect(result.code).toBe(0);
    const deletions = jq('[.Records[] | select(.eventName == "ScheduleKeyDeletion" and .errorCode == null)] | sort_by(.eventTime)', { file: KMS_DOCS })[0] as Json[];
    const cancels = jq('[.Records[] | select(.eventName == "CancelKeyDeletion" and .errorCode == null)]', { file: KMS_DOCS })[0] as Json[];
    expect([deletions.length, cancels.length]).toEqual([3, 1]);
    const shown = (t: unknown) => String(t).replace('T', ' ');
    const [header, zoneLine, ...rows] = tableRows(result.stdout);
    expect(header).toEqual(['severity', 'rule', 'hits', 'first / last', 'top principals', 'top keys']);
    expect(zoneLine[3]).toBe('(UTC)');
    const firstLines = rows.filter((r) => r[0] !== '');
    expect(firstLines.map((r) => r.slice(0, 4))).toEqual([
      ['high', 'KMS-001', '3', shown(deletions[0].eventTime)],
      ['low', 'KMS-002', '1', shown(cancels[0].eventTime)],
    ]);
    const deletionRows = rows.slice(0, rows.indexOf(firstLines[1]));
    expect(deletionRows.map((r) => r[3]).filter(Boolean)).toEqual([shown(deletions[0].eventTime), shown(deletions[2].eventTime)]);
    expect(result.stdout.endsWith('4 hits of 2 rules: 0 critical, 3 high, 0 medium, 1 low, 0 informational (one line per hit: --format jsonl)\n')).toBe(true);
  });

  it('usage errors name the option, exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['--rule', 'KMS-999'], "option --rule: unknown rule 'KMS-999'"],
      [['--min-severity', 'urgent'], "option --min-severity: 'urgent' is not one of informational, low, medium, high, critical"],
      [['--fail-on', 'x'], "option --fail-on: 'x' is not one of informational, low, medium, high, critical"],
      [['--burst-window', '5'], "option --burst-window: '5' is not a time span (use 90s, 5m, 1h)"],
      [['--burst-threshold', '0'], "option --burst-threshold: '0' is not a positive whole number"],
      [['--format', 'csv'], "option --format: 'csv' is not one of table, json, jsonl"],
      [['--rule', 'KMS-002', '--min-severity', 'high'], 'no rule is left to run: --rule and --min-severity exclude each other here'],
      // No --rule given: the message does not blame it.
      [['--min-severity', 'critical'], 'no rule is left to run: no built-in rule is of severity critical or above'],
      // A bare '!' is no value (it read as "leave out nothing" or "match nothing", flag by flag).
      [['--user', '!'], "option --user: '!' leaves out nothing: a value must follow the !"],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['detect', ...args, KMS_DOCS]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stdout).toBe('');
    }
  });

  it('a generated 20 MB trail: event rules and root calls count as jq counts them', async () => {
    const trail = join(dir, 'gen-20.json');
    const gen = spawnSync(process.execPath, [GENERATOR, '--mb', '20', '--seed', '11', '--out', trail], { encoding: 'utf8' });
    expect(gen.status).toBe(0);
    const kms = '.Records[] | select(.eventSource == "kms.amazonaws.com")';
    const counts = (filter: string) => jq(`[${kms} | select(${filter})] | length`, { file: trail })[0] as number;
    const ok = (name: string) => counts(`.eventName == "${name}" and .errorCode == null`);
    const expected: Record<string, number> = {
      'KMS-001': ok('ScheduleKeyDeletion'),
      'KMS-002': ok('CancelKeyDeletion'),
      'KMS-003': ok('DisableKey'),
      'KMS-004': counts('.eventName == "PutKeyPolicy" and .errorCode == null and (.requestParameters.policy | fromjson | .Statement[0].Principal == "*")'),
      'KMS-010': ok('DisableKeyRotation'),
      'KMS-011': ok('DeleteImportedKeyMaterial'),
      'KMS-012': ok('ImportKeyMaterial'),
      'KMS-015': counts('.userIdentity.type == "Root"'),
    };
    expect(expected['KMS-001']).toBeGreaterThan(0);
    expect(expected['KMS-015']).toBeGreaterThan(0);
    const result = await runCli(['detect', '--rule', Object.keys(expected).join(','), '--format', 'jsonl', trail]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const got: Record<string, number> = Object.fromEntries(Object.keys(expected).map((id) => [id, 0]));
    for (const hit of jsonLines(result.stdout) as Json[]) got[hit.rule as string]++;
    expect(got).toEqual(expected);
  });

  it(
    'a generated trail larger than the heap, in bounded memory (V8 heap capped at 128 MB), hits in time order',
    async () => {
      // 256 MiB keeps the suite quick and is already twice the heap: a tool that held the file or
      // its records would die. KMSTRAIL_DETECT_MB=1024 runs the acceptance size (see README).
      const mb = process.env.KMSTRAIL_DETECT_MB ?? '256';
      const trail = join(dir, 'gen-big.json');
      const gen = spawnSync(process.execPath, [GENERATOR, '--mb', mb, '--seed', '3', '--out', trail], { encoding: 'utf8' });
      expect(gen.status).toBe(0);
      const result = await runCli(['detect', '--format', 'jsonl', '--quiet', trail], {
        env: { NODE_OPTIONS: '--max-old-space-size=128' },
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const hits = jsonLines(result.stdout) as Json[];
      expect(hits.length).toBeGreaterThan(1000);
      const times = hits.map((h) => h.time as string);
      expect(times.every((t, i) => i === 0 || times[i - 1] <= t)).toBe(true);
      expect(new Set(hits.map((h) => h.rule)).size).toBeGreaterThanOrEqual(10);
    },
    600_000,
  );
});
