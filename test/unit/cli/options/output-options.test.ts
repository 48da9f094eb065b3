/**
 * When colour is on: a terminal, unless NO_COLOR or --no-color; FORCE_COLOR asks for it on a pipe.
 */
import { describe, expect, it } from 'vitest';
import { colorFor } from '../../../../src/cli/options/output-options.js';

const tty = { isTTY: true };
const pipe = {};
const level = (stream: { isTTY?: boolean }, wanted: boolean | undefined, env: Record<string, string>) => colorFor(stream, wanted, env).level;

describe('colorFor', () => {
  it('a terminal has colour; a pipe has none', () => {
    expect(level(tty, undefined, {})).toBeGreaterThan(0);
    expect(level(pipe, undefined, {})).toBe(0);
  });

  it('FORCE_COLOR (not 0, false or empty) gives a pipe colour', () => {
    for (const value of ['1', 'true', '3']) expect(level(pipe, undefined, { FORCE_COLOR: value }), value).toBeGreaterThan(0);
    for (const value of ['0', 'false', 'FALSE', '']) expect(level(pipe, undefined, { FORCE_COLOR: value }), value).toBe(0);
  });

  it('NO_COLOR and --no-color win over a terminal and over FORCE_COLOR', () => {
    expect(level(tty, undefined, { NO_COLOR: '1' })).toBe(0);
    expect(level(pipe, undefined, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(0);
    expect(level(tty, false, { FORCE_COLOR: '1' })).toBe(0);
  });
});
