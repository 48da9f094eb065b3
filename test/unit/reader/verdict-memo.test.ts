/**
 * The splitter remembers `accept`'s verdicts on eventName and eventSource by the value's bytes, in
 * a memo that the splitters of a whole tree share. Remembered verdicts must never be handed to a
 * different value, even one whose hash is the same.
 */
import { describe, expect, it } from 'vitest';
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
    const { kept, asked } = run([...names, ...names], wanted);
    expect(kept).toEqual([...names, ...names].filter((n) => wanted.has(n)));
    expect(asked.length).toBe(names.length + 50);
  });
});
