/** deepJsonText is JSON.stringify without recursion: the same text, and no overflow however deep. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepJsonText, jsonText } from '../../../src/util/deep-json.js';
import { fixtureFiles, loadRecords } from '../fixtures.js';

describe('deepJsonText', () => {
  it('writes what JSON.stringify writes, for any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => deepJsonText(value) === JSON.stringify(value)), { numRuns: 2000 });
  });

  it('and for every real record of the fixtures', () => {
    const records = fixtureFiles().flatMap(loadRecords);
    expect(records.length).toBeGreaterThan(100);
    for (const record of records) expect(deepJsonText(record)).toBe(JSON.stringify(record));
  });

  it('a value nested 100,000 deep, which JSON.stringify cannot write, comes back as it was', () => {
    const text = `{"a":${'[{"b":'.repeat(50_000)}"x"${'}]'.repeat(50_000)}}`;
    const value: unknown = JSON.parse(text);
    expect(() => JSON.stringify(value)).toThrow(RangeError);
    expect(deepJsonText(value)).toBe(text);
  });

  it('jsonText: JSON.stringify where it can, deepJsonText where it cannot', () => {
    const shallow = { a: [1, 'x', null, { b: true }] };
    expect(jsonText(shallow)).toBe(JSON.stringify(shallow));
    const text = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    expect(jsonText(JSON.parse(text))).toBe(text);
  });
});
