/**
 * Hostile inputs too big to keep in test/fixtures/bad/: a 50 MB record (a huge policy string),
 * 10,000-deep nesting, and Ctrl-C during a run. Made in a temp dir by the test itself.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, jsonLines, runCli } from '../helpers/run-cli.js';

let dir: string;
const kms = { eventSource: 'kms.amazonaws.com', eventTime: '2024-03-01T00:00:00Z' };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kmstrail-hostile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hostile inputs', () => {
  it('a 50 MB record is read whole, and the record after it too', async () => {
    const policy = 'x'.repeat(50 * 1024 * 1024);
    const path = join(dir, 'huge.json');
    writeFileSync(path, JSON.stringify({ Records: [{ ...kms, eventName: 'PutKeyPolicy', requestParameters: { policy } }, { ...kms, eventName: 'Decrypt' }] }));
    const run = await runCli(['filter', '-f', 'jsonl', path]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const records = jsonLines(run.stdout) as Array<{ eventName: string; requestParameters?: { policy: string } }>;
    expect(records.map((r) => r.eventName)).toEqual(['PutKeyPolicy', 'Decrypt']);
    expect(records[0].requestParameters?.policy.length).toBe(policy.length);
    // Ruled out by its event name, the big record is skipped without a word.
    const decrypts = await runCli(['filter', '-f', 'jsonl', '--event', 'Decrypt', path]);
    expect((jsonLines(decrypts.stdout) as Array<{ eventName: string }>).map((r) => r.eventName)).toEqual(['Decrypt']);
  });

  it.each([
    ['on one line', ''],
    ['pretty-printed', '\n'],
  ])('10,000-deep nesting %s: no crash, both records out', async (_name, newline) => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const path = join(dir, `deep${newline ? '-pretty' : ''}.json`);
    const first = `{"eventSource":"kms.amazonaws.com","eventName":"X","deep":${deep}${newline}}`;
    writeFileSync(path, `{"Records":[${newline}${first},{"eventSource":"kms.amazonaws.com","eventName":"Y"}]}`);
    for (const format of ['jsonl', 'table', 'csv']) {
      const run = await runCli(['filter', '-f', format, path]);
      expect(run.stderr, format).toBe('');
      expect(run.code, format).toBe(0);
      expect(run.stdout, format).toContain('Y');
    }
    const run = await runCli(['filter', '-f', 'jsonl', path]);
    const names = run.stdout.trim().split('\n').map((line) => /"eventName":\s*"(\w)"/.exec(line)?.[1]);
    expect(names).toEqual(['X', 'Y']);
  });

  it('Ctrl-C during a run ends it with one line and exit code 130', async () => {
    const child = spawn(process.execPath, [BIN, 'filter', '-f', 'jsonl', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.write(`${JSON.stringify({ ...kms, eventName: 'Decrypt' })}\n`);
    // stdin stays open: the run is waiting for more when the interrupt comes.
    await new Promise((resolve) => setTimeout(resolve, 700));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stderr.trim()).toBe('kmstrail: interrupted');
  });
});

describe('output that cannot be written', () => {
  it('a full disk (/dev/full) is one line on stderr and exit code 1', async () => {
    const { spawnSync } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    if (!existsSync('/dev/full')) return;
    const result = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" filter --all-sources -f jsonl test/fixtures/records/kms-docs.json > /dev/full`], {
      encoding: 'utf8',
      cwd: join(BIN, '..', '..'),
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('kmstrail: cannot write output: no space left on device\n');
  });
});
