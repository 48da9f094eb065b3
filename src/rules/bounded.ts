/**
 * State with a ceiling, so `detect` runs in bounded memory however long the trail. Two
 * generations of Maps: entries go into the current one; when it is full (half the limit) it
 * becomes the previous one and the old previous is dropped whole; an entry touched in the previous
 * generation moves back to the current one. So at most `limit` entries are held, the most recently
 * touched half are always kept, and every operation is O(1). (Evicting the single oldest entry of
 * one Map looks simpler but is not: V8 walks the deleted slots at the front on every eviction.)
 * Forgetting can only cost a missed or repeated hit for a long-idle principal or key.
 */
export class BoundedMap<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();
  private readonly half: number;

  constructor(limit: number) {
    this.half = Math.max(1, Math.floor(limit / 2));
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** The value, marked as recently used. */
  get(key: K): V | undefined {
    const value = this.current.get(key);
    if (value !== undefined) return value;
    const old = this.previous.get(key);
    if (old !== undefined) {
      this.previous.delete(key);
      this.insert(key, old);
    }
    return old;
  }

  has(key: K): boolean {
    return this.current.has(key) || this.previous.has(key);
  }

  set(key: K, value: V): void {
    if (this.current.has(key)) {
      this.current.set(key, value);
      return;
    }
    this.previous.delete(key);
    this.insert(key, value);
  }

  delete(key: K): void {
    this.current.delete(key);
    this.previous.delete(key);
  }

  private insert(key: K, value: V): void {
    if (this.current.size >= this.half) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }
}

/** A BoundedMap used as a set: `add` answers whether the value was new. */
export class BoundedSet<K> {
  private readonly map: BoundedMap<K, true>;

  constructor(limit: number) {
    this.map = new BoundedMap(limit);
  }

  get size(): number {
    return this.map.size;
  }

  /** Whether it is held (and marks it recently used). */
  has(key: K): boolean {
    return this.map.get(key) !== undefined;
  }

  add(key: K): boolean {
    const fresh = !this.map.has(key);
    this.map.set(key, true);
    return fresh;
  }
}
