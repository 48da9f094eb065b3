/**
 * `kmstrail ... | head -1`: the reader of our output goes away early. That is not an error: the
 * tool stops quietly, prints nothing on stderr and exits 0. And a reader that lags behind: memory
 * stays bounded, and a signal then still leaves whole lines.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/e2e.js';
import { BIN, FIXTURES, SHARED } from '../helpers/run-cli.js';

const GENERATOR = join(SHARED, 'bench/gen-trail.mjs');

let dir: string | undefined;
let trail: string;
let trailCopy: string;

beforeAll(() => {
  dir = makeTempDir();
  trail = join(dir, 'big.json');
  trailCopy = join(dir, 'big-copy.json');
  const gen = spawnSync(process.execPath, [GENERATOR, '--mb', '20', '--seed', '7', '--out', trail], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`gen-trail failed: ${gen.stderr}`);
  copyFileSync(trail, trailCopy);
});

afterAll(() => removeDir(dir));

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `kmstrail <args> 2>err | head <headArgs> > out` in bash, pipefail off; returns what happened. */
function throughHead(args: string[], headArgs: string) {
  const err = join(dir!, `err-${Math.random().toString(36).slice(2)}`);
  const out = `${err}.out`;
  const codeFile = `${err}.code`;
  const script = [
    'set +o pipefail',
    `${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')} 2> ${quote(err)} | head ${headArgs} > ${quote(out)}`,
    `echo "\${PIPESTATUS[0]} \${PIPESTATUS[1]}" > ${quote(codeFile)}`,
  ].join('\n');
  const env = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  const run = spawnSync('bash', ['-c', script], { encoding: 'utf8', env, timeout: 60_000 });
  expect(run.status).toBe(0);
  const [tool, head] = readFileSync(codeFile, 'utf8').trim().split(' ').map(Number);
  return { tool, head, stderr: readFileSync(err, 'utf8'), stdout: readFileSync(out, 'utf8') };
}

describe('output into a pipe that closes early', () => {
  it('| head -1 on a 20 MB trail: one valid JSON line, empty stderr, exit 0', () => {
    const first = (JSON.parse(readFileSync(trail, 'utf8')) as { Records: unknown[] }).Records[0];
    const { tool, head, stderr, stdout } = throughHead(['filter', '--all-sources', '--format', 'jsonl', trail], '-1');
    expect(head).toBe(0);
    expect(stderr).toBe('');
    expect(tool).toBe(0);
    const lines = stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    expect(JSON.parse(lines[0])).toEqual(first);
  });

  it('| head -1 with several files (read in parallel): same', () => {
    const { tool, stderr, stdout } = throughHead(['filter', '--all-sources', '--format', 'jsonl', trail, trailCopy], '-1');
    expect(stderr).toBe('');
    expect(tool).toBe(0);
    expect(stdout.split('\n')).toHaveLength(2);
    expect(() => JSON.parse(stdout)).not.toThrow();
  });

  it('| head -c 100 with csv output: stops quietly too', () => {
    const { tool, stderr, stdout } = throughHead(['filter', '--all-sources', '--format', 'csv', trail], '-c 100');
    expect(stderr).toBe('');
    expect(tool).toBe(0);
    expect(stdout).toHaveLength(100);
  });
});

describe('input from a live feed (a pipe that pauses)', () => {
  it('what matched so far is printed while the input waits, not held until the end', async () => {
    const lines = (JSON.parse(readFileSync(join(FIXTURES, 'records', 'kms-docs.json'), 'utf8')) as { Records: unknown[] }).Records.map((r) => JSON.stringify(r));
    const child = spawn(process.execPath, [BIN, 'filter', '--all-sources', '--keep-duplicates', '--format', 'jsonl', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stdin.write(lines.slice(0, 5).join('\n') + '\n');
    // The feed pauses with stdin open: the five records must come out meanwhile.
    const deadline = Date.now() + 10_000;
    while (out.split('\n').length <= 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(out.split('\n').filter((l) => l !== '')).toHaveLength(5);
    child.stdin.end(lines.slice(5).join('\n') + '\n');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown)).toEqual(lines.map((l) => JSON.parse(l) as unknown));
  });
});

describe('a reader of the output that lags behind', () => {
  it('two big files on two threads: the one read ahead waits rather than pile its matches up (peak RSS)', async () => {
    const records = Number(spawnSync('jq', ['.Records | length', trail], { encoding: 'utf8' }).stdout);
    expect(records).toBeGreaterThan(10_000);
    const child = spawn(process.execPath, [BIN, 'filter', '--all-sources', '--keep-duplicates', '--jobs', '2', trail, trailCopy], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    let peakKiB = 0;
    const poll = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
      } catch {
        // Gone: the last reading stands.
      }
    }, 50);
    // Not read for 3 s: the first file's matches wait in the pipe, the second's in the process.
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    let lines = 0;
    child.stdout.on('data', (c: Buffer) => {
      for (const byte of c) if (byte === 10) lines++;
    });
    child.stdout.resume();
    const code = await exited;
    clearInterval(poll);
    expect(code).toBe(0);
    expect(lines).toBe(2 * records);
    expect(peakKiB, 'VmHWM read from /proc').toBeGreaterThan(0);
    // Both 20 MB files' matches held whole came to ~250 MB; waiting, ~165 MB.
    expect(peakKiB / 1024).toBeLessThan(210);
  });
});

describe('a run stopped by a signal while its reader lags behind', () => {
  // The pipe is full (its reader has not read for a while), so writes wait in the process. Stopped
  // then, the output ended inside a record: `jq` fails on the last line, a file has no last newline.
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s: what came out ends on a whole line, every line valid JSON; exit %i', async (signal, exitCode) => {
    const child = spawn(process.execPath, [BIN, 'filter', '--all-sources', '--format', 'jsonl', '--jobs', '1', trail], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Not read yet: the pipe fills and the writes queue up.
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const chunks: Buffer[] = [];
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.kill(signal);
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stdout.resume();
    expect(await exited).toBe(exitCode);
    const out = Buffer.concat(chunks).toString('utf8');
    // More than the pipe holds came out: the writes did wait.
    expect(out.length).toBeGreaterThan(64 * 1024);
    expect(out.endsWith('\n'), `ends with ${JSON.stringify(out.slice(-80))}`).toBe(true);
    for (const line of out.slice(0, -1).split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    if (signal === 'SIGINT') expect(stderr).toContain('kmstrail: interrupted');
  });

  it('--format json: the array printed so far is closed, so the output is one valid JSON value', async () => {
    const child = spawn(process.execPath, [BIN, 'filter', '--all-sources', '--format', 'json', '--jobs', '1', trail], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const chunks: Buffer[] = [];
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stdout.resume();
    expect(await exited).toBe(143);
    const records = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[];
    expect(records.length).toBeGreaterThan(10);
  });
});
