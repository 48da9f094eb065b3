/** firstSyntaxError: the first place text stops being JSON, at any depth. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstSyntaxError } from '../../../src/reader/json-error.js';

describe('firstSyntaxError', () => {
  it('places each kind of fault at the character where the text stops being JSON', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['{"a":1 "b":2}', 7, /expected ',' or '}'/],
      ['[1,2 3]', 5, /expected ',' or ']'/],
      ['{"a" 1}', 5, /expected ':'/],
      ['{,}', 1, /property name/],
      ['[,]', 1, /expected a value/],
      ['{"a":tru}', 5, /expected 'true'/],
      ['{"a":"x\\q"}', 7, /invalid character in a string/],
      ['{"a":01}', 6, /expected ',' or '}'/],
      ['{"a":1}x', 7, /unexpected text after the value/],
      ['{"a":{"b":[1,{"c":-}]}}', 19, /malformed number, found '}'/],
    ];
    for (const [text, offset, message] of cases) {
      const fault = firstSyntaxError(text);
      expect(fault?.offset, text).toBe(offset);
      expect(fault?.message, text).toMatch(message);
    }
  });

  it('follows nesting deeper than the call stack: 200,000 levels, then a fault', () => {
    const depth = 200_000;
    const text = '{"a":'.repeat(depth) + '1 2';
    expect(firstSyntaxError(text)).toEqual({ offset: text.length - 1, message: "expected ',' or '}' after a property value, found '2'" });
    expect(firstSyntaxError('['.repeat(depth))).toBeUndefined();
  });

  it('finds nothing wrong in JSON, or in any start of it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, cut) => {
        const text = JSON.stringify(value, null, cut % 3);
        expect(firstSyntaxError(text)).toBeUndefined();
        expect(firstSyntaxError(text.slice(0, cut % (text.length + 1)))).toBeUndefined();
      }),
    );
  });
});
