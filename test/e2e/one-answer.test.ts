/**
 * One question, one answer: copies of one event counted once by every command, read in parallel
 * or not; and the inputs that used to lose records, or answer nothing, without a word. The real
 * SANS ransomware-lab tree (about 6,500 eventIDs there occur twice) is the main witness; jq with
 * copies dropped (JQ_FIRST_COPIES, written apart from the tool) is the oracle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jq, JQ_FIRST_COPIES, KMS_DOCS, makeTempDir, removeDir, SHAPES, type Json } from '../helpers/e2e.js';
import { BIN, jsonLines, runCli, SHARED } from '../helpers/run-cli.js';

const SANS = join(SHARED, 'samples/trees/SANS-504-S3-ransomware-lab');
const CONFUSABLES = join(SHARED, 'samples/original/_confusables');

let dir: string;
beforeAll(() => {
  dir = makeTempDir('kmstrail-one-answer-');
});
afterAll(() => removeDir(dir));

const lines = (stderr: string) => stderr.split('\n').filter((l) => l !== '');
const stat = (stderr: string, what: RegExp) => Number((what.exec(stderr)?.[1] ?? 'NaN').replace(/,/g, ''));

/** The records of every .json.gz file under `root`, back to back, for jq (`-n`, `inputs`). */
function gzFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.json.gz')) out.push(join(d, e.name));
    }
  };
  walk(root);
  return out.sort();
}

/** jq over the gunzipped SANS files: `records` is every record, copies of one event dropped. */
function sansJq(program: string): unknown[] {
  const result = spawnSync('bash', ['-c', `zcat "$@" | jq -c -n '${JQ_FIRST_COPIES} def records: [inputs | .Records[]] | firstcopies; ${program}'`, 'zcat', ...gzFiles(SANS)], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return jsonLines(result.stdout);
}

describe.skipIf(!existsSync(SANS))('the SANS tree: the same number from every command, and from jq', () => {
  it("FalsimentisRoot's Decrypts: filter, summary, timeline and keys agree with jq's unique count; --keep-duplicates gives jq's raw count", async () => {
    const who = ['--user', 'FalsimentisRoot', '--event', 'Decrypt'];
    const [unique, raw] = sansJq(
      '[records | select(.userIdentity.userName == "FalsimentisRoot" and .eventName == "Decrypt")] | length, ' +
        '([inputs] | length) as $n | 0',
    ).slice(0, 1) as number[];
    expect(unique).toBe(566);
    void raw;
    const filter = await runCli(['filter', ...who, '--stats', SANS]);
    const summary = await runCli(['summary', ...who, '-f', 'json', SANS]);
    const timeline = await runCli(['timeline', ...who, '-f', 'jsonl', SANS]);
    const keys = await runCli(['keys', ...who, '-f', 'json', SANS]);
    expect(jsonLines(filter.stdout)).toHaveLength(unique);
    expect((JSON.parse(summary.stdout) as Json).records).toBe(unique);
    expect(jsonLines(timeline.stdout)).toHaveLength(unique);
    const decrypts = ((JSON.parse(keys.stdout) as { keys: Array<{ operations: Json }> }).keys).reduce((n, k) => n + ((k.operations.Decrypt as number) ?? 0), 0);
    expect(decrypts).toBe(unique);
    // What was dropped is said: in --stats, and in summary.
    expect(stat(filter.stderr, /(\d[\d,]*) duplicates dropped/)).toBe(unique);
    expect(((JSON.parse(summary.stdout) as Json).input as Json).duplicates).toBe(unique);

    const kept = await runCli(['summary', ...who, '--keep-duplicates', '-f', 'json', SANS]);
    expect((JSON.parse(kept.stdout) as Json).records).toBe(2 * unique);
  });

  it('--limit N over its small gzip files: N records and exit 0, run after run (workers ended mid-batch once aborted Node)', async () => {
    // Ending a worker inside gunzipSync aborted the process about one run in 50 (exit 134, no
    // output): workers are now ended between two files. Many runs with limits that end them at
    // different points; the answer each time is jq's first N records.
    const [first] = sansJq('[records | select(.eventSource == "kms.amazonaws.com") | .eventID]') as string[][];
    for (let run = 0; run < 16; run++) {
      const n = 1 + ((run * 7) % 40);
      const r = await runCli(['filter', '--limit', String(n), SANS]);
      expect(r.code, r.stderr).toBe(0);
      expect((jsonLines(r.stdout) as Array<{ eventID: string }>).map((x) => x.eventID)).toEqual(first.slice(0, n));
    }
  });

  it("root's events: filter and timeline give jq's unique count, on one thread or two", async () => {
    const [unique] = sansJq('[records | select(.userIdentity.type == "Root")] | length') as number[];
    expect(unique).toBe(656);
    for (const jobs of ['1', '2']) {
      const filter = await runCli(['filter', '--all-sources', '--user', 'root', '--jobs', jobs, SANS]);
      const timeline = await runCli(['timeline', '--all-sources', '--user', 'root', '--jobs', jobs, '-f', 'jsonl', SANS]);
      expect(jsonLines(filter.stdout)).toHaveLength(unique);
      expect(jsonLines(timeline.stdout)).toHaveLength(unique);
    }
  });

  it('keys: the key created once counts one CreateKey', async () => {
    const keys = JSON.parse((await runCli(['keys', '-f', 'json', SANS])).stdout) as { keys: Array<{ operations: Json; created: Json }> };
    const created = keys.keys.filter((k) => k.created);
    expect(created).toHaveLength(1);
    expect(created[0].operations.CreateKey).toBe(1);
  });

  it("a principal summary names by an IAM user's ARN is found by --user with that ARN, also in records that name it without one", async () => {
    // invictus-ir: sign-in and MFA records name bert-jan by account and user name only.
    const invictus = join(SHARED, 'samples/trees/invictus-ir');
    const summary = JSON.parse((await runCli(['summary', '--all-sources', '--top', '1000', '-f', 'json', invictus])).stdout) as { principals: { rows: Array<{ value: string; count: number }> } };
    const users = summary.principals.rows.filter((row) => /^arn:aws:iam::\d{12}:user\//.test(row.value));
    expect(users.length).toBeGreaterThan(0);
    const withoutArn = jq('.Records[] | select(.userIdentity.type == "IAMUser" and .userIdentity.arn == null) | .eventID', { files: readdirSync(invictus).map((f) => join(invictus, f)) });
    expect(withoutArn.length).toBeGreaterThan(0);
    for (const row of users) {
      const found = await runCli(['filter', '--all-sources', '--user', row.value, '-f', 'jsonl', invictus]);
      expect(jsonLines(found.stdout).length, row.value).toBe(row.count);
    }
  });

  it('detect and summary count the same KMS events', async () => {
    const summary = JSON.parse((await runCli(['summary', '-f', 'json', SANS])).stdout) as Json;
    const detect = await runCli(['detect', '-f', 'jsonl', '--stats', SANS]);
    expect(stat(detect.stderr, /detect: \d+ built-in rules judged ([\d,]+) KMS events/)).toBe(summary.records);
  });

  it('detect --all-sources reads what filter --all-sources reads, and tells the same faults (a broken non-KMS record)', async () => {
    const records = (JSON.parse(readFileSync(KMS_DOCS, 'utf8')) as { Records: Json[] }).Records;
    const file = join(dir, 'broken-s3.jsonl');
    const lines = records.map((r) => JSON.stringify(r));
    lines.splice(3, 0, '{"eventSource":"s3.amazonaws.com","eventName":"GetObject" "eventTime":"2024-01-01T00:00:00Z"}');
    writeFileSync(file, lines.join('\n') + '\n');
    const [filter, detect] = await Promise.all([
      runCli(['filter', '--all-sources', '-f', 'jsonl', file]),
      runCli(['detect', '--all-sources', '-f', 'jsonl', '--stats', file]),
    ]);
    // Every record but the broken one, copies of one event once (kms-docs.json holds some).
    const taken = jsonLines(filter.stdout).length;
    expect(taken).toBeGreaterThan(records.length - 5);
    expect(stat(detect.stderr, /stats: .* ([\d,]+) matched/)).toBe(taken);
    for (const result of [filter, detect]) {
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${file}:4:`);
    }
  });
});

describe('filter --sort time --limit N', () => {
  // Regression guard: it printed the first N in file order, sorted; the question is the earliest N.
  it('prints the earliest N of all the matches, whatever the file order', async () => {
    const records = (JSON.parse(readFileSync(KMS_DOCS, 'utf8')) as { Records: Json[] }).Records;
    const reversed = join(dir, 'reversed.json');
    writeFileSync(reversed, JSON.stringify({ Records: [...records].reverse() }));
    const expected = jq(`${JQ_FIRST_COPIES} [.Records | firstcopies | select(.eventSource == "kms.amazonaws.com")] | to_entries | sort_by(.value.eventTime, .key) | .[:5][].value.eventID`, { file: reversed });
    const result = await runCli(['filter', '--sort', 'time', '--limit', '5', '-f', 'jsonl', reversed]);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout).map((r) => (r as Json).eventID)).toEqual(expected);
  });
});

describe('--key alias/x on standard input', () => {
  it('gives what the file gives: the input is kept as read, for the first pass that learns the alias\'s key', async () => {
    const fromFile = await runCli(['filter', '--key', 'alias/ExampleAlias', '-f', 'jsonl', KMS_DOCS]);
    const result = await runCli(['filter', '--key', 'alias/ExampleAlias', '-f', 'jsonl'], { input: readFileSync(KMS_DOCS) });
    expect(result.code).toBe(0);
    expect(lines(result.stderr)).toEqual([]);
    expect(result.stdout).toBe(fromFile.stdout);
    // Records naming the alias's key only, by ID or ARN, are among them.
    expect(jsonLines(result.stdout).some((record) => !JSON.stringify(record).includes('alias/ExampleAlias'))).toBe(true);
  });
});

describe('elements of an array are held to the "is this CloudTrail?" test', () => {
  const docs = () => (JSON.parse(readFileSync(KMS_DOCS, 'utf8')) as { Records: Json[] }).Records;

  it('a Cribl capture (an array of {_raw} wrappers): no blank records; each skipped, counted, exit 1', async () => {
    const path = join(dir, 'cribl.json');
    writeFileSync(path, JSON.stringify(docs().slice(0, 3).map((r) => ({ _raw: JSON.stringify(r), _time: 1700000000, host: 'x' }))));
    const result = await runCli(['filter', '--all-sources', '--stats', '-f', 'jsonl', path]);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(1);
    expect(lines(result.stderr).filter((l) => l.includes('array element is not a CloudTrail record (keys: _raw, _time, host)'))).toHaveLength(3);
    expect(result.stderr).toMatch(/3 input problems \(not a CloudTrail record: 3\)/);
  });

  it('{"Records":[{"foo":1}]} is no record', async () => {
    const path = join(dir, 'foo.json');
    writeFileSync(path, '{"Records":[{"foo":1}]}');
    const result = await runCli(['filter', '--all-sources', '-f', 'jsonl', path]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(`kmstrail: ${path}:1: array element is not a CloudTrail record (keys: foo); skipped (byte 12)\n`);
  });

  it.skipIf(!existsSync(CONFUSABLES))('the confusables (S3 notifications, DynamoDB Streams, KMS EventBridge events, CloudWatch Logs payloads) never count as records', async () => {
    const files: string[] = [];
    for (const d of readdirSync(CONFUSABLES)) for (const f of readdirSync(join(CONFUSABLES, d))) files.push(join(CONFUSABLES, d, f));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const args of [['--all-sources'], []]) {
      const result = await runCli(['filter', ...args, '-f', 'jsonl', '--stats', ...files]);
      expect(result.stdout).toBe('');
      expect(result.code).toBe(1);
      expect(stat(result.stderr, /(\d+) matched/)).toBe(0);
    }
    const s3 = await runCli(['filter', '-f', 'jsonl', join(CONFUSABLES, 'awsdocs__amazon-s3-developer-guide', 'doc_source__notification-content-structure-1.json')]);
    expect(s3.stderr).toContain('array element is not a CloudTrail record (an S3 event notification (eventSource aws:s3)); skipped');
  });
});

describe('a time window that matches nothing', () => {
  it('--since after every record of a file says what time span the records covered', async () => {
    const result = await runCli(['filter', '--all-sources', '--since', '2030-01-01', KMS_DOCS]);
    expect(result).toMatchObject({ code: 0, stdout: '' });
    const [first, last] = jq('[.Records[].eventTime] | min, max', { file: KMS_DOCS });
    expect(lines(result.stderr)).toEqual([`kmstrail: note: no record in the time window [2030-01-01T00:00:00Z, …): the records read span ${first} to ${last}`]);
  });

  it('no note when records were in the window and other filters left nothing', async () => {
    const [first] = jq('[.Records[].eventTime] | min', { file: KMS_DOCS }) as string[];
    for (const others of [['--region', 'nowhere-1'], ['--user', 'nobody-at-all'], ['--event', 'Decrypt', '--error-code', 'NoSuchCode']]) {
      const result = await runCli(['filter', '--all-sources', '--since', first, ...others, KMS_DOCS]);
      expect(result).toMatchObject({ code: 0, stdout: '' });
      expect(result.stderr, others.join(' ')).not.toContain('time window');
    }
  });

  it('records without eventTime are counted in --stats', async () => {
    const path = join(dir, 'untimed.json');
    const base = { eventSource: 'kms.amazonaws.com', eventName: 'Decrypt' };
    writeFileSync(path, JSON.stringify({ Records: [{ ...base, eventID: 'a', eventTime: '2024-03-01T00:00:00Z' }, { ...base, eventID: 'b' }, { ...base, eventID: 'c', eventTime: 'yesterday' }] }));
    const result = await runCli(['filter', '--since', '2024-01-01', '--stats', '-f', 'jsonl', path]);
    expect(jsonLines(result.stdout).map((r) => (r as Json).eventID)).toEqual(['a']);
    expect(result.stderr).toContain('stats: time window: 2 records without a readable eventTime (never in a window)');
  });
});

describe('a directory walk decides by content, not by name', () => {
  it('obj1, x.gz, y.json.gzip are read; a text file is passed over and counted in --stats', async () => {
    const tree = join(dir, 'downloads');
    mkdirSync(tree, { recursive: true });
    const delivery = readFileSync(join(SHAPES, 'delivery.json'));
    writeFileSync(join(tree, 'obj1'), delivery);
    writeFileSync(join(tree, 'x.gz'), gzipSync(delivery));
    writeFileSync(join(tree, 'y.json.gzip'), gzipSync(delivery));
    writeFileSync(join(tree, 'notes.txt'), 'downloaded with aws s3 cp --recursive\n');
    copyFileSync(join(SHAPES, 'records.jsonl'), join(tree, 'z'));
    const result = await runCli(['filter', '--all-sources', '--keep-duplicates', '--stats', '-f', 'jsonl', tree]);
    expect(result.code).toBe(0);
    const five = jq('.', { file: join(SHAPES, 'expected.jsonl') });
    expect(jsonLines(result.stdout)).toEqual([...five, ...five, ...five, ...five]);
    expect(result.stderr).toMatch(/stats: 4 files, .* 1 input problem \(not a trail file: 1\)/);
  });

  it('a named pipe inside a tree is passed over unread (it would block the walk) and counted', async () => {
    const tree = join(dir, 'with-fifo');
    mkdirSync(tree, { recursive: true });
    copyFileSync(join(SHAPES, 'delivery.json'), join(tree, 'a.json'));
    execFileSync('mkfifo', [join(tree, 'b.json')]);
    const result = await runCli(['filter', '--all-sources', '--keep-duplicates', '--stats', '-f', 'jsonl', tree]);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toHaveLength(5);
    expect(result.stderr).toMatch(/stats: 1 file, .* 1 input problem \(not a trail file: 1\)/);
  });

  it('a download cut inside its gzip header, named without an extension, is a truncated trail: named, exit 1, the others read', async () => {
    const tree = join(dir, 'cut-downloads');
    mkdirSync(tree, { recursive: true });
    const delivery = readFileSync(join(SHAPES, 'delivery.json'));
    writeFileSync(join(tree, 'a-good'), gzipSync(delivery));
    // 10 bytes of header and a few of the deflate stream: nothing decodes yet.
    for (const cut of [12, 30]) writeFileSync(join(tree, `cut-${cut}`), gzipSync(delivery).subarray(0, cut));
    const result = await runCli(['filter', '--all-sources', '--stats', '-f', 'jsonl', tree]);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout)).toEqual(jq('.', { file: join(SHAPES, 'expected.jsonl') }));
    for (const cut of [12, 30]) expect(result.stderr).toContain(`${join(tree, `cut-${cut}`)}: gzip data ends early`);
    expect(result.stderr).not.toMatch(/not a trail file/);
  });
});

describe('local AWSLogs trees are pruned like S3', () => {
  it.skipIf(!existsSync(SANS))('--since/--until and --region skip the day and region folders that cannot match: the same answer as --no-prune and jq', async () => {
    const select = ['--all-sources', '--region', 'us-west-1', '--since', '2021-07-30T15:00:00Z', '--until', '2021-07-30T18:00:00Z', '--stats', '-f', 'jsonl'];
    const pruned = await runCli(['filter', ...select, SANS]);
    const whole = await runCli(['filter', ...select, '--no-prune', SANS]);
    expect(pruned.code).toBe(0);
    const expected = sansJq(
      '[records | select(.awsRegion == "us-west-1" and .eventTime >= "2021-07-30T15:00:00Z" and .eventTime < "2021-07-30T18:00:00Z") | .eventID] | sort',
    )[0] as string[];
    expect(expected.length).toBeGreaterThan(1000);
    const ids = (run: { stdout: string }) => jsonLines(run.stdout).map((r) => (r as Json).eventID);
    expect([...ids(pruned)].sort()).toEqual(expected);
    expect(ids(pruned)).toEqual(ids(whole));
    // Only the region's two day folders of the window were read: the other files were counted, not read.
    const read = stat(pruned.stderr, /stats: ([\d,]+) files,/);
    const skipped = stat(pruned.stderr, /([\d,]+) files? skipped unread/);
    expect(read + skipped).toBe(gzFiles(SANS).length);
    expect(skipped).toBeGreaterThan(1000);
    expect(stat(whole.stderr, /stats: ([\d,]+) files,/)).toBe(gzFiles(SANS).length);
    expect(whole.stderr).not.toContain('skipped unread');
  });

  it.skipIf(!existsSync(SANS))('global services\' events (us-east-1) sit in other regions\' folders: --region us-east-1 and !us-west-1 keep those folders, as jq finds', async () => {
    // The lab's trail lives in us-west-1: its IAM, STS and sign-in records say us-east-1.
    for (const [region, test] of [['us-east-1', '.awsRegion == "us-east-1"'], ['!us-west-1', '.awsRegion != "us-west-1"']]) {
      const expected = sansJq(`[records | select(${test}) | .eventID] | sort`)[0] as string[];
      expect(expected.length, region).toBeGreaterThan(10);
      const pruned = await runCli(['filter', '--all-sources', '--region', region, '-f', 'jsonl', SANS]);
      expect(pruned.code).toBe(0);
      expect(jsonLines(pruned.stdout).map((r) => (r as Json).eventID as string).sort(), region).toEqual(expected);
    }
  });

  it.skipIf(!existsSync(SANS))('a walk from a year or month folder prunes the day folders below it, as one from the top does', async () => {
    const window = ['--since', '2021-07-30T15:00:00Z', '--until', '2021-07-30T18:00:00Z'];
    const expected = sansJq('[records | select(.awsRegion == "us-west-1" and .eventTime >= "2021-07-30T15:00:00Z" and .eventTime < "2021-07-30T18:00:00Z") | .eventID] | sort')[0] as string[];
    expect(expected.length).toBeGreaterThan(1000);
    for (const root of [join(SANS, 'us-west-1', '2021'), join(SANS, 'us-west-1', '2021', '07')]) {
      const args = ['filter', '--all-sources', ...window, '--stats', '-f', 'jsonl', root];
      const pruned = await runCli(args);
      const whole = await runCli([...args, '--no-prune']);
      expect(pruned.code).toBe(0);
      const ids = (run: { stdout: string }) => jsonLines(run.stdout).map((r) => (r as Json).eventID as string);
      expect([...ids(pruned)].sort()).toEqual(expected);
      expect(pruned.stdout).toBe(whole.stdout);
      const read = stat(pruned.stderr, /stats: ([\d,]+) files,/);
      const skipped = stat(pruned.stderr, /([\d,]+) files? skipped unread/);
      // Read: the window's day and the next (late deliveries); the others were counted, not read.
      const inWindow = gzFiles(root).filter((file) => /[/\\]2021[/\\]07[/\\]3[01][/\\]/.test(file)).length;
      expect(read, root).toBe(inWindow);
      expect(skipped, root).toBe(gzFiles(root).length - inWindow);
    }
  });

  it.skipIf(!existsSync(SANS))('a window that no folder holds says which days the folders span', async () => {
    const result = await runCli(['filter', '--all-sources', '--since', '7d', SANS]);
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(/^kmstrail: note: no record in the time window \[\d{4}-\d\d-\d\dT[\d:.]+Z, …\): no file was in it; the day folders of the inputs span 2021-07-2\d to 2021-08-0\d$/),
    ]);
  });

  it('--account X reads every account folder (X\'s principals act in others), --account !X skips X\'s: the same answers as --no-prune', async () => {
    // A tree laid out as CloudTrail lays it out: each record in its recipient account's, region's
    // and delivery day's folder (a record of 23:55 is delivered the next day); one record more, by
    // a principal of the first account, delivered to the second account's folder only.
    const principalAccount = (r: Json) => ((r.userIdentity as Json | null)?.accountId as string | undefined) ?? r.recipientAccountId;
    const generated = join(dir, 'accounts.json');
    const gen = spawnSync(process.execPath, [join(SHARED, 'bench/gen-trail.mjs'), '--mb', '1', '--seed', '5', '--gap-ms', '60000', '--out', generated], { encoding: 'utf8' });
    expect(gen.status).toBe(0);
    const records = (JSON.parse(readFileSync(generated, 'utf8')) as { Records: Json[] }).Records.filter(
      (r) => typeof r.recipientAccountId === 'string' && typeof r.awsRegion === 'string' && typeof r.eventTime === 'string' && principalAccount(r) === r.recipientAccountId,
    );
    const tree = join(dir, 'accounts');
    const files = new Map<string, Json[]>();
    for (const r of records) {
      const delivered = new Date(Date.parse(r.eventTime as string) + 10 * 60_000).toISOString();
      const folder = join(tree, 'AWSLogs', r.recipientAccountId as string, 'CloudTrail', r.awsRegion as string, delivered.slice(0, 4), delivered.slice(5, 7), delivered.slice(8, 10));
      files.set(folder, [...(files.get(folder) ?? []), r]);
    }
    for (const [folder, held] of files) {
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `${held[0].recipientAccountId}_CloudTrail_${held[0].awsRegion}_x.json.gz`), gzipSync(JSON.stringify({ Records: held })));
    }
    const accounts = readdirSync(join(tree, 'AWSLogs')).sort();
    expect(accounts.length).toBeGreaterThan(1);
    const [home, other] = accounts;
    const template = records.find((r) => r.recipientAccountId === other) as Json;
    const crossing: Json = {
      ...template,
      eventID: '11111111-2222-4333-8444-555555555555',
      userIdentity: { type: 'IAMUser', accountId: home, arn: `arn:aws:iam::${home}:user/visitor`, userName: 'visitor' },
    };
    const folder = readdirSync(join(tree, 'AWSLogs', other), { recursive: true, withFileTypes: true }).find((e) => e.isFile()) as Dirent;
    writeFileSync(join(folder.parentPath, 'crossing.json.gz'), gzipSync(JSON.stringify({ Records: [crossing] })));
    for (const account of accounts) {
      for (const value of [account, `!${account}`]) {
        const args = ['filter', '--all-sources', '--account', value, '--stats', '-f', 'jsonl', tree];
        const pruned = await runCli(args);
        const whole = await runCli([...args, '--no-prune']);
        expect(pruned.stdout, value).toBe(whole.stdout);
        expect(jsonLines(pruned.stdout).length).toBeGreaterThan(0);
        const skipped = /skipped unread/.test(pruned.stderr) ? stat(pruned.stderr, /([\d,]+) files? skipped unread/) : 0;
        if (value.startsWith('!')) expect(skipped, value).toBeGreaterThan(0);
        else expect(skipped, value).toBe(0);
      }
    }
    const visitor = await runCli(['filter', '--all-sources', '--account', home, '-f', 'jsonl', tree]);
    expect((jsonLines(visitor.stdout) as Json[]).map((r) => r.eventID)).toContain(crossing.eventID);
  });

  it('a tree that does not keep the layout (gen-trail.mjs --tree files records at random): --region and --account !X skip no folder, say why, and answer as jq', async () => {
    const tree = join(dir, 'random-folders');
    execFileSync(process.execPath, [join(SHARED, 'bench/gen-trail.mjs'), '--mb', '1', '--tree', tree, '--per-file', '40', '--seed', '3'], { stdio: 'ignore' });
    const files = gzFiles(tree);
    const [account] = readdirSync(join(tree, 'AWSLogs')).sort();
    const warning = /^kmstrail: \S+: warning: records of (region|account) \S+ in the folder of \1 \S+: this tree does not keep CloudTrail's folder layout, so every region and account folder is read \(--region and --account skip none\)$/m;
    for (const [select, program] of [
      [['--region', 'eu-west-1'], 'select(.awsRegion == "eu-west-1")'],
      [['--account', `!${account}`], `select(.recipientAccountId != "${account}" and (.userIdentity.accountId // .recipientAccountId) != "${account}")`],
    ] as const) {
      const args = ['filter', '--all-sources', '--keep-duplicates', ...select, '--stats', '-f', 'jsonl', tree];
      const run = await runCli(args);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(warning);
      expect(run.stderr).not.toContain('skipped unread');
      const expected = spawnSync('bash', ['-c', `zcat "$@" | jq -r '.Records[] | ${program} | .eventID'`, 'zcat', ...files], { encoding: 'utf8', maxBuffer: 1 << 28 })
        .stdout.split('\n')
        .filter((id) => id !== '');
      expect(expected.length).toBeGreaterThan(100);
      expect((jsonLines(run.stdout) as Json[]).map((r) => r.eventID).sort()).toEqual([...expected].sort());
      expect(run.stdout).toBe((await runCli([...args, '--no-prune'])).stdout);
    }
  });
});

describe('timeline details', () => {
  it.skipIf(!existsSync(SANS))('S3 PutBucketPolicy: the bucket policy is read (its "policy" field is empty), and json details are structured', async () => {
    const result = await runCli(['timeline', '--all-sources', '--user', 'root', '--event', 'PutBucketPolicy', '-f', 'jsonl', SANS]);
    const entries = jsonLines(result.stdout) as Json[];
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      expect(typeof e.details).toBe('object');
      expect(((e.details as Json).policy as Json).statements).toEqual(expect.arrayContaining([expect.stringContaining('Service:cloudtrail.amazonaws.com')]));
    }
    const table = await runCli(['timeline', '--all-sources', '--user', 'root', '--event', 'PutBucketPolicy', '-f', 'table', SANS]);
    expect(table.stdout).not.toContain('policy unreadable');
    expect(table.stdout).toContain('statement');
  });
});

describe('standard input on a terminal', () => {
  it('says it is reading standard input, instead of waiting in silence', () => {
    const script = spawnSync('script', ['-qec', `"${process.execPath}" "${BIN}" filter`, '/dev/null'], { input: '\x04', encoding: 'utf8', timeout: 20_000 });
    expect(script.error).toBeUndefined();
    expect(script.stdout).toContain('kmstrail: reading records from standard input (a terminal): end with Ctrl-D');
  });
});
