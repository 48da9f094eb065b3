/**
 * A directory walk over an AWSLogs/ tree of .json.gz delivery files: every record found once, in
 * sorted path order; the digest file and notes.txt skipped. Expected values come from gunzipping
 * the files here and from tree/EXPECTED.md, never from the tool.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseCsv, TREE, type Json } from '../helpers/e2e.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';

const AWSLOGS = join(TREE, 'AWSLogs');

/** Every file under dir, recursively. */
function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? allFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Sorted the way a directory walk in name order visits them: component by component. */
function byPathComponents(a: string, b: string): number {
  const pa = a.split(sep);
  const pb = b.split(sep);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] !== pb[i]) return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length;
}

const FILES = allFiles(AWSLOGS);
const DELIVERY = FILES.filter((f) => f.endsWith('.json.gz') && !f.includes('CloudTrail-Digest')).sort(byPathComponents);
const DIGEST = FILES.filter((f) => f.includes('CloudTrail-Digest'));
const NOTES = FILES.filter((f) => f.endsWith('notes.txt'));
const RECORDS_BY_FILE = DELIVERY.map((file) => ({
  file,
  records: (JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { Records: Json[] }).Records,
}));
const ALL_RECORDS = RECORDS_BY_FILE.flatMap((f) => f.records);

const EXPECTED_MD = readFileSync(join(TREE, 'EXPECTED.md'), 'utf8');
const totals = /Total: (\d+) records, (\d+) CreateKey/.exec(EXPECTED_MD);

// The tree holds the records of kms-docs.json, which shows one event twice: kept here, where the
// point is the walk (every record of every file, in order).
describe('directory tree', () => {
  it('the fixture is what EXPECTED.md describes', () => {
    expect(totals).not.toBeNull();
    expect(DELIVERY).toHaveLength(4);
    expect(DIGEST).toHaveLength(1);
    expect(NOTES).toHaveLength(1);
    expect(ALL_RECORDS).toHaveLength(Number(totals![1]));
    expect(ALL_RECORDS.filter((r) => r.eventName === 'CreateKey')).toHaveLength(Number(totals![2]));
  });

  it('finds every record of every delivery file, in sorted path order', async () => {
    const result = await runCli(['filter', '--all-sources', '--keep-duplicates', '--format', 'jsonl', AWSLOGS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = jsonLines(result.stdout);
    expect(out).toHaveLength(Number(totals![1]));
    expect(out).toEqual(ALL_RECORDS);
  });

  it('reads each file as a whole block, files in sorted path order (eu-west-1 first)', async () => {
    const result = await runCli(['filter', '--all-sources', '--keep-duplicates', '--format', 'csv', '--fields', 'file,event-id', AWSLOGS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const rows = parseCsv(result.stdout).slice(1);
    const expected = RECORDS_BY_FILE.flatMap(({ file, records }) => records.map((r) => [file, String(r.eventID)]));
    expect(rows).toEqual(expected);
    expect(rows[0][0]).toContain(`${sep}eu-west-1${sep}`);
    const order = [...new Set(rows.map((r) => r[0]))];
    expect(order).toEqual([...order].sort(byPathComponents));
  });

  it('skips the digest file and notes.txt', async () => {
    const result = await runCli(['filter', '--all-sources', '--keep-duplicates', '--format', 'csv', '--fields', 'file', TREE]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const files = new Set(parseCsv(result.stdout).slice(1).map((r) => r[0]));
    expect([...files].sort(byPathComponents)).toEqual(DELIVERY);
    for (const skipped of [...DIGEST, ...NOTES]) expect(files.has(skipped)).toBe(false);
    expect(result.stdout).not.toContain('CloudTrail-Digest');
    expect(result.stdout).not.toContain('notes.txt');
  });

  it('--event CreateKey finds the CreateKey records of the whole tree', async () => {
    const result = await runCli(['filter', '--event', 'CreateKey', '--keep-duplicates', '--format', 'jsonl', AWSLOGS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const expected = ALL_RECORDS.filter((r) => r.eventSource === 'kms.amazonaws.com' && r.eventName === 'CreateKey');
    expect(expected).toHaveLength(Number(totals![2]));
    expect(jsonLines(result.stdout)).toEqual(expected);
  });

  it('default source (KMS only) drops the EC2 records', async () => {
    const result = await runCli(['filter', '--keep-duplicates', '--format', 'jsonl', AWSLOGS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(ALL_RECORDS.filter((r) => r.eventSource === 'kms.amazonaws.com'));
  });

  it('a relative path with a trailing slash works the same', async () => {
    const result = await runCli(['filter', '--all-sources', '--keep-duplicates', '--format', 'jsonl', `${relative(TREE, AWSLOGS)}/`], { cwd: TREE });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(ALL_RECORDS);
  });

  it('gives the same output with one job and with several', async () => {
    const one = await runCli(['filter', '--all-sources', '--keep-duplicates', '--format', 'jsonl', '--jobs', '1', AWSLOGS]);
    const three = await runCli(['filter', '--all-sources', '--keep-duplicates', '--format', 'jsonl', '--jobs', '3', AWSLOGS]);
    expect(one.code).toBe(0);
    expect(three.code).toBe(0);
    expect(jsonLines(one.stdout)).toEqual(ALL_RECORDS);
    expect(jsonLines(three.stdout)).toEqual(ALL_RECORDS);
  });

  it('--stats says how the files were read: in batches, with workers only once they pay', async () => {
    const args = ['filter', '--all-sources', '--keep-duplicates', '--format', 'jsonl', '--stats'];
    // As a user runs it: no test setting, so a tree this small is read before a worker would pay.
    const asUser = await runCli([...args, '--jobs', '2', AWSLOGS], { env: { KMSTRAIL_WORKERS_AFTER_MS: undefined } });
    expect(asUser.stderr).toMatch(/stats: read parallel-files: files read in batches, on this thread and on worker threads once they pay; no worker thread: too little to read for one to pay \(one joins when 1200 ms of reading is left\)\n/);
    const one = await runCli([...args, '--jobs', '1', AWSLOGS]);
    expect(one.stderr).toMatch(/; no worker thread \(--jobs 1\)\n/);
    const two = await runCli([...args, '--jobs', '2', AWSLOGS]);
    expect(two.stderr).toMatch(/; 1 worker thread from 0 ms of reading on\n/);
    for (const run of [asUser, one, two]) expect(jsonLines(run.stdout)).toEqual(ALL_RECORDS);
  });
});
