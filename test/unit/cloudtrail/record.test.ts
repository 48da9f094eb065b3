/**
 * Defensive field access on records whose fields come in unexpected types.
 */
import { describe, expect, it } from 'vitest';
import { errorCode, readOnlyFlag } from '../../../src/cloudtrail/record.js';
import { derive, pick, K, P, UG } from '../fixtures.js';

describe('record helpers', () => {
  it('readOnlyFlag: booleans, their string forms, absent', () => {
    const decrypt = pick(K, { eventID: 'edb65380-0a3e-4123-bbc8-3d1b7cff49b0' });
    expect(readOnlyFlag(decrypt)).toBe(true);
    expect(readOnlyFlag(pick(K, { eventID: '36327b37-f4f6-40a9-92ab-48064ec905a2' }))).toBe(false);
    expect(readOnlyFlag(pick(P, { eventName: 'Decrypt', eventTime: '2024-01-15T10:30:00Z' }))).toBeUndefined();
    // No fixture has a string readOnly: the real Decrypt with the string forms.
    expect(readOnlyFlag(derive(decrypt, { readOnly: 'true' }))).toBe(true);
    expect(readOnlyFlag(derive(decrypt, { readOnly: 'false' }))).toBe(false);
    expect(readOnlyFlag(derive(decrypt, { readOnly: 'TRUE' }))).toBeUndefined();
  });

  it('errorCode: present, absent, errorMessage alone', () => {
    expect(errorCode(pick(K, { eventID: 'f7734272-9ec5-4c80-9f36-528ebbe35e4a' }))).toBe('InvalidKeyUsageException');
    expect(errorCode(pick(K, { eventID: '36327b37-f4f6-40a9-92ab-48064ec905a2' }))).toBeUndefined();
    expect(errorCode(pick(UG, { eventID: 'd38ce1b3-4575-4cb8-a632-611b8243bfc3' }))).toBeUndefined();
  });
});
