/**
 * A set of 64-bit hashes in typed arrays: the memory of "seen before" for tens of millions of
 * records, without an object per entry. Open addressing with Robin Hood linear probing (an absent
 * key is known after a few probes even at 90% load), in 256 shards chosen by the top byte, so that
 * growing copies one shard at a time: growth never needs the whole set twice over.
 *
 * Memory: 8 bytes a slot, slots at most 90% full, so about 9 bytes per entry once large (a shard
 * grows by a quarter at a time past 4,096 slots). At the default cap of 20 million entries that
 * is about 190 MB; below a million entries, under 10 MB.
 */

const SHARDS = 256;
const MAX_LOAD = 0.9;
/** Below this many slots a shard doubles; above, it grows by a quarter (less memory in waiting). */
const DOUBLE_BELOW = 4096;

class Shard {
  /** [hi, lo] per slot, as int32 (V8 keeps them unboxed); (0, 0) is an empty slot. */
  keys: Int32Array;
  slots: number;
  /** Entries at which to grow. */
  private limit: number;
  size = 0;

  constructor(slots: number) {
    this.slots = slots;
    this.limit = Math.floor(slots * MAX_LOAD);
    this.keys = new Int32Array(slots * 2);
  }

  /** Where a key would sit with no collision: its low half scaled to the slots. */
  private home(lo: number): number {
    return Math.floor(((lo >>> 0) / 4294967296) * this.slots);
  }

  /** Is the key held? Stops at the first slot whose key is nearer home than this one would be. */
  contains(hi: number, lo: number): boolean {
    const keys = this.keys;
    const slots = this.slots;
    let pos = this.home(lo);
    for (let dist = 0; ; dist++) {
      const at = pos * 2;
      const khi = keys[at];
      const klo = keys[at + 1];
      if ((khi | klo) === 0) return false;
      if (khi === hi && klo === lo) return true;
      if ((pos - this.home(klo) + slots) % slots < dist) return false;
      pos = pos + 1 === slots ? 0 : pos + 1;
    }
  }

  /** True when the key was not there and is now; false when it was there already. */
  add(hi: number, lo: number): boolean {
    if (this.size >= this.limit) this.grow();
    return this.place(hi, lo);
  }

  private place(hi: number, lo: number): boolean {
    const keys = this.keys;
    const slots = this.slots;
    let pos = this.home(lo);
    let dist = 0;
    let added = false;
    for (;;) {
      const at = pos * 2;
      const khi = keys[at];
      const klo = keys[at + 1];
      if ((khi | klo) === 0) {
        keys[at] = hi;
        keys[at + 1] = lo;
        this.size++;
        return true;
      }
      if (!added && khi === hi && klo === lo) return false;
      const theirs = (pos - this.home(klo) + slots) % slots;
      if (theirs < dist) {
        // Robin Hood: a key this far from home would have been met before this richer one, so it
        // is not in the set. It takes the slot; the one it displaced moves on.
        keys[at] = hi;
        keys[at + 1] = lo;
        hi = khi;
        lo = klo;
        dist = theirs;
        added = true;
      }
      pos = pos + 1 === slots ? 0 : pos + 1;
      dist++;
    }
  }

  private grow(): void {
    const old = this.keys;
    this.slots = this.slots < DOUBLE_BELOW ? this.slots * 2 : Math.ceil(this.slots * 1.25);
    this.limit = Math.floor(this.slots * MAX_LOAD);
    this.keys = new Int32Array(this.slots * 2);
    this.size = 0;
    for (let at = 0; at < old.length; at += 2) {
      if ((old[at] | old[at + 1]) !== 0) this.place(old[at], old[at + 1]);
    }
  }
}

export class Hash64Set {
  private readonly shards: Shard[] = [];
  private count = 0;
  /** (0, 0) marks an empty slot, so that one key is held here. */
  private hasZero = false;

  /** At most `maxEntries` keys are held; past that, `add` answers 'full' and remembers nothing. */
  constructor(readonly maxEntries = 20_000_000) {
    for (let s = 0; s < SHARDS; s++) this.shards.push(new Shard(16));
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the slots. */
  get bytes(): number {
    return this.shards.reduce((sum, shard) => sum + shard.keys.byteLength, 0);
  }

  /** 'new' the first time a key is added, 'seen' after; 'full' for a new key once at the cap. */
  add(hi: number, lo: number): 'new' | 'seen' | 'full' {
    hi |= 0;
    lo |= 0;
    const zero = (hi | lo) === 0;
    const shard = this.shards[hi >>> 24];
    if (zero ? this.hasZero : this.count >= this.maxEntries && shard.contains(hi, lo)) return 'seen';
    if (this.count >= this.maxEntries) return 'full';
    if (zero) this.hasZero = true;
    else if (!shard.add(hi, lo)) return 'seen';
    this.count++;
    return 'new';
  }
}
