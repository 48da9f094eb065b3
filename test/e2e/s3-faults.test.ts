/**
 * s3:// input against a loopback S3 server that misbehaves on cue (test/helpers/s3-fault-proxy.ts):
 * throttling, resets before and during a body, a stalled body, errors that never go away, an object
 * replaced mid-read, and a folder of more than 1,000 objects. The oracles are the same files read
 * from local disk (kmstrail) or parsed with JSON.parse, and the ids generated here.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli, SHARED } from '../helpers/run-cli.js';
import { ACCESS_KEY, SECRET_KEY, startS3Server, type S3TestServer } from '../helpers/s3-server.js';

let server: S3TestServer;
let work: string;
let tree: string;
let treeKeys: string[];
let treeIds: string[];
let bigFile: string;
let bigIds: string[];

const BIG_KEY = 'big/AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/01/111122223333_CloudTrail_us-east-1_20240301T0000Z_big.json';
const MANY_FOLDER = 'many/AWSLogs/123456789012/CloudTrail/us-east-1/2024/03/01/';
/** One more page than s3rver's 1,000 keys per listing page. */
const MANY = 1_010;
/** Back-off bases of 5 ms: the retries are the same, the waits short. */
const env = { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_PROFILE: undefined, KMSTRAIL_S3_RETRY_BASE_MS: '5' };

function eventIds(stdout: string): string[] {
  return jsonLines(stdout).map((r) => (r as { eventID: string }).eventID);
}

function remote(url: string, extraEnv: NodeJS.ProcessEnv = {}) {
  return runCli(['filter', '--all-sources', '-f', 'jsonl', '--endpoint-url', server.endpoint, url], { env: { ...env, ...extraEnv } });
}

/** The requests kmstrail made for one object, in order. */
function getsOf(key: string) {
  return server.proxy.seen.filter((r) => r.key === key);
}

function rangeStartOf(range: string | undefined): number {
  const m = /^bytes=(\d+)-$/.exec(range ?? '');
  if (!m) throw new Error(`not a resume: ${range}`);
  return Number(m[1]);
}

const generate = promisify(execFile);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kmstrail-s3faults-'));
  tree = join(work, 'tree');
  bigFile = join(work, 'big.json');
  const gen = join(SHARED, 'bench/gen-trail.mjs');
  // Setup overlaps: trails are generated while the server starts, the 1,010 small objects are
  // stored while the rest is prepared.
  const generated = Promise.all([
    generate(process.execPath, [gen, '--mb', '1', '--tree', tree, '--per-file', '100', '--gap-ms', '120000', '--seed', '11']),
    // Above the 16 MiB up to which objects are downloaded whole: this one is streamed.
    generate(process.execPath, [gen, '--mb', '17', '--out', bigFile, '--seed', '3']),
  ]);
  server = await startS3Server();
  const many = Array.from({ length: MANY }, (_, i) => {
    const id = `many-${String(i).padStart(4, '0')}`;
    const record = { eventVersion: '1.08', eventSource: 'kms.amazonaws.com', eventName: 'Decrypt', eventID: id, eventTime: '2024-03-01T12:00:00Z', awsRegion: 'us-east-1' };
    return { key: `${MANY_FOLDER}123456789012_CloudTrail_us-east-1_20240301T1200Z_${id}.json.gz`, body: gzipSync(JSON.stringify({ Records: [record] })) };
  });
  const seeded = server.putObjects(many);
  await generated;

  const big = readFileSync(bigFile);
  bigIds = (JSON.parse(big.toString('utf8')) as { Records: Array<{ eventID: string }> }).Records.map((r) => r.eventID);
  const local = runCli(['filter', '--all-sources', '-f', 'jsonl', tree]);
  const uploaded = await server.upload(tree, 'tree/');
  treeKeys = execFileSync('find', [tree, '-type', 'f'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((file) => `tree/${relative(tree, file)}`)
    .sort();
  expect(treeKeys).toHaveLength(uploaded);
  await server.putObjects([{ key: BIG_KEY, body: big }]);
  await seeded;

  const oracle = await local;
  expect(oracle.code).toBe(0);
  treeIds = eventIds(oracle.stdout);
  expect(treeIds).toHaveLength(1000);
});

afterEach(() => {
  server.proxy.clearFaults();
  server.resetRequests();
});

afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('transient S3 faults are retried and lose nothing', () => {
  it('throttled listings and GETs, a 500 and dropped connections: the whole tree, exit 0', async () => {
    const [a, b, c, d] = treeKeys;
    const faults = [
      server.proxy.inject({ listing: true, prefix: 'tree/AWSLogs/111122223333/CloudTrail/' }, { kind: 'throttle' }, 3),
      server.proxy.inject({ listing: true }, { kind: 'throttle' }, 2),
      server.proxy.inject({ key: a }, { kind: 'throttle' }, 2),
      // Four throttles in a row: the fifth and last attempt gets through.
      server.proxy.inject({ key: b }, { kind: 'throttle' }, 4),
      server.proxy.inject({ key: c }, { kind: 'error', status: 500, code: 'InternalError' }, 1),
      server.proxy.inject({ key: d }, { kind: 'drop' }, 2),
    ];
    const run = await remote('s3://trails/tree/');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(eventIds(run.stdout)).toEqual(treeIds);
    expect(faults.map((f) => f.hits)).toEqual([3, 2, 2, 4, 1, 2]);
    expect([a, b, c, d].map((key) => getsOf(key).length)).toEqual([3, 5, 2, 3]);
  });

  it('a reset mid-object and a stalled body on whole downloads: resumed from the byte reached, nothing twice', async () => {
    const [a, b] = treeKeys;
    const cut = server.proxy.inject({ key: a }, { kind: 'reset', afterBytes: 6_000 }, 1);
    const stall = server.proxy.inject({ key: b }, { kind: 'stall', afterBytes: 4_000 }, 1);
    const run = await remote('s3://trails/tree/', { KMSTRAIL_S3_IDLE_TIMEOUT_MS: '1000' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const ids = eventIds(run.stdout);
    expect(ids).toEqual(treeIds);
    expect(new Set(ids).size).toBe(ids.length);
    expect([cut.hits, stall.hits]).toEqual([1, 1]);
    for (const [key, limit] of [[a, 6_000], [b, 4_000]] as const) {
      const gets = getsOf(key);
      expect(gets).toHaveLength(2);
      expect(gets[0].range).toBeUndefined();
      const start = rangeStartOf(gets[1].range);
      expect(start).toBeGreaterThan(0);
      expect(start).toBeLessThanOrEqual(limit);
    }
  });

  it('resets mid-way through a streamed 17 MiB object: resumed twice with Range, every record once', async () => {
    server.proxy.inject({ key: BIG_KEY }, { kind: 'reset', afterBytes: 5 << 20 }, 1);
    server.proxy.inject({ key: BIG_KEY }, { kind: 'reset', afterBytes: 3 << 20 }, 1);
    const run = await remote('s3://trails/big/');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const ids = eventIds(run.stdout);
    expect(ids).toHaveLength(bigIds.length);
    expect(ids).toEqual(bigIds);
    const gets = getsOf(BIG_KEY);
    expect(gets).toHaveLength(3);
    const first = rangeStartOf(gets[1].range);
    const second = rangeStartOf(gets[2].range);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(5 << 20);
    expect(second).toBeGreaterThan(first);
    expect(second).toBeLessThanOrEqual(first + (3 << 20));
  });

  it('more than 1,000 objects in one day folder, a throttled second page: all read', async () => {
    const throttled = server.proxy.inject({ listing: true, prefix: MANY_FOLDER, continued: true }, { kind: 'throttle' }, 2);
    // A one-day window: the day folder itself is listed, as in real use.
    const run = await runCli(
      ['filter', '--all-sources', '-f', 'jsonl', '--since', '2024-03-01T00:00:00Z', '--until', '2024-03-02T00:00:00Z', '--endpoint-url', server.endpoint, 's3://trails/many/'],
      { env },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const expected = Array.from({ length: MANY }, (_, i) => `many-${String(i).padStart(4, '0')}`);
    expect(eventIds(run.stdout)).toEqual(expected);
    expect(throttled.hits).toBe(2);
    const pages = server.proxy.seen.filter((r) => r.listPrefix === MANY_FOLDER && !r.fault);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages.filter((r) => r.continued).length).toBeGreaterThanOrEqual(1);
  });
});

describe('an object that keeps failing is named once, exit 1, the rest is read', () => {
  it('a persistent 500 (retried) and a 403 (not retried): one line each, every other record out', async () => {
    const [, broken, , denied] = treeKeys;
    server.proxy.inject({ key: broken }, { kind: 'error', status: 500, code: 'InternalError' });
    server.proxy.inject({ key: denied }, { kind: 'error', status: 403, code: 'AccessDenied' });
    const lost = new Set<string>();
    for (const key of [broken, denied]) {
      const alone = await runCli(['filter', '--all-sources', '-f', 'jsonl', join(tree, key.slice('tree/'.length))]);
      for (const id of eventIds(alone.stdout)) lost.add(id);
    }
    expect(lost.size).toBe(200);

    const run = await remote('s3://trails/tree/');
    expect(run.code).toBe(1);
    expect(eventIds(run.stdout)).toEqual(treeIds.filter((id) => !lost.has(id)));
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.filter((l) => l.includes(`s3://trails/${broken}:`))).toEqual([
      expect.stringMatching(new RegExp(`^kmstrail: s3://trails/${broken}: failed 5 times, last with InternalError \\(HTTP 500\\)`)),
    ]);
    expect(lines.filter((l) => l.includes(`s3://trails/${denied}:`))).toEqual([
      expect.stringMatching(new RegExp(`^kmstrail: s3://trails/${denied}: access denied`)),
    ]);
    expect(getsOf(broken)).toHaveLength(5);
    expect(getsOf(denied)).toHaveLength(1);
  });

  it('a listing that stays throttled: one line naming the URL, exit 1', async () => {
    server.proxy.inject({ listing: true, prefix: 'tree/' }, { kind: 'throttle' });
    const run = await remote('s3://trails/tree/');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^kmstrail: s3:\/\/trails\/tree\/: cannot list: failed 5 times, last with SlowDown \(HTTP 503\)/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(server.proxy.seen.filter((r) => r.listPrefix !== undefined)).toHaveLength(5);
  });

  it('a streamed object that breaks and then only fails: the records before the break, then the message', async () => {
    server.proxy.inject({ key: BIG_KEY }, { kind: 'reset', afterBytes: 4 << 20 }, 1);
    server.proxy.inject({ key: BIG_KEY }, { kind: 'error', status: 503, code: 'SlowDown' });
    const run = await remote('s3://trails/big/');
    expect(run.code).toBe(1);
    const ids = eventIds(run.stdout);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThan(bigIds.length / 2);
    expect(ids).toEqual(bigIds.slice(0, ids.length));
    expect(run.stderr).toMatch(new RegExp(`^kmstrail: s3://trails/${BIG_KEY}: failed 5 times, last with SlowDown \\(HTTP 503\\)`));
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(getsOf(BIG_KEY)).toHaveLength(6);
  });

  it('an object replaced between a reset and the resume: named, none of its records out', async () => {
    const key = 'changing/AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/01/111122223333_CloudTrail_us-east-1_20240301T0000Z_x.json';
    const version = (n: number) =>
      JSON.stringify({ Records: Array.from({ length: 400 }, (_, i) => ({ eventSource: 'kms.amazonaws.com', eventName: 'Decrypt', eventID: `v${n}-${i}`, eventTime: '2024-03-01T00:00:00Z', padding: 'x'.repeat(100) })) });
    await server.putObjects([{ key, body: version(1) }]);
    server.proxy.inject({ key }, { kind: 'reset', afterBytes: 20_000 }, 1);
    server.proxy.inject({ key }, { kind: 'before', run: () => server.putObjects([{ key, body: version(2) }]) }, 1);
    const run = await remote('s3://trails/changing/');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^kmstrail: s3://trails/${key}: the object changed while it was read`));
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
