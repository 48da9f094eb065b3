/**
 * Key references in every form a record or a user writes them, on real records where there are any.
 */
import { describe, expect, it } from 'vitest';
import { displayKey, KEY_FIELDS, keyReferences, parseKeyReference, parseWantedKey, sameKey } from '../../../src/cloudtrail/key-reference.js';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { fixtureFiles, loadRecords, pick, K, P, UG, DDB, TS, KEY_1234, KEY_0987, ARN_1234, ARN_0987, MRK } from '../fixtures.js';

describe('parseKeyReference', () => {
  it('key ID, lower-cased', () => {
    expect(parseKeyReference(KEY_1234)).toEqual({ given: KEY_1234, keyId: KEY_1234 });
    expect(parseKeyReference(KEY_1234.toUpperCase())).toEqual({ given: KEY_1234.toUpperCase(), keyId: KEY_1234 });
  });

  it('multi-Region key ID', () => {
    expect(parseKeyReference(MRK)).toEqual({ given: MRK, keyId: MRK });
  });

  it('key ARN', () => {
    expect(parseKeyReference(ARN_1234)).toEqual({ given: ARN_1234, keyId: KEY_1234, region: 'us-west-2', account: '111122223333' });
  });

  it('multi-Region key ARN', () => {
    const arn = `arn:aws:kms:ap-northeast-1:111122223333:key/${MRK}`;
    expect(parseKeyReference(arn)).toEqual({ given: arn, keyId: MRK, region: 'ap-northeast-1', account: '111122223333' });
  });

  it('key ARNs of other partitions', () => {
    expect(parseKeyReference(`arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/${KEY_1234}`)).toMatchObject({
      keyId: KEY_1234,
      region: 'us-gov-west-1',
    });
    expect(parseKeyReference(`arn:aws-cn:kms:cn-north-1:111122223333:key/${KEY_1234}`)).toMatchObject({ keyId: KEY_1234 });
  });

  it('alias name, case kept', () => {
    expect(parseKeyReference('alias/ExampleAlias')).toEqual({ given: 'alias/ExampleAlias', alias: 'alias/ExampleAlias' });
    expect(parseKeyReference('alias/aws/ebs')).toEqual({ given: 'alias/aws/ebs', alias: 'alias/aws/ebs' });
    // Blanks and control characters around a record's value: not part of the key (matched as SQL
    // matches it), but kept as written for display, where they are shown as escapes.
    const padded = '\t\r\nalias/prod \u000b';
    expect(parseKeyReference(padded)).toEqual({ given: padded, alias: 'alias/prod' });
    expect(parseKeyReference(' \t')).toBeUndefined();
  });

  it('alias ARN', () => {
    const arn = 'arn:aws:kms:us-west-2:111122223333:alias/ExampleAlias';
    expect(parseKeyReference(arn)).toEqual({ given: arn, alias: 'alias/ExampleAlias', region: 'us-west-2', account: '111122223333' });
    expect(parseKeyReference('arn:aws:kms:us-east-1:111122223333:alias/aws/ebs')).toMatchObject({ alias: 'alias/aws/ebs' });
  });

  it("surrounding blanks are no part of the key; a record's value keeps them for display, the command line's does not", () => {
    expect(parseKeyReference(`  ${KEY_1234}\t`)).toEqual({ given: `  ${KEY_1234}\t`, keyId: KEY_1234 });
    expect(parseWantedKey(`  ${KEY_1234}\t`)).toEqual({ given: KEY_1234, keyId: KEY_1234 });
  });

  it('empty and blank → undefined', () => {
    expect(parseKeyReference('')).toBeUndefined();
    expect(parseKeyReference('   ')).toBeUndefined();
  });

  it('non-KMS ARNs → undefined', () => {
    expect(parseKeyReference('arn:aws:s3:::bucket')).toBeUndefined();
    expect(parseKeyReference('arn:aws:iam::111122223333:role/Admins')).toBeUndefined();
    expect(parseKeyReference('arn:aws:kms:us-west-2:111122223333:grant/abc')).toBeUndefined();
    expect(parseKeyReference('arn:aws:cloudtrail:us-east-1:111122223333:channel/7944f0ec-EXAMPLE')).toBeUndefined();
  });
});

describe('sameKey', () => {
  const ref = (value: string) => parseKeyReference(value)!;

  it('key IDs compare across ID and ARN forms', () => {
    expect(sameKey(ref(KEY_1234), ref(ARN_1234))).toBe(true);
    expect(sameKey(ref(ARN_1234), ref(KEY_1234))).toBe(true);
    expect(sameKey(ref(KEY_1234), ref(KEY_0987))).toBe(false);
    expect(sameKey(ref(KEY_1234), ref('alias/ExampleAlias'))).toBe(false);
  });

  it('aliases compare by name, and by region/account when both sides give them', () => {
    const aliasArn = 'arn:aws:kms:us-west-2:111122223333:alias/ExampleAlias';
    expect(sameKey(ref('alias/ExampleAlias'), ref(aliasArn))).toBe(true);
    expect(sameKey(ref(aliasArn), ref(aliasArn))).toBe(true);
    expect(sameKey(ref(aliasArn), ref('arn:aws:kms:eu-west-1:111122223333:alias/ExampleAlias'))).toBe(false);
    expect(sameKey(ref(aliasArn), ref('arn:aws:kms:us-west-2:999999999999:alias/ExampleAlias'))).toBe(false);
    expect(sameKey(ref('alias/ExampleAlias'), ref('alias/Other'))).toBe(false);
    expect(sameKey(ref('alias/ExampleAlias'), ref(KEY_1234))).toBe(false);
  });
});

describe('keyReferences on real records', () => {
  const givens = (record: JsonObject) => keyReferences(record).map((r) => r.given);

  it('CreateAlias: targetKeyId, aliasName, then the key and alias ARNs of resources', () => {
    expect(givens(pick(K, { eventID: '2dd6e784-8286-46a6-befd-d64e5a02fb28' }))).toEqual([
      KEY_1234,
      'alias/ExampleAlias',
      ARN_1234,
      'arn:aws:kms:us-west-2:111122223333:alias/ExampleAlias',
    ]);
  });

  it('other services: S3\'s SSE-KMS header (request and response) and a kmsKeyId name keys, after the KMS fields', () => {
    const s3 = {
      eventSource: 's3.amazonaws.com',
      eventName: 'PutObject',
      awsRegion: 'us-east-1',
      recipientAccountId: '111122223333',
      requestParameters: { 'x-amz-server-side-encryption-aws-kms-key-id': 'arn:aws:kms:us-east-1:111122223333:alias/backups', requestId: KEY_1234 },
      responseElements: { 'x-amz-server-side-encryption-aws-kms-key-id': ARN_1234 },
    };
    expect(givens(s3)).toEqual(['arn:aws:kms:us-east-1:111122223333:alias/backups', ARN_1234]);
    const trail = { eventSource: 'cloudtrail.amazonaws.com', eventName: 'UpdateTrail', awsRegion: 'us-west-2', recipientAccountId: '111122223333', requestParameters: { kmsKeyId: KEY_0987 } };
    expect(keyReferences(trail)).toEqual([{ given: KEY_0987, keyId: KEY_0987, region: 'us-west-2', account: '111122223333' }]);
  });

  it('other services a level down: a DAX cluster\'s key in its response (real record), SQS and SNS attributes, a DynamoDB table\'s SSE, a Lambda function\'s key', () => {
    expect(givens(pick(DDB, { eventID: '29158945-28da-4e32-88e1-56d1b90c1a0c' }))).toEqual(['arn:aws:kms:us-west-2:111122223333:key/764898e4-adb1-46d6-a762-e2f4225b4fc4']);
    const base = { awsRegion: 'eu-west-1', recipientAccountId: '111122223333' };
    const queue = { ...base, eventSource: 'sqs.amazonaws.com', eventName: 'CreateQueue', requestParameters: { queueName: 'q', attributes: { KmsMasterKeyId: 'alias/orders' } } };
    expect(keyReferences(queue)).toEqual([{ given: 'alias/orders', alias: 'alias/orders', region: 'eu-west-1', account: '111122223333' }]);
    const topic = { ...base, eventSource: 'sns.amazonaws.com', eventName: 'CreateTopic', requestParameters: { name: 't', attributes: { KmsMasterKeyId: KEY_1234 } } };
    expect(givens(topic)).toEqual([KEY_1234]);
    const table = {
      ...base,
      eventSource: 'dynamodb.amazonaws.com',
      eventName: 'CreateTable',
      requestParameters: { tableName: 't', sSESpecification: { enabled: true, sSEType: 'KMS', kMSMasterKeyId: KEY_0987 } },
      responseElements: { tableDescription: { tableName: 't', sSEDescription: { status: 'ENABLING', sSEType: 'KMS', kMSMasterKeyArn: ARN_0987 } } },
    };
    expect(givens(table)).toEqual([KEY_0987, ARN_0987]);
    const lambda = { ...base, eventSource: 'lambda.amazonaws.com', eventName: 'CreateFunction20150331', requestParameters: { functionName: 'f', kMSKeyArn: ARN_1234 }, responseElements: { kMSKeyArn: ARN_1234 } };
    expect(givens(lambda)).toEqual([ARN_1234, ARN_1234]);
  });

  it('every field of the list is read: each under requestParameters or responseElements, none twice', () => {
    expect(new Set(KEY_FIELDS).size).toBe(KEY_FIELDS.length);
    for (const path of KEY_FIELDS) {
      const [top, ...steps] = path.split('.');
      expect(['requestParameters', 'responseElements']).toContain(top);
      // A record naming a key there alone gives exactly that reference.
      const record: JsonObject = { [top]: steps.reduceRight<unknown>((inner, step) => ({ [step]: inner }), KEY_1234) as JsonObject };
      expect(givens(record), path).toEqual([KEY_1234]);
    }
  });

  it('another service\'s record names every key or alias ARN anywhere in it, lists and names included, once each, after the known fields', () => {
    const alias = 'arn:aws:kms:eu-west-1:111122223333:alias/eks';
    const glue = { eventSource: 'glue.amazonaws.com', eventName: 'CreateSecurityConfiguration', requestParameters: { encryptionConfiguration: { s3Encryption: [{ kmsKeyArn: ARN_1234 }] }, attributes: 'KmsMasterKeyId' } };
    expect(givens(glue)).toEqual([ARN_1234]);
    const eks = {
      eventSource: 'eks.amazonaws.com',
      eventName: 'CreateCluster',
      requestParameters: { kmsKeyId: KEY_0987, encryptionConfig: [{ resources: ['secrets'], provider: { keyArn: alias } }, { provider: { keyArn: ARN_1234 } }] },
      responseElements: { cluster: { encryptionConfig: [{ provider: { keyArn: ARN_1234 } }], byArn: { [ARN_0987]: true } } },
    };
    // The known field first, then the ARNs in the order the record writes them.
    expect(givens(eks)).toEqual([KEY_0987, alias, ARN_1234, ARN_0987]);
    // A bucket's default encryption and an ECR repository may name the key by ID or alias too: known fields.
    const bucket = { eventSource: 's3.amazonaws.com', eventName: 'PutBucketEncryption', requestParameters: { bucketName: 'b', ServerSideEncryptionConfiguration: { Rule: { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_1234 } } } } };
    expect(givens(bucket)).toEqual([KEY_1234]);
    const repository = { eventSource: 'ecr.amazonaws.com', eventName: 'CreateRepository', requestParameters: { repositoryName: 'r', encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/images' } } };
    expect(givens(repository)).toEqual(['alias/images']);
    // A known field's ARN is not given twice.
    const s3 = { eventSource: 's3.amazonaws.com', eventName: 'PutObject', requestParameters: { 'x-amz-server-side-encryption-aws-kms-key-id': ARN_1234 } };
    expect(givens(s3)).toEqual([ARN_1234]);
  });

  it('an ARN counts anywhere only as AWS writes one, a whole string; and never in KMS\'s own records beyond their fields', () => {
    const other = (requestParameters: unknown) => givens({ eventSource: 'ssm.amazonaws.com', eventName: 'PutX', requestParameters } as JsonObject);
    expect(other({ policyDocument: JSON.stringify({ Resource: ARN_1234 }) })).toEqual([]);
    expect(other({ description: `uses ${ARN_1234}` })).toEqual([]);
    expect(other({ deep: { a: ` ${ARN_1234}`, b: ARN_1234.toUpperCase(), c: `${ARN_1234}\n`, d: 'arn:aws:s3:::bucket' } })).toEqual([]);
    expect(other(ARN_1234)).toEqual([ARN_1234]);
    // Nested deeper than any call stack goes: walked without recursion.
    let deep: unknown = { keyArn: ARN_0987 };
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(other(deep)).toEqual([ARN_0987]);
    const replicate = { eventSource: 'kms.amazonaws.com', eventName: 'ReplicateKey', requestParameters: { keyId: ARN_0987, replicaRegion: 'us-east-1' }, responseElements: { replicaKeyMetadata: { arn: ARN_1234 } } };
    expect(givens(replicate)).toEqual([ARN_0987]);
    expect(givens({ ...replicate, eventSource: 'KMS.amazonaws.com' })).toEqual([ARN_0987]);
  });

  it('ReEncrypt: destinationKeyId and both keys of resources', () => {
    expect(givens(pick(K, { eventID: '542d9e04-0e8d-4e05-bf4b-4bdeb032e6ec' }))).toEqual([KEY_0987, ARN_1234, ARN_0987]);
  });

  it('CreateKey: keyMetadata.keyId and keyMetadata.arn', () => {
    const refs = keyReferences(pick(K, { eventID: '838ad5f4-5fdd-4044-afd7-4dbd88c6af56' }));
    expect(refs.map((r) => r.keyId)).toEqual([KEY_1234, KEY_1234, '39c5eb22-f37c-4956-92ca-89e8f8b57ab2']);
    expect(refs[2]).toMatchObject({ region: 'us-east-1', account: '227179770375' });
  });

  it('ScheduleKeyDeletion: responseElements.keyId', () => {
    const record = pick(K, { eventID: 'abcda5f-396d-494c-9380-0c47860df5f1' });
    expect(givens(record)).toEqual([MRK, `arn:aws:kms:us-west-2:111122223333:key/${MRK}`, `arn:aws:kms:us-west-2:111122223333:key/${MRK}`]);
  });

  it('Decrypt without keyId: only the resource ARN', () => {
    expect(givens(pick(K, { eventID: 'edb65380-0a3e-4123-bbc8-3d1b7cff49b0' }))).toEqual([ARN_1234]);
  });

  it('resource entries with a lower-case `arn` (panther)', () => {
    expect(givens(pick(P, { eventID: '1111', eventName: 'Decrypt' }))).toEqual(['arn:aws:kms:us-west-2:123456789012:key/1111']);
  });

  it('requestParameters null: resources only', () => {
    expect(givens(pick(K, { eventID: 'b25f9cda-74e1-4458-847b-4972a0bf9668' }))).toEqual([ARN_1234]);
    expect(givens(pick(UG, { eventID: '234f004b-EXAMPLE', eventName: 'RotateKey' }))).toEqual([
      'arn:aws:kms:us-east-2:123456789012:key/7944f0ec-EXAMPLE',
    ]);
  });

  it('no references: empty keyId "" and ARN "" (DynamoDB), GenerateRandom, no requestParameters', () => {
    expect(givens(pick(DDB, { eventID: 'e3c436e9-ebca-494e-9457-8123a1f5e979' }))).toEqual([]);
    expect(givens(pick(DDB, { eventID: 'a03d65c3-9fee-4111-9816-8bf96b73df01' }))).toEqual([]);
    expect(givens(pick(K, { eventID: '239cb9f7-ae05-4c94-9221-6ea30eef0442', nth: 0 }))).toEqual([]);
    expect(givens(pick(P, { eventName: 'Decrypt', eventTime: '2024-01-15T10:30:00Z' }))).toEqual([]);
  });

  it('resources of other services are not keys', () => {
    expect(givens(pick(UG, { eventID: '234f004b-EXAMPLE', eventName: 'CreateServiceLinkedChannel' }))).toEqual([]);
    expect(givens(pick(TS, { eventName: 'AssumeRole', eventTime: '2017-12-11T15:04:51Z' }))).toEqual([]);
  });

  it('keyReferences never throws on any fixture record, and finds a key in most KMS records', () => {
    let kms = 0;
    let withKey = 0;
    for (const file of fixtureFiles()) {
      for (const record of loadRecords(file)) {
        const refs = keyReferences(record);
        for (const r of refs) expect(r.keyId !== undefined || r.alias !== undefined).toBe(true);
        if (record.eventSource === 'kms.amazonaws.com') {
          kms++;
          if (refs.length > 0) withKey++;
        }
      }
    }
    expect(kms).toBeGreaterThan(80);
    expect(withKey / kms).toBeGreaterThan(0.8);
  });
});

describe('displayKey', () => {
  it('the first reference, as an ID when it is a key ARN', () => {
    expect(displayKey(pick(K, { eventID: '2dd6e784-8286-46a6-befd-d64e5a02fb28' }))).toBe(KEY_1234);
    expect(displayKey(pick(K, { eventID: 'edb65380-0a3e-4123-bbc8-3d1b7cff49b0' }))).toBe(KEY_1234);
    expect(displayKey(pick(K, { eventID: 'd63001e2-dbc6-4aae-90cb-e5370aca7125' }))).toBe('alias/project-key');
    expect(displayKey(pick(K, { eventID: '091e6be5-737f-43c6-8431-e3679d6d0619' }))).toBe(MRK);
    expect(displayKey(pick(DDB, { eventID: 'e3c436e9-ebca-494e-9457-8123a1f5e979' }))).toBe('');
  });
});
