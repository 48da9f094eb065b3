/**
 * The progress bar: drawn on a terminal's stderr, and cleared; never beside a pipe on stdout, whose
 * reader may print to the same screen. Real pipes and files stand for stdout.
 */
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Messages } from '../../../src/cli/messages.js';
import { isPipe, progressFor } from '../../../src/cli/progress.js';

const STATS = { files: 1, bytes: 3 << 20, records: 1200, matched: 7, startedAt: Date.now() - 1000 };

/** A terminal-like stderr that keeps what is written. */
function terminal(): NodeJS.WriteStream & { text: string } {
  const stream = { isTTY: true, columns: 80, text: '', write(chunk: string) { stream.text += chunk; return true; } };
  return stream as unknown as NodeJS.WriteStream & { text: string };
}

describe('progress bar', () => {
  it('is drawn on a terminal when stdout is not a pipe, and cleared at the end', () => {
    const stderr = terminal();
    const progress = progressFor({ quiet: false }, new Messages(() => {}, () => 80), stderr, false);
    progress.update?.(STATS as never, 'trail.json', 1 << 20, 4 << 20);
    expect(stderr.text).toContain('1,200 records, 7 matched');
    progress.stop();
    expect(stderr.text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('is not drawn when stdout is a pipe, nor with --quiet, nor when stderr is no terminal', () => {
    for (const [quiet, tty, pipe] of [[false, true, true], [true, true, false], [false, false, false]] as const) {
      const stderr = terminal();
      stderr.isTTY = tty;
      const progress = progressFor({ quiet }, new Messages(() => {}, () => 80), stderr, pipe);
      progress.update?.(STATS as never, 'trail.json', 1 << 20, 4 << 20);
      progress.stop();
      expect(stderr.text).toBe('');
    }
  });

  it('takes a file and /dev/null for what they are: not pipes (the tmux test pipes stdout into head)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmstrail-progress-'));
    const file = openSync(join(dir, 'out'), 'w');
    const devNull = openSync('/dev/null', 'w');
    try {
      expect(isPipe(file)).toBe(false);
      expect(isPipe(devNull)).toBe(false);
    } finally {
      closeSync(file);
      closeSync(devNull);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
