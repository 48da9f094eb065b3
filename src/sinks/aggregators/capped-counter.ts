/**
 * Counting distinct values in bounded memory. A trail can hold millions of distinct source IPs or
 * principals; past `cap` distinct values, new ones are counted together as "(other)" and the
 * counter says it was capped, so the output can say its ranking may miss late-arriving values.
 */

/** The cap on each distinct-value counter. */
export const DISTINCT_CAP = 100_000;

/** A count that several counters draw new entries from, to bound their sum as well as each one. */
export interface EntryBudget {
  left: number;
}

export interface CountRow {
  value: string;
  count: number;
}

export class CappedCounter {
  private readonly counts = new Map<string, number>();
  /** Occurrences of values that arrived after the counter was full. */
  other = 0;

  constructor(
    private readonly cap: number = DISTINCT_CAP,
    private readonly budget?: EntryBudget,
  ) {}

  get distinct(): number {
    return this.counts.size;
  }

  get capped(): boolean {
    return this.other > 0;
  }

  add(value: string, n = 1): void {
    const seen = this.counts.get(value);
    if (seen !== undefined) {
      this.counts.set(value, seen + n);
    } else if (this.counts.size < this.cap && (!this.budget || this.budget.left > 0)) {
      this.counts.set(value, n);
      if (this.budget) this.budget.left--;
    } else {
      this.other += n;
    }
  }

  /** Adds everything another counter holds (its "(other)" stays "(other)"). */
  addAll(from: CappedCounter): void {
    for (const [value, count] of from.counts) this.add(value, count);
    this.other += from.other;
  }

  /** The `n` most frequent values (all when n is omitted): by count, then by value, so ties are stable. */
  top(n = Infinity): CountRow[] {
    return [...this.counts]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .slice(0, n);
  }
}
