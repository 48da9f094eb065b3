/**
 * Runs the real, built binary the way a user does (node bin/kmstrail.cjs ...), with stdout not a
 * terminal, and returns what it printed and how it exited. Each run starts in a fresh, empty
 * temporary directory (removed after it), so that no case sees what another left, or depends on
 * the repository as its working directory, unless it asks for one with `cwd`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/kmstrail.cjs', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string | Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const fresh = options.cwd === undefined ? mkdtempSync(join(tmpdir(), 'kmstrail-run-')) : undefined;
  const cleanUp = () => {
    if (fresh) rmSync(fresh, { recursive: true, force: true });
  };
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? fresh,
      // Worker threads at once: a fixture is read long before they would start by default (see
      // parallel-files.ts), and the tests that compare --jobs values are about them. Tests of when
      // they start set this themselves.
      env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, KMSTRAIL_WORKERS_AFTER_MS: '0', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.on('error', () => {});
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  }).finally(cleanUp);
}

/** Parses JSON-lines output into values (throws on a bad line, which is a failure in itself). */
export function jsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}
