/**
 * `kmstrail completion`: the scripts parse in their shells, and bash really completes with them.
 * Expected candidates come from `--help` (commander's rendering of the same tables, another path).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/run-cli.js';

const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

let dir: string;
const scripts: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kmstrail-completion-'));
  for (const shell of ['bash', 'zsh', 'fish']) {
    const result = await runCli(['completion', shell]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    scripts[shell] = join(dir, `kmstrail.${shell}`);
    writeFileSync(scripts[shell], result.stdout);
  }
  // A `kmstrail` on PATH for the shells: the built binary.
  writeFileSync(join(dir, 'kmstrail'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What bash offers for the words typed (the last one being completed), with the script loaded. */
function bashCompletes(line: string): string[] {
  const words = line.split(' ');
  const program = [
    `source ${JSON.stringify(scripts.bash)}`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE='${line}'`,
    `COMP_POINT=${line.length}`,
    '_kmstrail',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', program], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter((w) => w !== '');
}

/** The long options a command's --help lists. */
async function helpOptions(command: string): Promise<string[]> {
  const help = (await runCli([command, '--help'])).stdout;
  return [...new Set([...help.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]))];
}

describe('kmstrail completion bash', () => {
  it('bash accepts it, and registers it for kmstrail', () => {
    expect(spawnSync('bash', ['-n', scripts.bash]).status).toBe(0);
    const registered = spawnSync('bash', ['--norc', '-c', `source ${JSON.stringify(scripts.bash)}; complete -p kmstrail`], { encoding: 'utf8' });
    expect(registered.stdout.trim()).toMatch(/^complete .*-F _kmstrail kmstrail$/);
  });

  it('kmstrail fil<TAB> is filter; a bare Tab offers every command --help lists', async () => {
    expect(bashCompletes('kmstrail fil')).toEqual(['filter']);
    const help = (await runCli(['--help'])).stdout;
    const section = help.slice(help.indexOf('Commands:'), help.indexOf('Examples:'));
    const listed = [...section.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
    expect(listed.length).toBeGreaterThanOrEqual(7);
    expect(bashCompletes('kmstrail ')).toEqual(expect.arrayContaining(listed));
  });

  it.each(['filter', 'summary', 'keys', 'timeline', 'detect', 'report', 'sql', 'trace'])('kmstrail %s --<TAB>: every option of its --help', async (command) => {
    const offered = bashCompletes(`kmstrail ${command} --`);
    expect(offered).toEqual(expect.arrayContaining(await helpOptions(command)));
  });

  it('values: formats as --help names them, --by, --tz zones, KMS event names, shells', async () => {
    const help = (await runCli(['summary', '--help'])).stdout;
    const formats = /output format: ([\w, ]+) \(/.exec(help)![1].split(', ');
    expect(bashCompletes('kmstrail summary --format ')).toEqual(formats);
    expect(bashCompletes('kmstrail summary -f j')).toEqual(formats.filter((f) => f.startsWith('j')));
    expect(bashCompletes('kmstrail summary --by r')).toEqual(['role']);
    expect(bashCompletes('kmstrail filter --tz Europe/Pa')).toEqual(['Europe/Paris']);
    expect(bashCompletes('kmstrail filter --event ScheduleKey')).toEqual(['ScheduleKeyDeletion']);
    expect(bashCompletes('kmstrail completion ')).toEqual(['bash', 'zsh', 'fish']);
    // The levels the README promises: they had completed nothing (bash offered files).
    expect(bashCompletes('kmstrail detect --min-severity ')).toEqual(['informational', 'low', 'medium', 'high', 'critical']);
    expect(bashCompletes('kmstrail detect --fail-on h')).toEqual(['high']);
  });

  it('after an option that takes a free value, no flags are offered in its place', () => {
    expect(bashCompletes('kmstrail filter --user ')).toEqual([]);
  });
});

describe('kmstrail completion zsh and fish', () => {
  it.skipIf(!has('zsh'))('zsh accepts it (zsh -n)', () => {
    expect(spawnSync('zsh', ['-n', scripts.zsh], { encoding: 'utf8' }).stderr).toBe('');
  });

  it.skipIf(!has('fish'))('fish accepts it (fish -n)', () => {
    expect(spawnSync('fish', ['-n', scripts.fish], { encoding: 'utf8' }).stderr).toBe('');
  });

  it('an unknown shell is a usage error', async () => {
    const result = await runCli(['completion', 'tcsh']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("kmstrail: argument shell: 'tcsh' is not one of bash, zsh, fish (see 'kmstrail completion --help')\n");
  });
});
