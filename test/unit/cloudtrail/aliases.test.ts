/**
 * The one alias rule (src/cloudtrail/aliases.ts), on real records of the AWS KMS guide and on
 * cases crafted from them: what a record says about which key an alias names.
 */
import { describe, expect, it } from 'vitest';
import { aliasEvidence } from '../../../src/cloudtrail/aliases.js';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { derive, loadRecords, K } from '../fixtures.js';

const summary = (record: JsonObject) => aliasEvidence(record).map((e) => [e.alias.alias, e.key?.keyId, e.change]);

describe('aliasEvidence', () => {
  const docs = loadRecords(K);
  const of = (eventName: string) => docs.find((r) => r.eventName === eventName) as JsonObject;

  it('a successful CreateAlias points its alias at targetKeyId', () => {
    const create = of('CreateAlias');
    const target = String((create.requestParameters as JsonObject).targetKeyId).toLowerCase();
    expect(summary(create)).toEqual([[(create.requestParameters as JsonObject).aliasName, target, 'set']]);
  });

  it('a failed alias change shows nothing', () => {
    const create = of('CreateAlias');
    expect(aliasEvidence(derive(create, { errorCode: 'AlreadyExistsException' }))).toEqual([]);
  });

  it('a DeleteAlias says the alias points nowhere now, naming the key when its resources do', () => {
    const create = of('CreateAlias');
    const name = (create.requestParameters as JsonObject).aliasName;
    const bare = derive(create, { eventName: 'DeleteAlias', requestParameters: { aliasName: name }, resources: null });
    expect(summary(bare)).toEqual([[name, undefined, 'delete']]);
  });

  it('another record naming an alias and exactly one key is an observation of that mapping', () => {
    const use = derive(of('CreateAlias'), {
      eventName: 'Decrypt',
      requestParameters: { keyId: 'alias/app' },
      resources: [{ ARN: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' }],
    });
    expect(summary(use)).toEqual([['alias/app', '1234abcd-12ab-34cd-56ef-1234567890ab', undefined]]);
  });

  it('a record naming an alias and two keys, or no key, shows nothing', () => {
    const base = of('CreateAlias');
    const two = derive(base, {
      eventName: 'ReEncrypt',
      requestParameters: { sourceKeyId: 'alias/app', destinationKeyId: 'arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321' },
      resources: [{ ARN: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' }],
    });
    expect(aliasEvidence(two)).toEqual([]);
    expect(aliasEvidence(derive(base, { eventName: 'Decrypt', requestParameters: { keyId: 'alias/app' }, resources: null }))).toEqual([]);
  });

  it('records that name no alias show nothing', () => {
    expect(docs.filter((r) => aliasEvidence(r).length > 0).every((r) => JSON.stringify(r).includes('alias/'))).toBe(true);
  });
});
