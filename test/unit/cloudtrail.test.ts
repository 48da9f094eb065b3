/** Record helpers: key references, principals, event times, on real records where there are any. */
import { describe, expect, it } from 'vitest';
import { formatEventTime, parseEventTime, parseTimeBound } from '../../src/cloudtrail/event-time.js';
import { displayKey, keyReferences, parseKeyReference, sameKey } from '../../src/cloudtrail/key-reference.js';
import { principalAccount, principalNames, shortPrincipal } from '../../src/cloudtrail/principal.js';
import { errorCode, readOnlyFlag, type JsonObject } from '../../src/cloudtrail/record.js';
import { COLUMNS, selectColumns } from '../../src/sinks/columns.js';
import type { TrailRecord } from '../../src/reader/trail-record.js';
import { derive, fixtureFiles, loadRecords, pick, K, P, UG, DDB, TS, ZM, SM, KEY_1234, KEY_0987, ARN_1234, ARN_0987, MRK } from './fixtures.js';

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
  });

  it('alias ARN', () => {
    const arn = 'arn:aws:kms:us-west-2:111122223333:alias/ExampleAlias';
    expect(parseKeyReference(arn)).toEqual({ given: arn, alias: 'alias/ExampleAlias', region: 'us-west-2', account: '111122223333' });
    expect(parseKeyReference('arn:aws:kms:us-east-1:111122223333:alias/aws/ebs')).toMatchObject({ alias: 'alias/aws/ebs' });
  });

  it('surrounding blanks are ignored', () => {
    expect(parseKeyReference(`  ${KEY_1234}\t`)).toEqual({ given: KEY_1234, keyId: KEY_1234 });
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

describe('principals', () => {
  const alice = pick(K, { eventID: '36327b37-f4f6-40a9-92ab-48064ec905a2' });
  const admins = pick(K, { eventID: '80721262-21a5-49b9-8b63-28740e7ce9c9' });
  const ec2Role = pick(K, { eventID: 'edb65380-0a3e-4123-bbc8-3d1b7cff49b0' });
  const workmail = pick(K, { eventID: 'd5a59c18-128a-4082-aa5b-729f7734626a' });
  const internal = pick(K, { eventID: 'b25f9cda-74e1-4458-847b-4972a0bf9668' });
  const root = pick(UG, { eventID: 'EXAMPLEb-7dae-48cb-895f-20e86EXAMPLE' });
  const insight = pick(UG, { eventID: 'EXAMPLE8-9621-4d00-b913-beca2EXAMPLE' });
  const datadog = pick(ZM, { eventID: '57d3eacd-ff87-48f7-b133-a5e9da5d1395' });
  const myAppRole = pick(P, { eventName: 'Decrypt', eventTime: '2024-01-15T10:30:00Z' });
  const pantherUserNameOnly = pick(P, { eventID: 'test-04' });

  it('shortPrincipal: IAMUser → user name', () => {
    expect(shortPrincipal(alice)).toBe('Alice');
    expect(shortPrincipal(pick(UG, { eventID: '3fcfb182-98f8-4744-bd45-10a395ab61cb' }))).toBe('anaya');
  });

  it('shortPrincipal: IAMUser without userName → end of the ARN', () => {
    // Secrets Manager guide: type IAMUser with an assumed-role ARN and no userName.
    expect(shortPrincipal(pick(SM, { eventID: 'f333ec5c-7fc1-46b1-b985-cbda13719611' }))).toBe('Admin/user01');
  });

  it('shortPrincipal: AssumedRole → role/session', () => {
    expect(shortPrincipal(admins)).toBe('Admins/example-user');
    expect(shortPrincipal(ec2Role)).toBe('aws:ec2-infrastructure/i-81e2f56c');
    expect(shortPrincipal(datadog)).toBe('account-admin/christophe.tafanidereeper');
    expect(shortPrincipal(myAppRole)).toBe('MyAppRole/i-0abcdef1234567890');
  });

  it('shortPrincipal: AssumedRole with only issuer / assumed_role and principal ID (no ARN)', () => {
    // Real records always carry the ARN; these are real records with it removed, to reach the fallback.
    const noArn = derive(admins, {});
    delete (noArn.userIdentity as JsonObject).arn;
    expect(shortPrincipal(noArn)).toBe('Admins/example-user');
    const ddNoArn = derive(datadog, {});
    delete (ddNoArn.userIdentity as JsonObject).arn;
    delete (ddNoArn.userIdentity as JsonObject).sessionContext;
    expect(shortPrincipal(ddNoArn)).toBe('account-admin/christophe.tafanidereeper');
  });

  // Regression guard (found by this suite, fixed): for an AssumedRole identity that has no ARN, sessionIssuer or principal ID but does have a userName (panther PutKeyPolicy "test-04": userIdentity {"
  it('shortPrincipal: AssumedRole with only a userName shows that name', () => {
    expect(shortPrincipal(pantherUserNameOnly)).toBe('TestRole');
  });

  it('shortPrincipal: Root, AWSService, no type, no identity', () => {
    expect(shortPrincipal(root)).toBe('root');
    expect(shortPrincipal(pick(TS, { eventID: '4d293154-a15b-4c33-9e0a-ff5eeEXAMPLE' }))).toBe('root');
    expect(shortPrincipal(workmail)).toBe('workmail.eu-west-1.amazonaws.com');
    expect(shortPrincipal(pick(DDB, { eventID: 'e3c436e9-ebca-494e-9457-8123a1f5e979' }))).toBe('dynamodb.amazonaws.com');
    expect(shortPrincipal(internal)).toBe('AWS Internal');
    expect(shortPrincipal(pick(UG, { eventID: '234f004b-EXAMPLE', eventName: 'RotateKey' }))).toBe('AWS Internal');
    expect(shortPrincipal(insight)).toBe('');
  });

  it('shortPrincipal: never throws, always a string, on every fixture record', () => {
    for (const file of fixtureFiles()) {
      for (const record of loadRecords(file)) expect(typeof shortPrincipal(record)).toBe('string');
    }
  });

  it('principalNames: every form of the principal', () => {
    expect(principalNames(admins)).toEqual(
      expect.arrayContaining([
        'arn:aws:sts::111122223333:assumed-role/Admins/example-user',
        'AROACKCEVSQ6C2EXAMPLE:example-user',
        'AKIAIOSFODNN7EXAMPLE',
        'internal.amazonaws.com',
        'arn:aws:iam::111122223333:role/Admins',
        'Admins',
        'AROACKCEVSQ6C2EXAMPLE',
        'example-user',
      ]),
    );
    expect(principalNames(alice)).toEqual(
      expect.arrayContaining(['arn:aws:iam::111122223333:user/Alice', 'Alice', 'EX_PRINCIPAL_ID', 'EXAMPLE_KEY_ID']),
    );
    expect(principalNames(root)).toContain('root');
    expect(principalNames(alice)).not.toContain('root');
    expect(principalNames(internal)).toEqual(['AWS Internal']);
    expect(principalNames(insight)).toEqual([]);
    expect(principalNames(ec2Role)).not.toContain(''); // accessKeyId ""
    expect(principalNames(datadog)).toEqual(expect.arrayContaining(['account-admin', 'christophe.tafanidereeper']));
  });

  it('principalAccount: accountId, else the ARN, else nothing', () => {
    expect(principalAccount(alice)).toBe('111122223333');
    expect(principalAccount(myAppRole)).toBe('123456789012'); // only in the ARN
    expect(principalAccount(workmail)).toBeUndefined();
    expect(principalAccount(insight)).toBeUndefined();
    expect(principalAccount(internal)).toBe('111122223333');
  });
});

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

describe('parseEventTime', () => {
  it.each([
    ['2024-03-01T10:00:00Z', Date.UTC(2024, 2, 1, 10)],
    ['2024-01-01 00:00:00.000', Date.UTC(2024, 0, 1)],
    ['2025-03-05 19:48:47.000000000', Date.UTC(2025, 2, 5, 19, 48, 47)],
    ['2025-03-05 21:19:44.123456789', Date.UTC(2025, 2, 5, 21, 19, 44, 123)],
    ['2021-10-19 04:50:27', Date.UTC(2021, 9, 19, 4, 50, 27)],
    ['2023-01-22 16:53:53.000', Date.UTC(2023, 0, 22, 16, 53, 53)],
    ['2024-03-01T10:00:00.5Z', Date.UTC(2024, 2, 1, 10, 0, 0, 500)],
    ['2024-03-01T10:00:00z', Date.UTC(2024, 2, 1, 10)],
    ['2024-03-01t10:00:00Z', Date.UTC(2024, 2, 1, 10)],
    ['2024-03-01T10:00Z', Date.UTC(2024, 2, 1, 10)],
    ['2024-03-01T10:00:00+02:00', Date.UTC(2024, 2, 1, 8)],
    ['2024-03-01T10:00:00+0530', Date.UTC(2024, 2, 1, 4, 30)],
    ['2024-03-01T10:00:00-05:00', Date.UTC(2024, 2, 1, 15)],
    [' 2024-03-01T10:00:00Z ', Date.UTC(2024, 2, 1, 10)],
  ])('%j', (value, expected) => {
    expect(parseEventTime(value)).toBe(expected);
  });

  it.each([
    ['20131102T010628Z'], // basic ISO, sessionContext.attributes.creationDate (elastic)
    ['Oct 8, 2024, 4:15:32 PM'], // STS credentials.expiration
    ['Aug 10, 2022, 10:38:27 PM'], // KMS keyMetadata.creationDate
    ['2024-03-01'],
    [''],
    ['2024-13-01T00:00:00Z'],
    ['2024-03-01T10:00:00 UTC'],
    ['garbage'],
  ])('%j → undefined', (value) => {
    expect(parseEventTime(value)).toBeUndefined();
  });

  it('non-strings → undefined (EC2 createTime is epoch ms)', () => {
    expect(parseEventTime(1415220618876)).toBeUndefined();
    expect(parseEventTime(null)).toBeUndefined();
    expect(parseEventTime(undefined)).toBeUndefined();
    expect(parseEventTime({})).toBeUndefined();
  });

  // Regression guard (found by this suite, fixed): impossible calendar dates are rolled over instead of rejected (Date.parse in V8 accepts day 30 of February): parseEventTime("2024-02-30T00:00:00Z")
  it('an impossible date is not a time', () => {
    expect(parseEventTime('2024-02-30T00:00:00Z')).toBeUndefined();
  });

  it('every eventTime in the fixtures parses', () => {
    const formats = new Set<string>();
    for (const file of fixtureFiles()) {
      for (const record of loadRecords(file)) {
        if (record.eventTime === undefined) continue;
        expect(parseEventTime(record.eventTime), `${file} ${String(record.eventTime)}`).toBeTypeOf('number');
        formats.add(String(record.eventTime).replace(/\d/g, 'n'));
      }
    }
    // The odd formats really are among them.
    expect(formats).toContain('nnnn-nn-nn nn:nn:nn.nnn');
    expect(formats).toContain('nnnn-nn-nn nn:nn:nn.nnnnnnnnn');
    expect(formats).toContain('nnnn-nn-nn nn:nn:nn');
    expect(formats).toContain('nnnn-nn-nnTnn:nn:nnZ');
  });

  it('parseTimeBound: relative spans and date-only', () => {
    const now = Date.UTC(2024, 2, 1);
    expect(parseTimeBound('90m', now)).toBe(now - 90 * 60_000);
    expect(parseTimeBound('2024-02-01', now)).toBe(Date.UTC(2024, 1, 1));
    expect(parseTimeBound('soon', now)).toBeUndefined();
  });
});

describe('formatEventTime', () => {
  it('UTC with a space, seconds precision', () => {
    expect(formatEventTime('2024-03-01T10:00:00Z')).toBe('2024-03-01 10:00:00Z');
    expect(formatEventTime('2025-03-05 19:48:47.000000000')).toBe('2025-03-05 19:48:47Z');
    expect(formatEventTime('2024-01-01 00:00:00.000')).toBe('2024-01-01 00:00:00Z');
    expect(formatEventTime('2021-10-19 04:50:27')).toBe('2021-10-19 04:50:27Z');
    expect(formatEventTime('2024-03-01T10:00:00.750Z')).toBe('2024-03-01 10:00:00Z');
  });

  it('offsets are converted to UTC', () => {
    expect(formatEventTime('2024-03-01T10:00:00+02:00')).toBe('2024-03-01 08:00:00Z');
    expect(formatEventTime('2024-03-01T00:30:00+01:00')).toBe('2024-02-29 23:30:00Z');
  });

  it('unparseable strings are shown as they are, non-strings as nothing', () => {
    expect(formatEventTime('Oct 8, 2024, 4:15:32 PM')).toBe('Oct 8, 2024, 4:15:32 PM');
    expect(formatEventTime(1415220618876)).toBe('');
    expect(formatEventTime(undefined)).toBe('');
  });
});

describe('columns on real records', () => {
  const origin = { file: 'kms-docs.json' } as TrailRecord;
  const value = (id: string, record: JsonObject) => COLUMNS.find((c) => c.id === id)!.value(record, origin);

  it('default columns of the failed Decrypt', () => {
    const failed = pick(K, { eventID: 'b79603d5-4cde-46fc-819c-a7cf547b9df4', and: (r) => r.errorCode !== undefined });
    expect(['time', 'event', 'principal', 'key', 'region', 'source-ip', 'error'].map((id) => value(id, failed))).toEqual([
      '2022-11-24 00:26:58Z',
      'Decrypt',
      'Alice',
      KEY_0987,
      'us-west-2',
      'AWS Internal',
      'KMSInvalidStateException',
    ]);
    expect(value('file', failed)).toBe('kms-docs.json');
  });

  it('selectColumns resolves names case-insensitively and reports the unknown one', () => {
    const chosen = selectColumns(['time', 'EVENT']);
    expect(Array.isArray(chosen) && chosen.map((c) => c.id)).toEqual(['time', 'event']);
    expect(selectColumns(['time', 'nope'])).toEqual({ unknown: 'nope' });
  });
});
