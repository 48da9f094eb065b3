/**
 * The splitter remembers `accept`'s verdicts on eventName and eventSource by the value's bytes, in
 * a memo that the splitters of a whole tree share. Remembered verdicts must never be handed to a
 * different value, even one whose hash is the same.
 */
import { describe, expect, it } from 'vitest';
import { useWebAssembly } from '../../../src/reader/json-scan.js';
import { RecordSplitter, VerdictMemo, type HotFields } from '../../../src/reader/record-splitter.js';

/** The eventNames of the records a splitter keeps, and the values `accept` was asked about. */
function run(names: string[], wanted: Set<string>, verdicts?: VerdictMemo): { kept: string[]; asked: string[] } {
  const kept: string[] = [];
  const asked: string[] = [];
  const splitter = new RecordSplitter({
    slice: (bytes) => kept.push((JSON.parse(bytes.toString()) as { eventName: string }).eventName),
    fault: (message) => {
      throw new Error(message);
    },
    accept: (field: keyof HotFields, value: string) => {
      asked.push(value);
      return wanted.has(value);
    },
    acceptFields: ['eventName'],
    rejected: () => {},
    verdicts,
  });
  splitter.push(Buffer.from(JSON.stringify({ Records: names.map((eventName) => ({ eventVersion: '1.08', eventName })) })));
  splitter.end();
  return { kept, asked };
}

describe('verdict memo', () => {
  it('tells apart values whose hashes are equal ("Aa" and "BB" hash alike)', () => {
    for (const names of [['Aa', 'BB', 'Aa', 'BB'], ['BB', 'Aa', 'BB', 'Aa']]) {
      const { kept, asked } = run(names, new Set(['BB']));
      expect(kept).toEqual(['BB', 'BB']);
      expect(asked.sort()).toEqual(['Aa', 'BB']);
    }
  });

  it('shared by two splitters, asks about each value once, and both keep what accept wants', () => {
    const memo = new VerdictMemo();
    const first = run(['CreateKey', 'Decrypt', 'Decrypt'], new Set(['CreateKey']), memo);
    const second = run(['Decrypt', 'CreateKey', 'Encrypt'], new Set(['CreateKey']), memo);
    expect(first.kept).toEqual(['CreateKey']);
    expect(second.kept).toEqual(['CreateKey']);
    expect([...first.asked, ...second.asked]).toEqual(['CreateKey', 'Decrypt', 'Encrypt']);
  });

  it('past its size, still judges every value (by asking again)', () => {
    const names = Array.from({ length: VerdictMemo.PER_FIELD + 50 }, (_, k) => `Name${k}`);
    const wanted = new Set(names.filter((_, k) => k % 7 === 0));
    // The JavaScript loops alone: the memo's own size tells how many values are asked about again.
    useWebAssembly(false);
    try {
      const { kept, asked } = run([...names, ...names], wanted);
      expect(kept).toEqual([...names, ...names].filter((n) => wanted.has(n)));
      expect(asked.length).toBe(names.length + 50);
    } finally {
      useWebAssembly(true);
    }
    // With the WebAssembly loop, which remembers verdicts too (and rules records out with them).
    const { kept, asked } = run([...names, ...names], wanted);
    expect(kept).toEqual([...names, ...names].filter((n) => wanted.has(n)));
    expect(asked.length).toBeGreaterThanOrEqual(names.length);
    expect(asked.length).toBeLessThanOrEqual(names.length + 50);
  });

  it('the WebAssembly memo serves one filter at a time: a splitter with other verdicts is not ruled by the last', () => {
    // Two memos (two filters) in turns on this thread: each keeps what its own accept wants.
    const a = new VerdictMemo();
    const b = new VerdictMemo();
    const names = ['CreateKey', 'Decrypt', 'CreateKey', 'Decrypt', 'Encrypt'];
    for (let turn = 0; turn < 3; turn++) {
      expect(run(names, new Set(['CreateKey']), a).kept).toEqual(['CreateKey', 'CreateKey']);
      expect(run(names, new Set(['Decrypt', 'Encrypt']), b).kept).toEqual(['Decrypt', 'Decrypt', 'Encrypt']);
    }
  });
});
