/** `!` exclusions: the split, and how one value or several are judged (src/util/value-filter.ts). */
import { describe, expect, it } from 'vitest';
import { keyWanted, parseKeyReference, parseWantedKey } from '../../../src/cloudtrail/key-reference.js';
import { keepsValue, keepsValues, splitExclusions, textValueFilter } from '../../../src/util/value-filter.js';

describe('value filters with exclusions', () => {
  it('splits on a leading !', () => {
    expect(splitExclusions(['Decrypt', '!Gen*', 'Encrypt'])).toEqual({ include: ['Decrypt', 'Encrypt'], exclude: ['Gen*'] });
  });

  it('one value: some include (when there are any) and no exclude; a missing value is never excluded', () => {
    const f = textValueFilter(['*Key*', '!ScheduleKeyDeletion'])!;
    expect(keepsValue(f, 'CreateKey')).toBe(true);
    expect(keepsValue(f, 'schedulekeydeletion')).toBe(false);
    expect(keepsValue(f, 'Decrypt')).toBe(false);
    const only = textValueFilter(['!10.*'])!;
    expect(keepsValue(only, '192.0.2.1')).toBe(true);
    expect(keepsValue(only, '10.0.0.1')).toBe(false);
    expect(keepsValue(only, undefined)).toBe(true);
    expect(textValueFilter([])).toBeUndefined();
  });

  it('several values (a principal\'s names): one excluded name leaves the record out', () => {
    const f = textValueFilter(['!cloudtrail.amazonaws.com'])!;
    expect(keepsValues(f, ['arn:aws:iam::1:user/a', 'a'])).toBe(true);
    expect(keepsValues(f, ['cloudtrail.amazonaws.com'])).toBe(false);
  });
});

describe('--key values: globs, ID prefixes, exclusions', () => {
  const ref = parseKeyReference('arn:aws:kms:us-east-1:111122223333:key/85b4ab0e-1111-2222-3333-444455556666')!;
  it('a glob or an ID prefix matches the key ID, the ARN or an alias', () => {
    expect(keyWanted(parseWantedKey('85b4ab0e*')!, ref)).toBe(true);
    expect(keyWanted(parseWantedKey('85B4')!, ref)).toBe(true);
    expect(keyWanted(parseWantedKey('*:111122223333:key/*')!, ref)).toBe(true);
    expect(keyWanted(parseWantedKey('85b5*')!, ref)).toBe(false);
    expect(keyWanted(parseWantedKey('alias/prod*')!, parseKeyReference('alias/prod-db')!)).toBe(true);
  });
  it('a whole ID is one key, not a prefix; ! marks an exclusion; three hex digits are no prefix', () => {
    expect(parseWantedKey('85b4ab0e-1111-2222-3333-444455556666')).toMatchObject({ keyId: '85b4ab0e-1111-2222-3333-444455556666' });
    expect(parseWantedKey('85b4ab0e-1111-2222-3333-444455556666')?.pattern).toBeUndefined();
    expect(parseWantedKey('!alias/prod-db')).toMatchObject({ alias: 'alias/prod-db', exclude: true });
    expect(parseWantedKey('abc')).toMatchObject({ keyId: 'abc' });
    expect(parseWantedKey('!')).toBeUndefined();
  });
});
