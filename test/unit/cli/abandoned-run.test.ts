/**
 * reportIfAbandoned in a real Node process (the built module): a run whose promise never settles
 * must be reported when the event loop empties, and one that settles must not be.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/run-cli.js';

const MODULE = join(ROOT, 'dist', 'cli', 'abandoned-run.js');

function runScript(run: string) {
  const script = `
    import { reportIfAbandoned } from ${JSON.stringify(MODULE)};
    const run = ${run};
    reportIfAbandoned(run, () => { process.stderr.write('abandoned\\n'); process.exitCode = 1; });
    run.then(() => process.stdout.write('settled\\n'), () => process.stdout.write('failed\\n'));
  `;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
}

describe('reportIfAbandoned', () => {
  it('a run that waits for nothing is reported when the event loop empties, with its exit code', () => {
    const result = runScript('new Promise(() => {})');
    expect(result.stderr).toBe('abandoned\n');
    expect(result.stdout).toBe('');
    expect(result.status).toBe(1);
  });

  it('a run that settles, even after the loop went quiet for a while, is not', () => {
    for (const run of ['new Promise((resolve) => setTimeout(resolve, 50))', 'Promise.reject(new Error("x"))']) {
      const result = runScript(run);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^(settled|failed)\n$/);
      expect(result.status).toBe(0);
    }
  });
});
