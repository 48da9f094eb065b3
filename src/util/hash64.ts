/**
 * 64-bit hashes of strings as two 32-bit halves: two independently seeded multiply-xorshift mixes
 * over the UTF-16 code units (the cyrb53 construction, both halves kept). Fast in V8 (Math.imul on
 * small integers), and wide enough that tens of millions of distinct values collide with a
 * probability of about one in a hundred thousand. Several strings can be hashed as one sequence
 * (`Hasher.add` for each, a separator between them) without joining them into a new string.
 */
export class Hasher {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  /** Adds a string, then a separator no value can fake (a code unit past any in `text`'s own run). */
  add(text: string): this {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    // The separator is outside UTF-16 (65536): "ab"+"c" and "a"+"bc" hash differently.
    this.h1 = Math.imul(h1 ^ 0x10000, 2654435761);
    this.h2 = Math.imul(h2 ^ 0x10000, 1597334677);
    return this;
  }

  /**
   * As `add` of the text of bytes [from, to), when they are all ASCII (each byte its own code
   * unit); false, and nothing added, when one is not.
   */
  addAscii(bytes: Uint8Array, from: number, to: number): boolean {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = from; i < to; i++) {
      const c = bytes[i];
      if (c > 0x7f) return false;
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    this.h1 = Math.imul(h1 ^ 0x10000, 2654435761);
    this.h2 = Math.imul(h2 ^ 0x10000, 1597334677);
    return true;
  }

  /** The 64 bits, as [hi, lo] unsigned halves. */
  digest(): [hi: number, lo: number] {
    let h1 = this.h1;
    let h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return [h1 >>> 0, h2 >>> 0];
  }
}

export function hash64(text: string): [hi: number, lo: number] {
  return new Hasher().add(text).digest();
}
