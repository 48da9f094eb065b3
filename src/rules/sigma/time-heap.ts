/** A binary min-heap on (time, arrival): the Sigma engine's reorder buffer. */

export interface Timed {
  time: number;
  seq: number;
}

const before = (a: Timed, b: Timed) => a.time < b.time || (a.time === b.time && a.seq < b.seq);

export class TimeHeap<T extends Timed> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let min = i;
        if (l < items.length && before(items[l], items[min])) min = l;
        if (r < items.length && before(items[r], items[min])) min = r;
        if (min === i) break;
        [items[i], items[min]] = [items[min], items[i]];
        i = min;
      }
    }
    return top;
  }
}
