/** firstInvalidUtf8 against Node's own UTF-8 check, on valid text and on every kind of damage. */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8 } from '../../../src/util/utf8.js';

describe('firstInvalidUtf8', () => {
  it('names the first byte of the first ill-formed sequence', () => {
    const at = (hex: string) => firstInvalidUtf8(Buffer.from(hex.replace(/ /g, ''), 'hex'));
    expect(at('41 42 43')).toBe(-1);
    expect(at('41 c3 a9 42')).toBe(-1); // é
    expect(at('41 c3 28 42')).toBe(1); // a lead byte without its continuation
    expect(at('41 42 80')).toBe(2); // a lone continuation byte
    expect(at('c0 af')).toBe(0); // an overlong '/'
    expect(at('41 ed a0 80')).toBe(1); // a UTF-16 surrogate
    expect(at('f4 90 80 80')).toBe(0); // past U+10FFFF
    expect(at('41 e2 82')).toBe(1); // cut at the end
    expect(at('f0 9f 98 80 ff')).toBe(4); // an emoji, then a byte UTF-8 never has
  });

  it('agrees with isUtf8, and the bytes before the place it names are well-formed', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.uint8Array({ maxLength: 4 }), fc.nat(), (text, junk, where) => {
        const valid = Buffer.from(text);
        expect(firstInvalidUtf8(valid)).toBe(-1);
        const at = valid.length === 0 ? 0 : where % (valid.length + 1);
        const bytes = Buffer.concat([valid.subarray(0, at), Buffer.from(junk), valid.subarray(at)]);
        const first = firstInvalidUtf8(bytes);
        expect(first === -1).toBe(isUtf8(bytes));
        if (first >= 0) expect(isUtf8(bytes.subarray(0, first))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
