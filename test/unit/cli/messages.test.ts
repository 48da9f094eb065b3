/**
 * Messages on stderr: one line each for pipes and logs; on a terminal, broken at spaces to its
 * width, never mid-word.
 */
import { describe, expect, it } from 'vitest';
import { Messages } from '../../../src/cli/messages.js';

const FAULT = {
  file: '/var/tmp/AWSLogs/111122223333/CloudTrail/eu-west-1/2024/03/01/trail.json.gz',
  message: 'gzip data ends early (truncated download?)',
  offset: 1918,
  reason: 'truncated or corrupt input' as const,
};

function written(width: number | undefined): string {
  let out = '';
  const messages = new Messages((text) => (out += text), () => width);
  messages.fault(FAULT);
  messages.line('stats: 25 files, 104.4 KiB, 84 records read, 6 matched, 71 duplicates dropped, 0.08 s');
  return out;
}

describe('Messages', () => {
  it('writes one line per message when stderr is no terminal', () => {
    const lines = written(undefined).split('\n');
    expect(lines).toEqual([
      `kmstrail: ${FAULT.file}: gzip data ends early (truncated download?) (byte 1918)`,
      'kmstrail: stats: 25 files, 104.4 KiB, 84 records read, 6 matched, 71 duplicates dropped, 0.08 s',
      '',
    ]);
  });

  it('breaks a message at spaces to the terminal\'s width, its further lines indented', () => {
    const narrow = written(40).split('\n');
    for (const line of narrow) {
      // Only a word longer than the width (the path) may pass it, on a line of its own.
      if (line.length > 40) expect(line.trim().split(' ').length, line).toBeLessThanOrEqual(2);
    }
    expect(narrow.filter((line) => line.startsWith('kmstrail: '))).toHaveLength(2);
    expect(narrow.filter((line) => line !== '' && !line.startsWith('kmstrail: ')).every((line) => line.startsWith('  '))).toBe(true);
    // The same words as the one-line form.
    const words = (text: string) => text.split(/\s+/).filter((w) => w !== '');
    expect(words(narrow.join('\n'))).toEqual(words(written(undefined)));
  });
});

describe('Messages: a first pass\'s faults', () => {
  it('are told after the real pass, only those it did not tell itself, and dropped when it stopped early', () => {
    let out = '';
    const messages = new Messages((text) => (out += text), () => undefined);
    const other = { ...FAULT, offset: 4000, message: 'a record broken inside' };
    messages.holdFault(FAULT);
    messages.holdFault(other);
    expect(out).toBe('');
    messages.fault(FAULT);
    messages.tellHeldFaults();
    expect(out.split('\n').filter((l) => l !== '')).toEqual([
      `kmstrail: ${FAULT.file}: gzip data ends early (truncated download?) (byte 1918)`,
      `kmstrail: ${FAULT.file}: a record broken inside (byte 4000)`,
    ]);
    expect(messages.inputFailed).toBe(true);
    const stopped = new Messages(() => {}, () => undefined);
    stopped.holdFault(other);
    stopped.dropHeldFaults();
    stopped.tellHeldFaults();
    expect(stopped.inputFailed).toBe(false);
  });
});
