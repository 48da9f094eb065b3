/**
 * The two decisions parallel-files takes from timings, as pure functions: when workers join a run
 * of small files, and how big a batch is once the end is in sight.
 */
import { describe, expect, it } from 'vitest';
import { smallFilesPay, tailBatchFiles } from '../../../src/pipeline/parallel-files.js';

describe('smallFilesPay', () => {
  const after = 300;
  /** `files` read in `ms`, the last batch at the same pace. */
  const at = (ms: number, files: number) => ({ ms, files, last: { ms: (ms * 48) / Math.max(files, 1), files: files > 0 ? 48 : 0 } });
  it('waits for a first batch: no pace is known before', () => {
    expect(smallFilesPay(at(1000, 0), { files: 100_000, known: true }, after)).toBe(false);
  });

  it('joins after a third of the wait when the walk is done and four times the wait is left', () => {
    // 70 files in 105 ms, 900 left: 1,350 ms at that pace.
    expect(smallFilesPay(at(105, 70), { files: 900, known: true }, after)).toBe(true);
    // 700 left: 1,050 ms, under four times the wait: not yet.
    expect(smallFilesPay(at(105, 70), { files: 700, known: true }, after)).toBe(false);
    // A first batch's pace is a cold one: not trusted yet, however much it says is left.
    expect(smallFilesPay(at(60, 40), { files: 9000, known: true }, after)).toBe(false);
    // Nor the pace so far while the code warms up: the last batch's counts. 200 files in 105 ms
    // (3,200 left would take 1,680 ms at that pace), the last 48 of them in 6 ms: 400 ms.
    expect(smallFilesPay({ ms: 105, files: 200, last: { ms: 6, files: 48 } }, { files: 3200, known: true }, after)).toBe(false);
    expect(smallFilesPay({ ms: 105, files: 200, last: { ms: 30, files: 48 } }, { files: 3200, known: true }, after)).toBe(true);
  });

  it('while the walk goes on, waits out the wait, then joins (what is left is unknown)', () => {
    expect(smallFilesPay(at(60, 40), { files: 2048, known: false }, after)).toBe(false);
    expect(smallFilesPay(at(310, 200), { files: 10, known: false }, after)).toBe(true);
  });

  it('after the wait, joins only if twice the wait is left at the pace so far', () => {
    // 3,000 files in 300 ms: 2,000 left take 200 ms, under 600.
    expect(smallFilesPay(at(300, 3000), { files: 2000, known: true }, after)).toBe(false);
    // 7,000 left take 700 ms.
    expect(smallFilesPay(at(300, 3000), { files: 7000, known: true }, after)).toBe(true);
  });
});

describe('tailBatchFiles', () => {
  it('keeps full batches while the walk goes on, whatever is known to be left', () => {
    expect(tailBatchFiles(false, 3, 2)).toBe(tailBatchFiles(true, 1_000_000, 2));
  });

  it('shrinks batches with what is left once the walk is done, down to one file', () => {
    const full = tailBatchFiles(true, 1_000_000, 2);
    const sizes = [400, 100, 40, 12, 5, 1].map((left) => tailBatchFiles(true, left, 2));
    for (const [k, size] of sizes.entries()) {
      expect(size).toBeLessThanOrEqual(full);
      if (k > 0) expect(size).toBeLessThanOrEqual(sizes[k - 1]);
    }
    expect(sizes.at(-1)).toBe(1);
    // Enough batches left for every thread to hold two, twice over: 40 files, 2 threads.
    expect(tailBatchFiles(true, 40, 2)).toBe(5);
    expect(tailBatchFiles(true, 40, 4)).toBe(3);
  });
});
