/** `null`, `''`, `'*'` and `exists` on absent, null, empty and present fields. */
import { describe, expect, it } from 'vitest';
import { matches } from './sigma-helpers.js';

const isNull = `sel:\n    errorCode: null\ncondition: sel`;
const isEmpty = `sel:\n    errorCode: ''\ncondition: sel`;
const anyText = `sel:\n    errorCode|contains: '*'\ncondition: sel`;
const star = `sel:\n    errorCode: '*'\ncondition: sel`;
const exists = `sel:\n    errorCode|exists: true\ncondition: sel`;

describe('null, empty and present', () => {
  const cases: Array<[string, Record<string, unknown>, boolean[]]> = [
    // field state            null   ''     contains * (any)  '*'    exists
    ['absent', {}, [true, false, false, false, false]],
    ['null', { errorCode: null }, [true, false, false, false, true]],
    ['empty string', { errorCode: '' }, [false, true, true, true, true]],
    ['text', { errorCode: 'AccessDenied' }, [false, false, true, true, true]],
    ['empty array', { errorCode: [] }, [true, false, false, false, true]],
    ['array of null', { errorCode: [null] }, [true, false, false, false, true]],
    ['number', { errorCode: 0 }, [false, false, true, true, true]],
    ['empty object', { errorCode: {} }, [false, false, false, false, true]],
  ];
  for (const [name, fields, expected] of cases) {
    it(`${name}`, () => {
      const actual = [isNull, isEmpty, anyText, star, exists].map((d) => matches(d, fields));
      expect(actual).toEqual(expected);
    });
  }

  it('a list with null is "null or ..."', () => {
    const d = `sel:\n    errorCode:\n        - null\n        - Success\ncondition: sel`;
    expect(matches(d, {})).toBe(true);
    expect(matches(d, { errorCode: 'success' })).toBe(true);
    expect(matches(d, { errorCode: 'AccessDenied' })).toBe(false);
  });

  it('"not null" is written as a negated selection', () => {
    const d = `sel:\n    eventName: ListUsers\nfilter:\n    errorCode: null\ncondition: sel and not filter`;
    expect(matches(d, { eventName: 'ListUsers', errorCode: 'AccessDenied' })).toBe(true);
    expect(matches(d, { eventName: 'ListUsers' })).toBe(false);
  });

  it('numbers and booleans in rules compare as text', () => {
    expect(matches(`sel:\n    responseElements.publiclyAccessible: 'true'\ncondition: sel`, { responseElements: { publiclyAccessible: true } })).toBe(true);
    expect(matches(`sel:\n    responseElements.publiclyAccessible: true\ncondition: sel`, { responseElements: { publiclyAccessible: 'TRUE' } })).toBe(true);
    expect(matches(`sel:\n    requestParameters.port: 22\ncondition: sel`, { requestParameters: { port: '22' } })).toBe(true);
    expect(matches(`sel:\n    requestParameters.port: 22\ncondition: sel`, { requestParameters: { port: 220 } })).toBe(false);
  });

  it('digits with a leading zero, unquoted, are the digits written (an account ID), not a number', () => {
    for (const id of ['012345678901', '012345670123', '000000000007']) {
      const d = `sel:\n    recipientAccountId: ${id}\ncondition: sel`;
      expect(matches(d, { recipientAccountId: id }), id).toBe(true);
      expect(matches(d, { recipientAccountId: String(Number(id)) }), id).toBe(false);
      expect(matches(`sel:\n    recipientAccountId:\n        - 111122223333\n        - ${id}\ncondition: sel`, { recipientAccountId: id }), id).toBe(true);
    }
    // Other numbers are still numbers: 50 matches 50 and "50", not "050".
    expect(matches(`sel:\n    requestParameters.maxResults: 50\ncondition: sel`, { requestParameters: { maxResults: 50 } })).toBe(true);
    expect(matches(`sel:\n    requestParameters.maxResults: 50\ncondition: sel`, { requestParameters: { maxResults: '050' } })).toBe(false);
    expect(matches(`sel:\n    requestParameters.maxResults: 0\ncondition: sel`, { requestParameters: { maxResults: 0 } })).toBe(true);
  });

  it('any number written otherwise than its value prints (1.10, 0x10, 1e3, 1.0, +5) is the text written', () => {
    // CloudTrail's eventVersion is "1.10": YAML reads an unquoted 1.10 as 1.1, which matched nothing.
    for (const written of ['1.10', '0x10', '1e3', '1.0', '+5', '0o17', '.5']) {
      const d = `sel:\n    eventVersion: ${written}\ncondition: sel`;
      expect(matches(d, { eventVersion: written }), written).toBe(true);
      expect(matches(d, { eventVersion: String(Number(written)) }), written).toBe(false);
      expect(matches(`sel:\n    eventVersion:\n        - '1.08'\n        - ${written}\ncondition: sel`, { eventVersion: written }), written).toBe(true);
    }
    // Compared as numbers, they are still the numbers written.
    expect(matches(`sel:\n    eventVersion|gte: 1.10\ncondition: sel`, { eventVersion: '1.09' })).toBe(false);
    expect(matches(`sel:\n    eventVersion|gte: 1.10\ncondition: sel`, { eventVersion: '1.2' })).toBe(true);
  });
});

describe('field names that every JavaScript object has', () => {
  // jq: .requestParameters | has("constructor") is false; so is every one of these.
  const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf'];
  it.each(names)('%s is absent unless the record has it', (name) => {
    const present = (path: string) => matches(`sel:\n    ${path}|exists: true\ncondition: sel`, { requestParameters: { keyId: 'k' } });
    const isNullOf = (path: string) => matches(`sel:\n    ${path}: null\ncondition: sel`, { requestParameters: { keyId: 'k' } });
    expect(present(`requestParameters.${name}`)).toBe(false);
    expect(present(name)).toBe(false);
    expect(isNullOf(`requestParameters.${name}`)).toBe(true);
    expect(matches(`sel:\n    requestParameters.${name}: x\ncondition: sel`, { requestParameters: JSON.parse(`{"${name}":"x"}`) })).toBe(true);
  });
});
