/** The binary heap behind the detection engine's reorder buffer and `--sort time --limit`. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Heap } from '../../../src/util/heap.js';

describe('Heap', () => {
  it('pops in the order `before` defines, whatever the pushes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 })), (values) => {
        const heap = new Heap<number>((a, b) => a < b);
        for (const v of values) heap.push(v);
        expect(heap.size).toBe(values.length);
        const out: number[] = [];
        for (let v = heap.pop(); v !== undefined; v = heap.pop()) out.push(v);
        expect(out).toEqual([...values].sort((a, b) => a - b));
      }),
    );
  });

  it('peek is the next pop; an empty heap gives undefined', () => {
    const heap = new Heap<string>((a, b) => a > b);
    expect(heap.peek()).toBeUndefined();
    expect(heap.pop()).toBeUndefined();
    for (const v of ['b', 'd', 'a', 'c']) heap.push(v);
    expect(heap.peek()).toBe('d');
    expect(heap.pop()).toBe('d');
    expect(heap.drain().sort()).toEqual(['a', 'b', 'c']);
    expect(heap.size).toBe(0);
  });
});
