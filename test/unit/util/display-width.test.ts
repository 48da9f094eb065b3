/** Terminal columns taken by text: what lets a table promise to fit a screen. */
import { describe, expect, it } from 'vitest';
import { cutToWidth, displayWidth, sliceToWidth } from '../../../src/util/display-width.js';

describe('displayWidth', () => {
  it('ASCII: one column a character', () => {
    expect(displayWidth('')).toBe(0);
    expect(displayWidth('arn:aws:kms:us-east-1:111122223333:key/x')).toBe(40);
  });

  it('CJK and emoji take two, combining marks and joiners none, box drawing and … one', () => {
    expect(displayWidth('鍵')).toBe(2);
    expect(displayWidth('ｋｅｙ')).toBe(6); // fullwidth Latin
    expect(displayWidth('🔑')).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1); // e + combining acute
    expect(displayWidth('a\u200db')).toBe(2); // zero-width joiner
    expect(displayWidth('│─…é')).toBe(4);
  });
});

describe('cutting to a width', () => {
  it('sliceToWidth never splits a wide character over the limit', () => {
    expect(sliceToWidth('鍵鍵鍵', 5)).toBe('鍵鍵');
    expect(sliceToWidth('abc', 0)).toBe('');
  });

  it('cutToWidth: whole when it fits, else cut with … at the end or the start', () => {
    expect(cutToWidth('Decrypt', 7)).toBe('Decrypt');
    expect(cutToWidth('GenerateDataKey', 8)).toBe('Generat…');
    expect(cutToWidth('arn:aws:sts::111122223333:assumed-role/Admin/alice', 18, 'start')).toBe('…-role/Admin/alice');
    expect(cutToWidth('鍵鍵鍵', 4)).toBe('鍵…');
    expect(cutToWidth('鍵鍵鍵', 4, 'start')).toBe('…鍵');
    for (const width of [1, 2, 5, 9]) {
      expect(displayWidth(cutToWidth('🔑 key 鍵 ARN', width))).toBeLessThanOrEqual(width);
      expect(displayWidth(cutToWidth('🔑 key 鍵 ARN', width, 'start'))).toBeLessThanOrEqual(width);
    }
  });
});
