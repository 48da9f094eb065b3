/**
 * s3:// input against a real S3-compatible server (s3rver on 127.0.0.1, behind a counting proxy),
 * seeded with a generated AWSLogs tree. The same tree read from local disk is the oracle.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli, SHARED } from '../helpers/run-cli.js';
import { layOutTree, generatedRecords } from '../helpers/layout-tree.js';
import { ACCESS_KEY, SECRET_KEY, startS3Server, type S3TestServer } from '../helpers/s3-server.js';

let server: S3TestServer;
let work: string;
let tree: string;
/** A tree that keeps CloudTrail's layout, under kept/ in the bucket. */
let kept: string;
let keptFiles: string[];
const credentials = { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_PROFILE: undefined };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kmstrail-s3e2e-'));
  tree = join(work, 'tree');
  // Records ~4 minutes apart on average: the tree spans several days, so day pruning shows.
  execFileSync(process.execPath, [join(SHARED, 'bench/gen-trail.mjs'), '--mb', '2', '--tree', tree, '--per-file', '100', '--gap-ms', '120000', '--seed', '7'], {
    stdio: 'ignore',
  });
  server = await startS3Server();
  await server.upload(tree);
  // The same kind of trail, each record in its own account's, region's and day's folder.
  kept = join(work, 'kept');
  keptFiles = layOutTree(generatedRecords(join(work, 'kept.json'), ['--mb', '1', '--gap-ms', '600000', '--seed', '8']), kept);
  await server.upload(kept, 'kept/');
});

afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

/** The generated tree's files, as bucket keys. */
function treeFiles(): string[] {
  const keys: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else keys.push(relative(tree, join(dir, entry.name)).split(sep).join('/'));
    }
  };
  walk(tree);
  return keys;
}

/** The tree's day folders, as `YYYY/MM/DD`. */
function treeDays(): string[] {
  return [...new Set(treeFiles().map((key) => /\/(\d{4}\/\d\d\/\d\d)\//.exec(key)?.[1]).filter((d): d is string => d !== undefined))];
}

function eventIds(stdout: string): string[] {
  return jsonLines(stdout).map((r) => (r as { eventID: string }).eventID);
}

describe('s3:// input', () => {
  it('reads the whole bucket exactly as the same tree on disk', async () => {
    const local = await runCli(['filter', '--all-sources', '-f', 'jsonl', tree]);
    const remote = await runCli(['filter', '--all-sources', '-f', 'jsonl', '--endpoint-url', server.endpoint, 's3://trails/'], {
      env: credentials,
    });
    expect(remote.stderr).toBe('');
    expect(remote.code).toBe(0);
    expect(local.code).toBe(0);
    const ids = eventIds(remote.stdout);
    expect(ids.length).toBeGreaterThan(1000);
    expect(ids).toEqual(eventIds(local.stdout));
  });

  it('a one-day window lists and fetches only that day (and the next, for late deliveries)', async () => {
    const window = ['--since', '2024-03-02T00:00:00Z', '--until', '2024-03-03T00:00:00Z'];
    const local = await runCli(['filter', '--all-sources', '-f', 'jsonl', ...window, tree]);
    server.resetRequests();
    const remote = await runCli(['filter', '--all-sources', '-f', 'jsonl', ...window, '--endpoint-url', server.endpoint, 's3://trails/'], {
      env: credentials,
    });
    expect(remote.code).toBe(0);
    expect(eventIds(remote.stdout)).toEqual(eventIds(local.stdout));
    expect(eventIds(remote.stdout).length).toBeGreaterThan(0);

    const requests = server.requests.map((r) => decodeURIComponent(r));
    const gets = requests.filter((r) => r.startsWith('GET /trails/AWSLogs/'));
    const lists = requests.filter((r) => r.includes('list-type=2'));
    expect(gets.length).toBeGreaterThan(0);
    for (const get of gets) expect(get).toMatch(/\/2024\/03\/0[23]\//);
    // Day listings name only the two days; the other listings are one-key hops over accounts/regions.
    const dayLists = lists.filter((r) => /prefix=[^&]*\/\d{4}\/\d{2}\/\d{2}\//.test(r));
    expect(dayLists.length).toBeGreaterThan(0);
    for (const list of dayLists) expect(list).toMatch(/\/2024\/03\/0[23]\//);
    for (const list of lists.filter((r) => !dayLists.includes(r))) expect(list).toMatch(/max-keys=1/);
  });

  it('--until alone fetches no day folder after it, and lists past them', async () => {
    const days = treeDays().sort();
    expect(days.length).toBeGreaterThan(2);
    // Until the start of the second day: deliveries of the first day, and of the next (late ones).
    const until = ['--until', `${days[1].replaceAll('/', '-')}T00:00:00Z`];
    const local = await runCli(['filter', '--all-sources', '-f', 'jsonl', ...until, tree]);
    server.resetRequests();
    const remote = await runCli(['filter', '--all-sources', '-f', 'jsonl', ...until, '--endpoint-url', server.endpoint, 's3://trails/'], { env: credentials });
    expect(remote.stderr).toBe('');
    expect(remote.code).toBe(0);
    expect(eventIds(remote.stdout)).toEqual(eventIds(local.stdout));
    expect(eventIds(remote.stdout).length).toBeGreaterThan(0);
    const requests = server.requests.map((r) => decodeURIComponent(r));
    const gets = requests.filter((r) => r.startsWith('GET /trails/AWSLogs/'));
    expect(gets.length).toBeGreaterThan(0);
    for (const get of gets) expect([days[0], days[1]]).toContain(/\/(\d{4}\/\d\d\/\d\d)\//.exec(get)?.[1]);
    // A region's listing met a later day and went on past its year folder instead of listing it.
    expect(requests.some((r) => r.includes('list-type=2') && r.includes(`start-after=`) && /\/\d{4}\/\u{10FFFF}/u.test(r))).toBe(true);
  });

  it('a prefix that names a year, with a window: only the window is fetched', async () => {
    const days = treeDays().sort();
    const [year] = days[1].split('/');
    const folders = [...new Set(treeFiles().map((key) => key.replace(/\d{4}\/\d\d\/\d\d\/[^/]+$/, '')))];
    const inFolder = (folder: string, day: string) => treeFiles().filter((key) => key.startsWith(folder) && key.includes(`/${day}/`)).length;
    const window = ['--since', `${days[1].replaceAll('/', '-')}T00:00:00Z`, '--until', `${days[2].replaceAll('/', '-')}T00:00:00Z`];
    const run = async (folder: string) => {
      const local = await runCli(['filter', '--all-sources', '-f', 'jsonl', ...window, join(tree, ...`${folder}${year}`.split('/'))]);
      server.resetRequests();
      const remote = await runCli(['filter', '--all-sources', '-f', 'jsonl', ...window, '--endpoint-url', server.endpoint, `s3://trails/${folder}${year}/`], { env: credentials });
      expect(remote.code).toBe(0);
      expect(eventIds(remote.stdout)).toEqual(eventIds(local.stdout));
      return { remote, gets: server.requests.map((r) => decodeURIComponent(r)).filter((r) => r.startsWith('GET /trails/AWSLogs/')) };
    };
    // A region folder with files of the day before the window (not to be fetched) and in it.
    const both = folders.find((folder) => inFolder(folder, days[0]) > 0 && inFolder(folder, days[1]) > 0) as string;
    expect(both).toBeDefined();
    const { remote, gets } = await run(both);
    expect(eventIds(remote.stdout).length).toBeGreaterThan(0);
    expect(gets, gets.join('\n')).toHaveLength(inFolder(both, days[1]) + inFolder(both, days[2]));
    for (const get of gets) expect([days[1], days[2]]).toContain(/\/(\d{4}\/\d\d\/\d\d)\//.exec(get)?.[1]);
    // One whose files are all before the window: nothing fetched, and an answer (none), not a failure.
    const before = folders.find((folder) => inFolder(folder, days[0]) > 0 && inFolder(folder, days[1]) + inFolder(folder, days[2]) === 0);
    expect(before).toBeDefined();
    const none = await run(before as string);
    expect(none.gets).toEqual([]);
    expect(none.remote.stderr).toMatch(/warning: no trail files in the folders that --since\/--until, --region and --account allow/);
    // An object named exactly is read whatever its day, as a local file named exactly is.
    const named = treeFiles().find((key) => key.includes(`/${days[0]}/`)) as string;
    server.resetRequests();
    const one = await runCli(['filter', '--all-sources', '-f', 'jsonl', '--stats', ...window, '--endpoint-url', server.endpoint, `s3://trails/${named}`], { env: credentials });
    expect(one.code).toBe(0);
    expect(one.stderr).toMatch(/stats: 1 file, .* [1-9][\d,]* records read/);
    expect(server.requests.filter((r) => r.startsWith(`GET /trails/${named}`))).toHaveLength(1);
  });

  // Regression guard: the alias first pass listed and fetched the whole bucket (31 GETs, 7 outside
  // the window, against 12 and 0 without the alias).
  it('--key alias/x with a window: the alias pass fetches only the window, as the real pass does', async () => {
    const window = ['--since', '2024-03-02T00:00:00Z', '--until', '2024-03-03T00:00:00Z'];
    const all = jsonLines((await runCli(['filter', '-f', 'jsonl', tree])).stdout) as Array<{ requestParameters?: { keyId?: string } }>;
    const alias = all.map((r) => r.requestParameters?.keyId).find((k) => k?.startsWith('alias/'));
    expect(alias).toBeDefined();
    const remote = ['--endpoint-url', server.endpoint, 's3://trails/'];
    const fetched = async (options: string[]) => {
      server.resetRequests();
      const run = await runCli(['filter', '-f', 'jsonl', ...options, ...window, ...remote], { env: credentials });
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      return server.requests.map((r) => decodeURIComponent(r)).filter((r) => r.startsWith('GET /trails/AWSLogs/'));
    };
    const withAlias = await fetched(['--key', alias as string]);
    const withoutAlias = await fetched(['--event', 'Decrypt']);
    expect(withoutAlias.length).toBeGreaterThan(0);
    for (const get of withAlias) expect(get).toMatch(/\/2024\/03\/0[23]\//);
    // Two passes over the same objects, never one object more.
    expect(new Set(withAlias)).toEqual(new Set(withoutAlias));
  });

  it('--region prunes to that region folder, where the bucket keeps the layout (three folders checked)', async () => {
    server.resetRequests();
    const args = ['filter', '--all-sources', '-f', 'jsonl', '--region', 'eu-west-1'];
    const remote = await runCli([...args, '--endpoint-url', server.endpoint, 's3://trails/kept/'], { env: credentials });
    expect(remote.stderr).toBe('');
    expect(remote.code).toBe(0);
    const local = await runCli([...args, '--no-prune', kept]);
    expect(eventIds(remote.stdout)).toEqual(eventIds(local.stdout));
    expect(eventIds(remote.stdout).length).toBeGreaterThan(50);
    // Every object of eu-west-1; of the other region folders, the first object of the first three
    // only (the layout checks, after which the bucket is trusted).
    const gets = server.requests.filter((r) => r.startsWith('GET /trails/kept/AWSLogs/'));
    const elsewhere = gets.filter((get) => !get.includes('/CloudTrail/eu-west-1/'));
    const otherFolders = new Set(elsewhere.map((get) => /AWSLogs\/\d+\/CloudTrail\/[^/]+\//.exec(get)?.[0]));
    expect(elsewhere.length).toBe(otherFolders.size);
    expect(elsewhere.length).toBe(3);
    expect(gets.length).toBeGreaterThan(elsewhere.length);
    const filesElsewhere = keptFiles.filter((file) => !file.includes('/CloudTrail/eu-west-1/')).length;
    expect(filesElsewhere).toBeGreaterThan(2 * elsewhere.length);
  });

  it('a layout check that cannot read its object lists that folder, and the run goes on', async () => {
    const args = ['filter', '--all-sources', '-f', 'jsonl', '--region', 'eu-west-1'];
    // The object the check of the first other region folder reads (the first, in key order).
    const probed = keptFiles
      .map((file) => `kept/${relative(kept, file).split(sep).join('/')}`)
      .filter((key) => !key.includes('/CloudTrail/eu-west-1/'))
      .sort()[0];
    const folder = probed.slice(0, probed.indexOf('/', probed.indexOf('/CloudTrail/') + '/CloudTrail/'.length) + 1);
    server.proxy.inject({ key: probed }, { kind: 'error', status: 403, code: 'AccessDenied' }, 1);
    server.resetRequests();
    const remote = await runCli([...args, '--endpoint-url', server.endpoint, 's3://trails/kept/'], { env: credentials });
    expect(remote.stderr).toBe('');
    expect(remote.code).toBe(0);
    expect(eventIds(remote.stdout)).toEqual(eventIds((await runCli([...args, '--no-prune', kept])).stdout));
    // That folder was listed and every object in it read, after the failed check.
    const inFolder = keptFiles.filter((file) => `kept/${relative(kept, file).split(sep).join('/')}`.startsWith(folder)).length;
    expect(inFolder).toBeGreaterThan(1);
    expect(server.requests.filter((r) => r.startsWith(`GET /trails/${folder}`)).length).toBe(inFolder + 1);
  });

  it('--region reads every region folder, and says why, where the bucket does not keep the layout', async () => {
    // gen-trail.mjs --tree files records in account and region folders at random.
    const args = ['filter', '--all-sources', '-f', 'jsonl', '--region', 'eu-west-1'];
    const remote = await runCli([...args, '--endpoint-url', server.endpoint, 's3://trails/AWSLogs/'], { env: credentials });
    expect(remote.code).toBe(0);
    expect(remote.stderr).toMatch(
      /^kmstrail: s3:\/\/trails\/AWSLogs\/\S+: warning: records of region [a-z0-9-]+ in the folder of region [a-z0-9-]+: this bucket does not keep CloudTrail's folder layout, so every region and account folder is read \(--region and --account skip none\)\n$/,
    );
    const local = await runCli([...args, '--no-prune', tree]);
    expect(eventIds(remote.stdout)).toEqual(eventIds(local.stdout));
    expect(eventIds(remote.stdout).length).toBeGreaterThan(100);
  });

  it('honours credentials: wrong keys fail with one clear line, --profile from a credentials file works', async () => {
    const wrong = await runCli(['filter', '--all-sources', '--endpoint-url', server.endpoint, 's3://trails/'], {
      env: { AWS_ACCESS_KEY_ID: 'NOTAKEY', AWS_SECRET_ACCESS_KEY: 'wrong', AWS_PROFILE: undefined },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toMatch(/^kmstrail: s3:\/\/trails\/: cannot list: /);
    expect(wrong.stderr).not.toMatch(/^\s+at /m);

    const config = join(work, 'credentials');
    writeFileSync(config, `[analyst]\naws_access_key_id = ${ACCESS_KEY}\naws_secret_access_key = ${SECRET_KEY}\n`);
    // Only the credentials file: no keys in the environment, no config file.
    const fromFile = {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_PROFILE: undefined,
      AWS_SHARED_CREDENTIALS_FILE: config,
      AWS_CONFIG_FILE: join(work, 'no-config'),
    };
    const profiled = await runCli(['filter', '--event', 'CreateKey', '-f', 'jsonl', '--profile', 'analyst', '--endpoint-url', server.endpoint, 's3://trails/'], { env: fromFile });
    expect(profiled.stderr).toBe('');
    expect(profiled.code).toBe(0);
    const local = await runCli(['filter', '--event', 'CreateKey', '-f', 'jsonl', tree]);
    expect(eventIds(profiled.stdout)).toEqual(eventIds(local.stdout));

    // A profile the files do not hold: one line that names it, not the SDK's "any providers".
    const unknown = await runCli(['filter', '--profile', 'analsyt', '--endpoint-url', server.endpoint, 's3://trails/'], { env: fromFile });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^kmstrail: s3:\/\/trails\/: cannot list: no AWS credentials for profile "analsyt" /)]);
  });

  it('a broken object is reported like a bad local file and the run goes on; local and S3 paths mix', async () => {
    const good = { Records: [{ eventSource: 'kms.amazonaws.com', eventName: 'CreateKey', eventID: 'mixed-1', eventTime: '2024-03-01T00:00:00Z' }] };
    const whole = gzipSync(JSON.stringify(good));
    const brokenDir = join(work, 'broken');
    execFileSync('mkdir', ['-p', join(brokenDir, 'x')]);
    writeFileSync(join(brokenDir, 'x', 'a-truncated.json.gz'), whole.subarray(0, whole.length - 12));
    writeFileSync(join(brokenDir, 'x', 'b-good.json.gz'), whole);
    await server.upload(brokenDir, 'other/');
    const local = join(work, 'local.json');
    writeFileSync(local, JSON.stringify({ Records: [{ ...good.Records[0], eventID: 'local-1' }] }));

    const run = await runCli(['filter', '-f', 'jsonl', '--endpoint-url', server.endpoint, 's3://trails/other/', local], { env: credentials });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^kmstrail: s3:\/\/trails\/other\/x\/a-truncated\.json\.gz: gzip data ends early/m);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(eventIds(run.stdout)).toEqual(['mixed-1', 'local-1']);
  });

  it('a window no folder of the layout can hold: an answer (none, a warning, exit 0), as for a local tree', async () => {
    const run = await runCli(['filter', '--since', '2030-01-01', '--endpoint-url', server.endpoint, 's3://trails/'], { env: credentials });
    expect(run.stdout).toBe('');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^kmstrail: s3:\/\/trails\/: warning: no trail files in the folders that --since\/--until, --region and --account allow$/m);
    const local = await runCli(['filter', '--since', '2030-01-01', tree]);
    expect(local.code).toBe(0);
  });

  it('an object named exactly is read whatever its name; under a prefix, names decide', async () => {
    const record = { eventSource: 'kms.amazonaws.com', eventName: 'CreateKey', eventID: 'renamed-1', eventTime: '2024-03-01T00:00:00Z' };
    await server.putObjects([{ key: 'downloads/obj1', body: gzipSync(JSON.stringify({ Records: [record] })) }]);
    const exact = await runCli(['filter', '-f', 'jsonl', '--endpoint-url', server.endpoint, 's3://trails/downloads/obj1'], { env: credentials });
    expect(exact.code, exact.stderr).toBe(0);
    expect(eventIds(exact.stdout)).toEqual(['renamed-1']);
    const prefix = await runCli(['filter', '-f', 'jsonl', '--endpoint-url', server.endpoint, 's3://trails/downloads/'], { env: credentials });
    expect(prefix.code).toBe(1);
    expect(prefix.stderr).toMatch(/no trail files under this prefix/);
    // A key named as one file that is not there: the object is what is missing.
    const missing = await runCli(['filter', '-f', 'jsonl', '--endpoint-url', server.endpoint, 's3://trails/downloads/gone.json.gz'], { env: credentials });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('kmstrail: s3://trails/downloads/gone.json.gz: no such object (nor trail files under it as a prefix)\n');
  });

  it('a missing bucket is one line, exit 1', async () => {
    const run = await runCli(['filter', '--endpoint-url', server.endpoint, 's3://no-such-bucket/'], { env: credentials });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^kmstrail: s3:\/\/no-such-bucket\/: cannot list: no such bucket/);
  });
});

describe('s3:// input: what other tools leave in a bucket, and long windows', () => {
  it('an empty "folder" object (the S3 console\'s, rclone\'s) at AWSLogs/ or an account\'s CloudTrail/ hides no folder', async () => {
    const local = await runCli(['filter', '--all-sources', '-f', 'jsonl', tree]);
    await server.upload(tree, 'marked/');
    const accounts = treeFiles().map((key) => /^AWSLogs\/(\d{12})\//.exec(key)?.[1]).filter((a): a is string => a !== undefined);
    await server.putObjects([
      { key: 'marked/AWSLogs/', body: Buffer.alloc(0) },
      { key: `marked/AWSLogs/${accounts[0]}/CloudTrail/`, body: Buffer.alloc(0) },
    ]);
    const remote = await runCli(['filter', '--all-sources', '-f', 'jsonl', '--endpoint-url', server.endpoint, 's3://trails/marked/AWSLogs/'], { env: credentials });
    expect(remote.stderr).toBe('');
    expect(remote.code).toBe(0);
    expect(eventIds(remote.stdout)).toEqual(eventIds(local.stdout));
  });

  it('--since alone lists each region folder from its first day, not every day folder up to today', async () => {
    const days = treeDays().sort();
    const since = ['--since', `${days[1].replaceAll('/', '-')}T00:00:00Z`];
    const local = await runCli(['filter', '--all-sources', '-f', 'jsonl', ...since, tree]);
    server.resetRequests();
    const remote = await runCli(['filter', '--all-sources', '-f', 'jsonl', ...since, '--endpoint-url', server.endpoint, 's3://trails/AWSLogs/'], { env: credentials });
    expect(remote.stderr).toBe('');
    expect(remote.code).toBe(0);
    expect(eventIds(remote.stdout)).toEqual(eventIds(local.stdout));
    const requests = server.requests.map((r) => decodeURIComponent(r));
    // The generated trail is of 2024: a listing per day folder up to today would be hundreds per region.
    expect(requests.filter((r) => r.includes('list-type=2')).length).toBeLessThan(100);
    for (const get of requests.filter((r) => r.startsWith('GET /trails/AWSLogs/'))) expect(days.slice(1)).toContain(/\/(\d{4}\/\d\d\/\d\d)\//.exec(get)?.[1]);
  });
});
