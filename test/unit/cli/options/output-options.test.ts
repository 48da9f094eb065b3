/**
 * When colour is on: a terminal, unless NO_COLOR or --no-color. FORCE_COLOR is not read, so a pipe
 * never gets escape bytes (test/e2e/filter-flags.test.ts checks it through the binary).
 */
import { describe, expect, it } from 'vitest';
import { colorFor } from '../../../../src/cli/options/output-options.js';

const tty = { isTTY: true };
const pipe = {};
const level = (stream: { isTTY?: boolean }, wanted: boolean | undefined, env: Record<string, string>) => colorFor(stream, wanted, env).level;

describe('colorFor', () => {
  it('a terminal has colour; a pipe has none, FORCE_COLOR or not', () => {
    expect(level(tty, undefined, {})).toBeGreaterThan(0);
    for (const env of [{}, { FORCE_COLOR: '1' }, { FORCE_COLOR: '3' }]) expect(level(pipe, undefined, env)).toBe(0);
  });

  it('NO_COLOR and --no-color turn a terminal\'s colour off', () => {
    expect(level(tty, undefined, { NO_COLOR: '1' })).toBe(0);
    expect(level(tty, false, {})).toBe(0);
  });

  it('a terminal that shows no colour (TERM=dumb) gets none', () => {
    expect(level(tty, undefined, { TERM: 'dumb' })).toBe(0);
    expect(level(tty, undefined, { TERM: 'xterm-256color' })).toBeGreaterThan(0);
  });
});
