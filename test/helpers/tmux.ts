/**
 * Runs the built binary in a real terminal: a detached tmux session of a given size, whose pane is
 * captured once the program has ended. stdout is then a terminal of that width, as for a person.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN } from './run-cli.js';

export const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;

export interface PaneResult {
  /** The pane's lines, from the top of its history; a line the terminal wrapped is one line here. */
  lines: string[];
  code: number;
}

let sessions = 0;

/** The line the pane's shell prints once the program has ended (see inTmux). */
const END_OF_OUTPUT = '--- kmstrail-test: end of output ---';

/** A shell word. */
const word = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** Runs `kmstrail args` (or `command` as given, when it is a shell line) in a pane `width` columns wide. */
export async function inTmux(args: readonly string[] | { shell: string }, width: number, env: Record<string, string> = {}): Promise<PaneResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kmstrail-tmux-'));
  const socket = `kmstrail-test-${process.pid}-${++sessions}`;
  const tmux = (...argv: string[]) =>
    spawnSync('tmux', ['-L', socket, ...argv], { encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } });
  try {
    // The history must be long enough for the whole output.
    const config = join(dir, 'tmux.conf');
    writeFileSync(config, 'set -g history-limit 500000\n');
    const exports = Object.entries(env).map(([k, v]) => `export ${k}=${word(v)}; `).join('');
    const line = 'shell' in args ? args.shell : [process.execPath, BIN, ...args].map(word).join(' ');
    // The shell writes the exit status down, then a last line, and stays alive: tmux draws what a
    // program wrote in order, so once that line is on the screen everything before it is too. (A
    // pane left to die could be marked dead, its "Pane is dead" written at the cursor, before
    // tmux had drawn the program's last lines: a table row then ended in that message.)
    const codeFile = join(dir, 'exit-code');
    const shell = `cd ${word(dir)}; ${exports}${line}; echo $? > ${word(codeFile)}; printf '\\n%s\\n' ${word(END_OF_OUTPUT)}; sleep 600`;
    const started = tmux('-f', config, 'new-session', '-d', '-s', 'screen', '-x', String(width), '-y', '50', shell);
    if (started.status !== 0) throw new Error(`tmux new-session failed: ${started.stderr}`);
    for (let waited = 0; ; waited += 50) {
      const captured = existsSync(codeFile) ? tmux('capture-pane', '-p', '-J', '-S', '-', '-E', '-', '-t', 'screen').stdout : '';
      const lines = captured.split('\n');
      const end = lines.lastIndexOf(END_OF_OUTPUT);
      if (end >= 0) {
        // The marker's line break before it may leave an empty line: trailing empty lines go.
        lines.length = end;
        while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
        return { lines, code: Number(readFileSync(codeFile, 'utf8').trim()) };
      }
      if (waited > 60_000) throw new Error(`kmstrail ${'shell' in args ? args.shell : args.join(' ')} did not end in a minute`);
      await sleep(50);
    }
  } finally {
    tmux('kill-server');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Terminal cells a line takes (East Asian wide characters and emoji two, the rest one). */
export function cells(line: string): number {
  let width = 0;
  for (const ch of line) {
    const code = ch.codePointAt(0)!;
    const wide =
      (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) || (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) || (code >= 0xff00 && code <= 0xff60) || (code >= 0x1f300 && code <= 0x1faff) || code >= 0x20000;
    width += wide ? 2 : 1;
  }
  return width;
}
