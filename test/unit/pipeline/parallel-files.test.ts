/**
 * The two decisions parallel-files takes from timings, as pure functions: when workers join a run
 * of small files, and how big a batch is once the end is in sight.
 */
import { describe, expect, it } from 'vitest';
import { RecentBatches, smallFilesPay, tailBatchFiles } from '../../../src/pipeline/parallel-files.js';

describe('smallFilesPay', () => {
  const after = 300;
  /** `files` read in `ms`, the latest batches at the same pace. */
  const at = (ms: number, files: number) => ({ ms, files, recent: { ms: (ms * 48) / Math.max(files, 1), files: files > 0 ? 48 : 0 } });
  it('waits for a first batch: no pace is known before', () => {
    expect(smallFilesPay(at(1000, 0), { files: 100_000, known: true }, after)).toBe(false);
    expect(smallFilesPay(at(1000, 0), { files: 100_000, known: false }, after)).toBe(false);
  });

  it('once the walk is done, joins after a third of the wait if four times the wait is left', () => {
    // 70 files in 105 ms, 900 left: 1,350 ms at that pace.
    expect(smallFilesPay(at(105, 70), { files: 900, known: true }, after)).toBe(true);
    // 700 left: 1,050 ms, under four times the wait: not now, nor later at the same pace.
    expect(smallFilesPay(at(105, 70), { files: 700, known: true }, after)).toBe(false);
    expect(smallFilesPay(at(600, 400), { files: 700, known: true }, after)).toBe(false);
    // A first batch's pace is a cold one: not trusted yet, however much it says is left.
    expect(smallFilesPay(at(60, 40), { files: 9000, known: true }, after)).toBe(false);
  });

  it('while the walk goes on, waits out the wait, then joins (what is left is unknown)', () => {
    expect(smallFilesPay(at(60, 40), { files: 2048, known: false }, after)).toBe(false);
    expect(smallFilesPay(at(310, 200), { files: 10, known: false }, after)).toBe(true);
  });

  it('times what is left at the latest pace, not the pace so far with its cold start', () => {
    // 200 files in 105 ms (3,200 left would take 1,680 ms at that pace), the latest 48 in 6 ms: 400 ms.
    expect(smallFilesPay({ ms: 105, files: 200, recent: { ms: 6, files: 48 } }, { files: 3200, known: true }, after)).toBe(false);
    expect(smallFilesPay({ ms: 105, files: 200, recent: { ms: 30, files: 48 } }, { files: 3200, known: true }, after)).toBe(true);
    // 1,000 files in 300 ms, the first 280 ms of it cold; the latest batches read 384 files in
    // 80 ms: 3,000 left take 625 ms, which a worker, cold itself for as long, does not shorten.
    expect(smallFilesPay({ ms: 300, files: 1000, recent: { ms: 80, files: 384 } }, { files: 3000, known: true }, after)).toBe(false);
    expect(smallFilesPay({ ms: 300, files: 1000, recent: { ms: 80, files: 384 } }, { files: 6000, known: true }, after)).toBe(true);
  });

  it('one slow batch among the latest is not the pace', () => {
    const recent = new RecentBatches();
    for (let k = 0; k < 12; k++) recent.add(4, 48);
    // A full collection fell in this one: alone, it says 2,800 files take 1,283 ms.
    recent.add(22, 48);
    const read = { ms: 270, files: 1200, recent: recent.total() };
    expect(read.recent).toEqual({ ms: (RecentBatches.KEPT - 1) * 4 + 22, files: RecentBatches.KEPT * 48 });
    expect(smallFilesPay(read, { files: 2800, known: true }, after)).toBe(false);
    expect(smallFilesPay({ ...read, recent: { ms: 22, files: 48 } }, { files: 2800, known: true }, after)).toBe(true);
    // Slow batch after slow batch is the pace: the tree is long, and the workers join.
    for (let k = 0; k < RecentBatches.KEPT; k++) recent.add(22, 48);
    expect(smallFilesPay({ ...read, recent: recent.total() }, { files: 2800, known: true }, after)).toBe(true);
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
