/**
 * The filter stage, driven the way the CLI drives it: raw flag values → filterSpecFromOptions →
 * buildRecordFilter → matches(record), on real CloudTrail records from test/fixtures/records/.
 */
import { describe, expect, it } from 'vitest';
import { filterSpecFromOptions, type RawFilterOptions } from '../../../src/cli/options/filter-options.js';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { buildRecordFilter } from '../../../src/filters/record-filter.js';
import type { HotFields } from '../../../src/reader/record-splitter.js';
import { derive, fixtureFiles, loadRecords, pick, K, P, UG, DDB, TS, ZM, KEY_1234, KEY_0987, MRK, ARN_1234 as KEY_1234_ARN } from '../fixtures.js';

/** A fixed "now" for relative times: 2025-01-01T00:00:00Z. */
const NOW = Date.UTC(2025, 0, 1);

function filterFor(options: RawFilterOptions) {
  return buildRecordFilter(filterSpecFromOptions(options, NOW));
}

function accepts(options: RawFilterOptions, record: JsonObject): boolean {
  return filterFor(options).matches(record);
}

/** eventNames (in file order, with repeats) of the records of a file that the options accept. */
function acceptedNames(options: RawFilterOptions, file: string): string[] {
  const filter = filterFor(options);
  return loadRecords(file)
    .filter((r) => filter.matches(r))
    .map((r) => String(r.eventName));
}

// --- real records, by eventID (plus eventName / nth where IDs repeat) ---------------------------
/** CreateKey by IAM user Alice, us-west-2, readOnly false, 2022-08-10T22:38:27Z, 192.0.2.0. */
const createKey = pick(K, { eventID: '36327b37-f4f6-40a9-92ab-48064ec905a2' });
/** CreateKey in an external key store: KEY_1234 appears only in responseElements.keyMetadata. */
const createKeyXks = pick(K, { eventID: '838ad5f4-5fdd-4044-afd7-4dbd88c6af56' });
/** Decrypt by AssumedRole aws:ec2-infrastructure, no keyId (only a resource ARN), us-east-1. */
const decryptEc2 = pick(K, { eventID: 'edb65380-0a3e-4123-bbc8-3d1b7cff49b0' });
/** The two Decrypts that share eventID b79603d5 in the KMS guide: one succeeds, one fails. */
const decryptXksOk = pick(K, { eventID: 'b79603d5-4cde-46fc-819c-a7cf547b9df4', and: (r) => r.errorCode === undefined });
const decryptXksFailed = pick(K, {
  eventID: 'b79603d5-4cde-46fc-819c-a7cf547b9df4',
  and: (r) => r.errorCode === 'KMSInvalidStateException',
});
const createAlias = pick(K, { eventID: '2dd6e784-8286-46a6-befd-d64e5a02fb28' });
const updateAlias = pick(K, { eventID: 'f72d3993-864f-48d6-8f16-e26e1ae8dff0' }); // us-west-2
const deleteAlias = pick(K, { eventID: '12f48554-bb04-4991-9cfc-e7e85f68eda0' }); // us-east-1
const cancelDeletion = pick(K, { eventID: 'd818bf03-6655-48e9-8b26-f279a07075fd' });
const reEncrypt = pick(K, { eventID: '542d9e04-0e8d-4e05-bf4b-4bdeb032e6ec' });
/** GenerateDataKey with keyId "alias/project-key", by IAM user example-dev. */
const gdkAlias = pick(K, { eventID: 'd63001e2-dbc6-4aae-90cb-e5370aca7125' });
const gdkEbsAlias = pick(K, { eventID: '4bd2a696-d833-48cc-b72c-05e61b608399' });
/** GenerateDataKey / Decrypt by assumed role Admins, session example-user, invokedBy internal.amazonaws.com. */
const gdkAdmins = pick(K, { eventID: '80721262-21a5-49b9-8b63-28740e7ce9c9' });
const decryptAdmins = pick(K, { eventID: 'ae551b19-8a09-4cfc-a249-205ddba330e3' });
/** Encrypt by the AWS service WorkMail: userIdentity {type: AWSService, invokedBy}, no account. */
const encryptWorkmail = pick(K, { eventID: 'd5a59c18-128a-4082-aa5b-729f7734626a' });
/** DeleteKey with userIdentity {accountId, invokedBy: "AWS Internal"} (no type), requestParameters null. */
const deleteKeyInternal = pick(K, { eventID: 'b25f9cda-74e1-4458-847b-4972a0bf9668' });
const scheduleMrk = pick(K, { eventID: 'abcda5f-396d-494c-9380-0c47860df5f1' }); // us-west-2 replica
const updatePrimaryMrkTokyo = pick(K, { eventID: '091e6be5-737f-43c6-8431-e3679d6d0619' }); // ap-northeast-1
const sign = pick(K, { eventID: '107b3cac-b125-4556-9702-12a2b9afcff7' });
/** EC2 CreateVolume: principal account 111122223333, recipient account 123456789012. */
const createVolume = pick(K, { eventID: 'a3447186-135f-4b00-8424-bc41f1a93b4f' });
const gdkwpInvalidUsage = pick(K, { eventID: 'f7734272-9ec5-4c80-9f36-528ebbe35e4a' });
const generateRandom = pick(K, { eventID: '239cb9f7-ae05-4c94-9221-6ea30eef0442', nth: 0 }); // requestParameters null

/** Panther PutKeyPolicy, eventTime "2024-01-01 00:00:00.000", userIdentity {type, userName} only. */
const pantherPolicyMs = pick(P, { eventID: 'test-04' });
/** Panther PutKeyPolicy, eventTime "2025-03-05 21:19:44.000000000", from 10.0.0.1. */
const pantherPolicyNs = pick(P, { eventID: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx', eventName: 'PutKeyPolicy' });
/** Panther Decrypt, eventTime "2021-10-19 00:56:05", resource with lower-case `arn`, from "AWS Internal". */
const pantherDecryptNoFraction = pick(P, { eventID: '1111', eventName: 'Decrypt' });
/** Panther Decrypt whose userIdentity is only {arn: assumed-role/MyAppRole/i-..., type}; no requestParameters. */
const pantherDecryptMyAppRole = pick(P, { eventName: 'Decrypt', eventTime: '2024-01-15T10:30:00Z' });
const pantherDisableKeyNotFound = pick(P, { eventName: 'DisableKey', and: (r) => r.errorCode === 'NotFoundException', nth: 0 });
const pantherS3Denied = pick(P, { eventName: 'PutBucketPolicy', and: (r) => r.errorCode === 'AccessDenied' });
const pantherS3Ok = pick(P, { eventName: 'PutBucketPolicy', eventID: '1111', nth: 0 });

/** CloudTrail Insight event: no userIdentity, eventSource or eventName. */
const ugInsight = pick(UG, { eventID: 'EXAMPLE8-9621-4d00-b913-beca2EXAMPLE' });
/** CloudTrail Lake row: eventTime "2023-01-22 16:53:53.000", no region, no identity. */
const ugLakeRow = pick(UG, { eventID: 'EXAMPLE-c3b6-43e4-aa35-b2490EXAMPLE' });
/** Lake row without any eventTime. */
const ugNoTime = pick(UG, { eventName: 'PutObject' });
/** EnableMFADevice by the root user. */
const ugRootMfa = pick(UG, { eventID: 'EXAMPLEb-7dae-48cb-895f-20e86EXAMPLE' });
/** ConsoleLogin by IAM user anaya with no recipientAccountId (only userIdentity.accountId). */
const ugLoginNoRecipient = pick(UG, { eventID: '3fcfb182-98f8-4744-bd45-10a395ab61cb' });
/** Failed ConsoleLogin: errorMessage "Failed authentication" but no errorCode. */
const ugLoginFailed = pick(UG, { eventID: 'd38ce1b3-4575-4cb8-a632-611b8243bfc3' });
/** KMS RotateKey with no userIdentity.type and requestParameters null, in the CloudTrail guide. */
const ugRotateKey = pick(UG, { eventID: '234f004b-EXAMPLE', eventName: 'RotateKey' });

/** DynamoDB's GenerateDataKey: AWSService dynamodb.amazonaws.com, keyId "" and resource ARN "". */
const ddbGdkService = pick(DDB, { eventID: 'e3c436e9-ebca-494e-9457-8123a1f5e979' });
/** Decrypt by assumed role Admin/user01 invoked by DynamoDB; no keyId, resource ARN "". */
const ddbDecrypt = pick(DDB, { eventID: 'b7d16574-e887-4b5b-a064-bf92f8ec9ad3' });
const ddbUpdateItemFailed = pick(DDB, { eventName: 'UpdateItem' });

const tsAssumeRoleByConfig = pick(TS, { eventName: 'AssumeRole', eventTime: '2017-12-11T15:04:51Z' });
const tsRootGetResource = pick(TS, { eventID: '4d293154-a15b-4c33-9e0a-ff5eeEXAMPLE' });
/** Datadog-exported record: session_name / assumed_role inside userIdentity, no sourceIPAddress. */
const zmSecret = pick(ZM, { eventID: '57d3eacd-ff87-48f7-b133-a5e9da5d1395' });

describe('fixture sanity (the records these tests rely on have the shape the tests assume)', () => {
  it('picked records carry the traits named in their comments', () => {
    expect(decryptEc2.requestParameters).not.toHaveProperty('keyId');
    expect(decryptXksFailed.errorCode).toBe('KMSInvalidStateException');
    expect(decryptXksOk).not.toHaveProperty('errorCode');
    expect(deleteKeyInternal.requestParameters).toBeNull();
    expect(deleteKeyInternal.userIdentity).not.toHaveProperty('type');
    expect(ugInsight).not.toHaveProperty('userIdentity');
    expect(ugNoTime).not.toHaveProperty('eventTime');
    expect(pantherPolicyMs.eventTime).toBe('2024-01-01 00:00:00.000');
    expect(pantherPolicyNs.eventTime).toBe('2025-03-05 21:19:44.000000000');
    expect(pantherDecryptNoFraction.eventTime).toBe('2021-10-19 00:56:05');
    expect(ugLoginFailed.errorMessage).toBe('Failed authentication');
    expect(ugLoginFailed).not.toHaveProperty('errorCode');
    expect(ugLoginNoRecipient).not.toHaveProperty('recipientAccountId');
    expect(createKeyXks.resources).toEqual([expect.objectContaining({ ARN: expect.stringContaining('39c5eb22') })]);
  });
});

describe('--event', () => {
  it('matches the event name exactly, not as a substring', () => {
    expect(accepts({ event: ['Decrypt'] }, decryptEc2)).toBe(true);
    expect(accepts({ event: ['Decrypt'] }, createKey)).toBe(false);
    expect(accepts({ event: ['Encrypt'] }, reEncrypt)).toBe(false);
    expect(accepts({ event: ['Key'] }, createKey)).toBe(false);
  });

  it('ignores case', () => {
    expect(accepts({ event: ['decrypt'] }, decryptEc2)).toBe(true);
    expect(accepts({ event: ['CREATEKEY'] }, createKey)).toBe(true);
    expect(accepts({ event: ['createkey'] }, decryptEc2)).toBe(false);
  });

  it('takes comma lists and repeated flags, OR-ed', () => {
    const options = { event: ['CreateKey, ScheduleKeyDeletion', 'Sign'] };
    expect(accepts(options, createKey)).toBe(true);
    expect(accepts(options, pick(K, { eventID: '3c4226b0-1e81-48a8-a333-7fa5f3cbd118', eventName: 'ScheduleKeyDeletion' }))).toBe(true);
    expect(accepts(options, sign)).toBe(true);
    expect(accepts(options, decryptEc2)).toBe(false);
    expect(accepts(options, createAlias)).toBe(false);
  });

  it('takes * globs, case-insensitively', () => {
    expect(accepts({ event: ['*Key*'] }, createKey)).toBe(true);
    expect(accepts({ event: ['*key*'] }, createKey)).toBe(true);
    expect(accepts({ event: ['*Key*'] }, gdkwpInvalidUsage)).toBe(true); // GenerateDataKeyWithoutPlaintext
    expect(accepts({ event: ['*Key*'] }, decryptEc2)).toBe(false);
    expect(accepts({ event: ['*Key*'] }, createAlias)).toBe(false);
    expect(accepts({ event: ['Generate*'] }, generateRandom)).toBe(true);
    expect(accepts({ event: ['Generate*'] }, reEncrypt)).toBe(false);
  });

  it('takes ? as one character', () => {
    expect(accepts({ event: ['Sig?'] }, sign)).toBe(true);
    expect(accepts({ event: ['Si?'] }, sign)).toBe(false);
  });

  it('*Key* selects exactly the KMS-guide events with "key" in their name', () => {
    const names = new Set(acceptedNames({ event: ['*Key*'] }, K));
    expect([...names].sort()).toEqual(
      [
        'CancelKeyDeletion',
        'ConnectCustomKeyStore',
        'CreateCustomKeyStore',
        'CreateKey',
        'DeleteCustomKeyStore',
        'DeleteExpiredKeyMaterial',
        'DeleteKey',
        'DescribeCustomKeyStores',
        'DescribeKey',
        'DisableKey',
        'DisableKeyRotation',
        'DisconnectCustomKeyStore',
        'EnableKey',
        'EnableKeyRotation',
        'GenerateDataKey',
        'GenerateDataKeyPair',
        'GenerateDataKeyPairWithoutPlaintext',
        'GenerateDataKeyWithoutPlaintext',
        'GetKeyPolicy',
        'ImportKeyMaterial',
        'PutKeyPolicy',
        'RotateKey',
        'ScheduleKeyDeletion',
        'SynchronizeMultiRegionKey',
        'UpdateCustomKeyStore',
        'UpdateKeyDescription',
      ].sort(),
    );
  });

  it('never matches a record without an eventName (Insight event), even with *', () => {
    expect(accepts({ event: ['*'], allSources: true }, ugInsight)).toBe(false);
    expect(accepts({ allSources: true }, ugInsight)).toBe(true);
  });
});

describe('--user', () => {
  it('IAM user name, any case', () => {
    expect(accepts({ user: ['Alice'] }, createKey)).toBe(true);
    expect(accepts({ user: ['alice'] }, createKey)).toBe(true);
    expect(accepts({ user: ['Alice'] }, gdkAdmins)).toBe(false);
    expect(accepts({ user: ['example-dev'] }, gdkAlias)).toBe(true);
  });

  it('IAM user ARN', () => {
    expect(accepts({ user: ['arn:aws:iam::111122223333:user/Alice'] }, createKey)).toBe(true);
    expect(accepts({ user: ['arn:aws:iam::111122223333:user/Bob'] }, createKey)).toBe(false);
  });

  it('assumed-role ARN', () => {
    const arn = 'arn:aws:sts::111122223333:assumed-role/Admins/example-user';
    expect(accepts({ user: [arn] }, gdkAdmins)).toBe(true);
    expect(accepts({ user: [arn] }, decryptAdmins)).toBe(true);
    expect(accepts({ user: [arn] }, decryptEc2)).toBe(false);
    expect(accepts({ user: [arn] }, createKey)).toBe(false);
  });

  it('role name and role ARN, from sessionContext.sessionIssuer', () => {
    expect(accepts({ user: ['Admins'] }, gdkAdmins)).toBe(true);
    expect(accepts({ user: ['arn:aws:iam::111122223333:role/Admins'] }, gdkAdmins)).toBe(true);
    expect(accepts({ user: ['aws:ec2-infrastructure'] }, decryptEc2)).toBe(true);
    expect(accepts({ user: ['Admins'] }, decryptEc2)).toBe(false);
    expect(accepts({ user: ['Admin'] }, ddbDecrypt)).toBe(true);
    expect(accepts({ user: ['Admin'] }, gdkAdmins)).toBe(false); // "Admin" is not "Admins"
  });

  // Regression guard (found by this suite, fixed): principalNames() takes the session name from an assumed-role ARN but not the role name, so a record whose userIdentity is only {type: AssumedRole, a
  it('role name taken from an assumed-role ARN when there is no sessionIssuer', () => {
    expect(accepts({ user: ['i-0abcdef1234567890'] }, pantherDecryptMyAppRole)).toBe(true);
    expect(accepts({ user: ['MyAppRole'] }, pantherDecryptMyAppRole)).toBe(true);
  });

  it('role session name, from the ARN, the principal ID or a Datadog session_name', () => {
    expect(accepts({ user: ['example-user'] }, gdkAdmins)).toBe(true);
    expect(accepts({ user: ['i-81e2f56c'] }, decryptEc2)).toBe(true);
    expect(accepts({ user: ['example-user'] }, createKey)).toBe(false);
    // zmallen's Datadog export names the role in userIdentity.assumed_role.
    expect(accepts({ user: ['christophe.tafanidereeper'], allSources: true }, zmSecret)).toBe(true);
    expect(accepts({ user: ['account-admin'], allSources: true }, zmSecret)).toBe(true);
    // panther: ARN without a session part; the session name comes from principalId "111:panther-snapshot-scheduler".
    const pantherDecrypt = pick(P, { eventID: '1', eventName: 'Decrypt', nth: 0 });
    expect(accepts({ user: ['panther-snapshot-scheduler'] }, pantherDecrypt)).toBe(true);
    expect(accepts({ user: ['tester'] }, pantherDecrypt)).toBe(true);
  });

  it('principal ID', () => {
    expect(accepts({ user: ['AROACKCEVSQ6C2EXAMPLE:example-user'] }, gdkAdmins)).toBe(true);
    expect(accepts({ user: ['AROACKCEVSQ6C2EXAMPLE'] }, gdkAdmins)).toBe(true); // the role's own principal ID
    expect(accepts({ user: ['EX_PRINCIPAL_ID'] }, createKey)).toBe(true);
    expect(accepts({ user: ['EX_PRINCIPAL_ID'] }, gdkAdmins)).toBe(false);
  });

  it('access key ID', () => {
    expect(accepts({ user: ['AKIAIOSFODNN7EXAMPLE'] }, gdkAdmins)).toBe(true);
    expect(accepts({ user: ['EXAMPLE_KEY_ID'] }, createKey)).toBe(true);
    expect(accepts({ user: ['AKIAIOSFODNN7EXAMPLE'] }, createKey)).toBe(false);
    // An empty accessKeyId ("" for the EC2 role) is no name: a '*' glob still finds the ARN, '' finds nothing.
    expect(accepts({ user: ['*'] }, decryptEc2)).toBe(true);
  });

  it('AWS service, from invokedBy (AWSService records and services acting for a principal)', () => {
    expect(accepts({ user: ['workmail.eu-west-1.amazonaws.com'] }, encryptWorkmail)).toBe(true);
    expect(accepts({ user: ['dynamodb.amazonaws.com'] }, ddbGdkService)).toBe(true);
    expect(accepts({ user: ['dynamodb.amazonaws.com'] }, ddbDecrypt)).toBe(true);
    expect(accepts({ user: ['*.amazonaws.com'] }, encryptWorkmail)).toBe(true);
    expect(accepts({ user: ['dynamodb.amazonaws.com'] }, encryptWorkmail)).toBe(false);
    expect(accepts({ user: ['config.amazonaws.com'], allSources: true }, tsAssumeRoleByConfig)).toBe(true);
    expect(accepts({ user: ['*.amazonaws.com'] }, createKey)).toBe(false);
  });

  it('"AWS Internal" for records whose userIdentity has no type', () => {
    expect(accepts({ user: ['AWS Internal'] }, deleteKeyInternal)).toBe(true);
    expect(accepts({ user: ['aws internal'] }, ugRotateKey)).toBe(true);
    expect(accepts({ user: ['Alice'] }, deleteKeyInternal)).toBe(false);
  });

  it('root', () => {
    expect(accepts({ user: ['root'], allSources: true }, ugRootMfa)).toBe(true);
    expect(accepts({ user: ['ROOT'], allSources: true }, tsRootGetResource)).toBe(true);
    expect(accepts({ user: ['arn:aws:iam::111122223333:root'], allSources: true }, ugRootMfa)).toBe(true);
    expect(accepts({ user: ['root'] }, createKey)).toBe(false);
    expect(accepts({ user: ['root'], allSources: true }, ugLoginNoRecipient)).toBe(false);
  });

  it('user name on an AssumedRole identity that has nothing else (panther)', () => {
    expect(accepts({ user: ['TestRole'] }, pantherPolicyMs)).toBe(true);
    expect(accepts({ user: ['OtherRole'] }, pantherPolicyMs)).toBe(false);
  });

  it('globs cross the slashes and colons of ARNs', () => {
    expect(accepts({ user: ['*Admin*'] }, ddbDecrypt)).toBe(true);
    expect(accepts({ user: ['arn:aws:iam::*:role/Admins'] }, gdkAdmins)).toBe(true);
    expect(accepts({ user: ['arn:aws:sts::*:assumed-role/*/example-user'] }, decryptAdmins)).toBe(true);
    expect(accepts({ user: ['arn:aws:sts::*:assumed-role/*/other'] }, decryptAdmins)).toBe(false);
  });

  it('several users are OR-ed', () => {
    const options = { user: ['Alice,Admins'] };
    expect(accepts(options, createKey)).toBe(true);
    expect(accepts(options, gdkAdmins)).toBe(true);
    expect(accepts(options, encryptWorkmail)).toBe(false);
  });

  it('never matches a record without userIdentity (Insight event)', () => {
    expect(accepts({ user: ['*'], allSources: true }, ugInsight)).toBe(false);
  });
});

describe('--key', () => {
  it('by key ID, in any case', () => {
    expect(accepts({ key: [KEY_1234] }, cancelDeletion)).toBe(true);
    expect(accepts({ key: [KEY_1234.toUpperCase()] }, cancelDeletion)).toBe(true);
    expect(accepts({ key: [KEY_1234] }, sign)).toBe(false);
    expect(accepts({ key: [KEY_0987] }, sign)).toBe(true);
  });

  it('a key ARN matches a record that names the key by bare ID only', () => {
    // No fixture names a key only by bare ID (KMS also lists the key ARN in `resources`), so this is
    // the real CancelKeyDeletion record with `resources` and `responseElements` removed.
    const bareOnly = derive(cancelDeletion, { resources: undefined, responseElements: null });
    expect((bareOnly.requestParameters as JsonObject).keyId).toBe(KEY_1234);
    expect(accepts({ key: [KEY_1234_ARN] }, bareOnly)).toBe(true);
    expect(accepts({ key: [`arn:aws:kms:us-west-2:111122223333:key/${KEY_0987}`] }, bareOnly)).toBe(false);
  });

  it('a bare key ID matches a record that names the key by ARN only (Decrypt without keyId)', () => {
    expect(accepts({ key: [KEY_1234] }, decryptEc2)).toBe(true);
    expect(accepts({ key: [KEY_0987] }, decryptEc2)).toBe(false);
    expect(accepts({ key: [KEY_0987] }, decryptXksOk)).toBe(true); // keyId is an ARN
    expect(accepts({ key: ['1a2b3c4d-5e6f-1a2b-3c4d-5e6f1a2b3c4d'] }, pick(K, { eventID: 'ea9fd966-98e9-4b7b-b377-6e5a397a71de' }))).toBe(true);
    expect(accepts({ key: ['1111'] }, pantherDecryptNoFraction)).toBe(true); // lower-case `arn` in resources
  });

  it('a Decrypt that names no key at all matches no --key', () => {
    expect(accepts({ key: [KEY_1234] }, ddbDecrypt)).toBe(false); // resource ARN ""
    expect(accepts({ key: ['*'] }, ddbDecrypt)).toBe(false);
    expect(accepts({ key: [KEY_1234] }, pantherDecryptMyAppRole)).toBe(false); // no requestParameters at all
    expect(accepts({ key: [KEY_1234] }, ddbGdkService)).toBe(false); // keyId ""
    expect(accepts({ key: [KEY_1234] }, generateRandom)).toBe(false); // requestParameters null, no resources
  });

  it('by alias name', () => {
    expect(accepts({ key: ['alias/project-key'] }, gdkAlias)).toBe(true);
    expect(accepts({ key: ['alias/aws/ebs'] }, gdkEbsAlias)).toBe(true);
    expect(accepts({ key: ['alias/ExampleAlias'] }, createAlias)).toBe(true);
    expect(accepts({ key: ['alias/project-key'] }, gdkEbsAlias)).toBe(false);
    expect(accepts({ key: ['alias/ExampleAlias'] }, cancelDeletion)).toBe(false);
  });

  it('by alias ARN', () => {
    expect(accepts({ key: ['arn:aws:kms:us-west-2:111122223333:alias/ExampleAlias'] }, createAlias)).toBe(true);
    expect(accepts({ key: ['arn:aws:kms:us-west-2:111122223333:alias/my_alias'] }, updateAlias)).toBe(true);
    expect(accepts({ key: ['arn:aws:kms:us-east-1:111122223333:alias/my_alias'] }, deleteAlias)).toBe(true);
    expect(accepts({ key: ['arn:aws:kms:us-west-2:111122223333:alias/other'] }, createAlias)).toBe(false);
  });

  it('an alias ARN does not match an alias ARN of another region or account in the record', () => {
    // Only the `resources` entry names the alias's region; keep only that reference.
    const arnOnly = derive(deleteAlias, { requestParameters: null });
    expect(accepts({ key: ['arn:aws:kms:us-east-1:111122223333:alias/my_alias'] }, arnOnly)).toBe(true);
    expect(accepts({ key: ['arn:aws:kms:us-west-2:111122223333:alias/my_alias'] }, arnOnly)).toBe(false);
    expect(accepts({ key: ['arn:aws:kms:us-east-1:999999999999:alias/my_alias'] }, arnOnly)).toBe(false);
  });

  // Regression guard (found by this suite, fixed): a bare alias name in requestParameters (aliasName / keyId "alias/...") carries no region or account, and sameKey() then accepts an alias ARN of ANY
  it('an alias ARN does not match a same-named alias of another region or account', () => {
    expect(accepts({ key: ['arn:aws:kms:us-west-2:111122223333:alias/my_alias'] }, deleteAlias)).toBe(false);
    expect(accepts({ key: ['arn:aws:kms:eu-west-1:999999999999:alias/project-key'] }, gdkAlias)).toBe(false);
  });

  it('ReEncrypt: source key (in resources) and destination key (destinationKeyId)', () => {
    expect(accepts({ key: [KEY_0987] }, reEncrypt)).toBe(true);
    expect(accepts({ key: [KEY_1234] }, reEncrypt)).toBe(true);
    expect(accepts({ key: ['1a2b3c4d-5e6f-1a2b-3c4d-5e6f1a2b3c4d'] }, reEncrypt)).toBe(false);
    // destinationKeyId alone, without the resources list:
    const destinationOnly = derive(reEncrypt, { resources: undefined });
    expect(accepts({ key: [KEY_0987] }, destinationOnly)).toBe(true);
    expect(accepts({ key: [KEY_1234] }, destinationOnly)).toBe(false);
  });

  it('ReEncrypt: sourceKeyId in requestParameters', () => {
    // The KMS guide's ReEncrypt has no sourceKeyId (the source key is only in resources). ReEncrypt
    // requests that pass SourceKeyId log it as requestParameters.sourceKeyId: this is the real record
    // with that field added and resources removed.
    const withSource = derive(reEncrypt, {
      resources: undefined,
      requestParameters: { ...(reEncrypt.requestParameters as JsonObject), sourceKeyId: KEY_1234_ARN },
    });
    expect(accepts({ key: [KEY_1234] }, withSource)).toBe(true);
    expect(accepts({ key: ['alias/x'] }, withSource)).toBe(false);
  });

  it('CreateAlias / UpdateAlias: the target key and the alias', () => {
    expect(accepts({ key: [KEY_1234] }, createAlias)).toBe(true);
    expect(accepts({ key: [KEY_0987] }, createAlias)).toBe(false);
    const targetOnly = derive(createAlias, { resources: undefined }); // only targetKeyId + aliasName remain
    expect(accepts({ key: [KEY_1234_ARN] }, targetOnly)).toBe(true);
    expect(accepts({ key: ['alias/ExampleAlias'] }, targetOnly)).toBe(true);
    expect(accepts({ key: [KEY_1234] }, updateAlias)).toBe(true);
  });

  it('CreateKey: the new key in responseElements.keyMetadata', () => {
    // 838ad5f4's resources name another key (39c5eb22...); KEY_1234 is only in keyMetadata.
    expect(accepts({ key: [KEY_1234] }, createKeyXks)).toBe(true);
    expect(accepts({ key: [KEY_1234_ARN] }, createKeyXks)).toBe(true);
    expect(accepts({ key: ['39c5eb22-f37c-4956-92ca-89e8f8b57ab2'] }, createKeyXks)).toBe(true);
    expect(accepts({ key: [KEY_0987] }, createKeyXks)).toBe(false);
  });

  it('responseElements.keyId (ScheduleKeyDeletion answers with the key ARN)', () => {
    const responseOnly = derive(pick(K, { eventID: '3c4226b0-1e81-48a8-a333-7fa5f3cbd118', eventName: 'ScheduleKeyDeletion' }), {
      resources: undefined,
      requestParameters: null,
    });
    expect(accepts({ key: [KEY_1234] }, responseOnly)).toBe(true);
    expect(accepts({ key: [KEY_0987] }, responseOnly)).toBe(false);
  });

  it('multi-Region keys: mrk- ID and multi-Region key ARN', () => {
    expect(accepts({ key: [MRK] }, scheduleMrk)).toBe(true);
    expect(accepts({ key: [MRK] }, updatePrimaryMrkTokyo)).toBe(true);
    expect(accepts({ key: [`arn:aws:kms:ap-northeast-1:111122223333:key/${MRK}`] }, updatePrimaryMrkTokyo)).toBe(true);
    expect(accepts({ key: [MRK] }, cancelDeletion)).toBe(false);
  });

  // Regression guard (found by this suite, fixed): sameKey() compares only key IDs, so a key ARN matches a record's key ARN of another region. Harmless for ordinary keys (their IDs are unique), wrong
  it('a multi-Region key ARN does not match the replica of another region', () => {
    expect(accepts({ key: [`arn:aws:kms:us-west-2:111122223333:key/${MRK}`] }, updatePrimaryMrkTokyo)).toBe(false);
  });

  it('records with requestParameters null are matched through resources', () => {
    expect(accepts({ key: [KEY_1234] }, deleteKeyInternal)).toBe(true);
    expect(accepts({ key: ['7944f0ec-EXAMPLE'] }, ugRotateKey)).toBe(true);
    expect(accepts({ key: [KEY_0987] }, deleteKeyInternal)).toBe(false);
  });

  it('placeholder key IDs of panther ("1")', () => {
    expect(accepts({ key: ['1'] }, pantherDisableKeyNotFound)).toBe(true);
    expect(accepts({ key: ['11'] }, pantherDisableKeyNotFound)).toBe(false);
  });

  it('several keys are OR-ed', () => {
    const options = { key: [`${KEY_0987},alias/project-key`] };
    expect(accepts(options, sign)).toBe(true);
    expect(accepts(options, gdkAlias)).toBe(true);
    expect(accepts(options, cancelDeletion)).toBe(false);
  });

  it('selects, over the KMS guide, every record that names KEY_0987 and nothing else', () => {
    expect(acceptedNames({ key: [KEY_0987] }, K)).toEqual([
      'CreateKey',
      'Decrypt',
      'Decrypt',
      'ReEncrypt',
      'ScheduleKeyDeletion',
      'Sign',
      'Verify',
    ]);
  });
});

describe('--since / --until', () => {
  it('since is inclusive, until exclusive (2022-08-10T22:38:27Z)', () => {
    expect(accepts({ since: '2022-08-10T22:38:27Z' }, createKey)).toBe(true);
    expect(accepts({ since: '2022-08-10T22:38:28Z' }, createKey)).toBe(false);
    expect(accepts({ until: '2022-08-10T22:38:27Z' }, createKey)).toBe(false);
    expect(accepts({ until: '2022-08-10T22:38:28Z' }, createKey)).toBe(true);
    expect(accepts({ since: '2022-08-10', until: '2022-08-11' }, createKey)).toBe(true);
    expect(accepts({ since: '2022-08-11' }, createKey)).toBe(false);
  });

  it('eventTime "2024-01-01 00:00:00.000" (space, milliseconds)', () => {
    expect(accepts({ since: '2024-01-01' }, pantherPolicyMs)).toBe(true);
    expect(accepts({ until: '2024-01-01' }, pantherPolicyMs)).toBe(false);
    expect(accepts({ since: '2023-12-31T23:59:59Z', until: '2024-01-01T00:00:01Z' }, pantherPolicyMs)).toBe(true);
    expect(accepts({ since: '2024-01-01T00:00:00.001Z' }, pantherPolicyMs)).toBe(false);
  });

  it('eventTime "2025-03-05 21:19:44.000000000" (nanoseconds)', () => {
    expect(accepts({ since: '2025-03-05T21:19:44Z' }, pantherPolicyNs)).toBe(true);
    expect(accepts({ since: '2025-03-05T21:19:44.001Z' }, pantherPolicyNs)).toBe(false);
    expect(accepts({ until: '2025-03-05T21:19:44.001Z' }, pantherPolicyNs)).toBe(true);
    expect(accepts({ until: '2025-03-05T21:19:44Z' }, pantherPolicyNs)).toBe(false);
  });

  it('eventTime "2021-10-19 00:56:05" (no fraction, no zone) and Lake "2023-01-22 16:53:53.000"', () => {
    expect(accepts({ since: '2021-10-19T00:56:05Z', until: '2021-10-19T00:56:06Z' }, pantherDecryptNoFraction)).toBe(true);
    expect(accepts({ since: '2021-10-19T00:56:06Z' }, pantherDecryptNoFraction)).toBe(false);
    expect(accepts({ since: '2023-01-22T16:53:53Z', until: '2023-01-22T16:53:54Z', allSources: true }, ugLakeRow)).toBe(true);
    expect(accepts({ until: '2023-01-22T16:53:53Z', allSources: true }, ugLakeRow)).toBe(false);
  });

  it('an offset in --since is honoured (22:38:27Z is 00:38:27+02:00)', () => {
    expect(accepts({ since: '2022-08-11T00:38:27+02:00' }, createKey)).toBe(true);
    expect(accepts({ since: '2022-08-11T00:38:28+02:00' }, createKey)).toBe(false);
  });

  it('relative bounds count back from now', () => {
    // NOW is 2025-01-01T00:00:00Z; the nanosecond record is 2025-03-05, the millisecond one 2024-01-01.
    expect(accepts({ since: '7d' }, pantherPolicyNs)).toBe(true);
    expect(accepts({ since: '7d' }, pantherPolicyMs)).toBe(false);
    expect(accepts({ since: '400d' }, pantherPolicyMs)).toBe(true);
    expect(accepts({ until: '24h' }, pantherPolicyMs)).toBe(true);
  });

  it('a record without eventTime never falls inside a window, but passes when there is none', () => {
    expect(accepts({ since: '1970-01-01', allSources: true }, ugNoTime)).toBe(false);
    expect(accepts({ until: '2999-01-01', allSources: true }, ugNoTime)).toBe(false);
    expect(accepts({ allSources: true }, ugNoTime)).toBe(true);
  });
});

describe('--region', () => {
  it('literal, any case, lists and globs', () => {
    expect(accepts({ region: ['us-west-2'] }, createKey)).toBe(true);
    expect(accepts({ region: ['US-WEST-2'] }, createKey)).toBe(true);
    expect(accepts({ region: ['us-east-1'] }, createKey)).toBe(false);
    expect(accepts({ region: ['eu-west-1,us-west-2'] }, createKey)).toBe(true);
    expect(accepts({ region: ['us-*'] }, createKey)).toBe(true);
    expect(accepts({ region: ['eu-*'] }, createKey)).toBe(false);
    expect(accepts({ region: ['eu-*'] }, encryptWorkmail)).toBe(true);
    expect(accepts({ region: ['ap-northeast-1'] }, updatePrimaryMrkTokyo)).toBe(true);
  });

  it('a record without awsRegion matches no region', () => {
    expect(accepts({ region: ['*'], allSources: true }, ugLakeRow)).toBe(false);
  });
});

describe('--account', () => {
  it('recipient account', () => {
    expect(accepts({ account: ['111122223333'] }, createKey)).toBe(true);
    expect(accepts({ account: ['123456789012'] }, createKey)).toBe(false);
    expect(accepts({ account: ['123456789012'] }, pantherDisableKeyNotFound)).toBe(true);
  });

  it('recipient or principal account (cross-account EC2 CreateVolume)', () => {
    const ec2 = { source: ['ec2'] };
    expect(accepts({ ...ec2, account: ['123456789012'] }, createVolume)).toBe(true); // recipient
    expect(accepts({ ...ec2, account: ['111122223333'] }, createVolume)).toBe(true); // principal
    expect(accepts({ ...ec2, account: ['999999999999'] }, createVolume)).toBe(false);
  });

  it('principal account alone when there is no recipientAccountId', () => {
    expect(accepts({ account: ['111122223333'], allSources: true }, ugLoginNoRecipient)).toBe(true);
    expect(accepts({ account: ['123456789012'], allSources: true }, ugLoginNoRecipient)).toBe(false);
  });

  it('AWS service principals (no account of their own) by recipient only', () => {
    expect(accepts({ account: ['111122223333'] }, encryptWorkmail)).toBe(true);
    expect(accepts({ account: ['999999999999'] }, encryptWorkmail)).toBe(false);
  });

  it('records with neither account match no --account', () => {
    expect(accepts({ account: ['*'] }, pantherPolicyMs)).toBe(false);
  });

  it('globs and lists', () => {
    expect(accepts({ account: ['1111*'] }, createKey)).toBe(true);
    expect(accepts({ account: ['2222*'] }, createKey)).toBe(false);
    expect(accepts({ account: ['999999999999,111122223333'] }, createKey)).toBe(true);
  });
});

describe('--source-ip', () => {
  it('exact IPv4 address and IPv4 CIDR', () => {
    expect(accepts({ sourceIp: ['192.0.2.0'] }, createKey)).toBe(true);
    expect(accepts({ sourceIp: ['192.0.2.1'] }, createKey)).toBe(false);
    expect(accepts({ sourceIp: ['192.0.2.0/24'] }, createKey)).toBe(true);
    expect(accepts({ sourceIp: ['198.51.100.0/24'] }, createKey)).toBe(false);
    expect(accepts({ sourceIp: ['10.0.0.0/8'] }, pantherPolicyNs)).toBe(true); // 10.0.0.1
    expect(accepts({ sourceIp: ['10.0.0.0/32'] }, pantherPolicyNs)).toBe(false);
    expect(accepts({ sourceIp: ['111.111.111.111/32'] }, pantherDisableKeyNotFound)).toBe(true);
    expect(accepts({ sourceIp: ['0.0.0.0/0'] }, createKey)).toBe(true);
  });

  it('lists are OR-ed', () => {
    const options = { sourceIp: ['10.0.0.0/8,192.0.2.0/24'] };
    expect(accepts(options, createKey)).toBe(true);
    expect(accepts(options, pantherPolicyNs)).toBe(true);
    expect(accepts(options, pantherDisableKeyNotFound)).toBe(false);
  });

  it('IPv6 addresses and CIDR blocks', () => {
    // No fixture has an IPv6 sourceIPAddress (CloudTrail logs one for calls over dual-stack
    // endpoints): this is the real CreateKey record with its address replaced.
    const v6 = derive(createKey, { sourceIPAddress: '2001:db8:85a3::8a2e:370:7334' });
    expect(accepts({ sourceIp: ['2001:db8::/32'] }, v6)).toBe(true);
    expect(accepts({ sourceIp: ['2001:db8:85a3::8a2e:370:7334'] }, v6)).toBe(true);
    expect(accepts({ sourceIp: ['2001:db9::/32'] }, v6)).toBe(false);
    expect(accepts({ sourceIp: ['::/0'] }, v6)).toBe(true);
    expect(accepts({ sourceIp: ['0.0.0.0/0'] }, v6)).toBe(false);
    expect(accepts({ sourceIp: ['2001:db8::/32'] }, createKey)).toBe(false);
    expect(accepts({ sourceIp: ['2000::/3'] }, createKey)).toBe(false);
  });

  // Regression guard (found by this suite, fixed): node:net BlockList treats an IPv4 address as its IPv4-mapped IPv6 form (::ffff:a.b.c.d) when checking IPv6 subnets, so any IPv6 block that contains
  it('an IPv6 block such as ::/0 does not match IPv4 callers', () => {
    expect(accepts({ sourceIp: ['::/0'] }, createKey)).toBe(false);
  });

  it('a sourceIPAddress that is not an IP never matches, not even 0.0.0.0/0 or ::/0', () => {
    for (const record of [decryptXksOk, encryptWorkmail, gdkAdmins, deleteKeyInternal, pantherDecryptNoFraction]) {
      expect(typeof record.sourceIPAddress).toBe('string');
      expect(accepts({ sourceIp: ['0.0.0.0/0', '::/0'] }, record)).toBe(false);
    }
    expect(decryptXksOk.sourceIPAddress).toBe('AWS Internal');
  });

  it('a record without sourceIPAddress never matches', () => {
    expect(accepts({ sourceIp: ['0.0.0.0/0', '::/0'] }, pantherPolicyMs)).toBe(false);
    expect(accepts({ sourceIp: ['0.0.0.0/0'], allSources: true }, zmSecret)).toBe(false);
  });
});

describe('--errors / --no-errors / --error-code', () => {
  it('--errors keeps only records with an errorCode', () => {
    expect(accepts({ errors: true }, decryptXksFailed)).toBe(true);
    expect(accepts({ errors: true }, decryptXksOk)).toBe(false);
    expect(accepts({ errors: true }, gdkwpInvalidUsage)).toBe(true);
  });

  it('--no-errors keeps only records without one', () => {
    expect(accepts({ errors: false }, decryptXksFailed)).toBe(false);
    expect(accepts({ errors: false }, decryptXksOk)).toBe(true);
  });

  it('an errorMessage without errorCode (failed ConsoleLogin) is not an error record', () => {
    expect(accepts({ errors: true, allSources: true }, ugLoginFailed)).toBe(false);
    expect(accepts({ errors: false, allSources: true }, ugLoginFailed)).toBe(true);
  });

  it('--error-code: literal, any case, glob, list', () => {
    expect(accepts({ errorCode: ['KMSInvalidStateException'] }, decryptXksFailed)).toBe(true);
    expect(accepts({ errorCode: ['kmsinvalidstateexception'] }, decryptXksFailed)).toBe(true);
    expect(accepts({ errorCode: ['*InvalidState*'] }, decryptXksFailed)).toBe(true);
    expect(accepts({ errorCode: ['NotFoundException'] }, decryptXksFailed)).toBe(false);
    expect(accepts({ errorCode: ['NotFoundException,InvalidKeyUsageException'] }, gdkwpInvalidUsage)).toBe(true);
    expect(accepts({ errorCode: ['NotFoundException,InvalidKeyUsageException'] }, pantherDisableKeyNotFound)).toBe(true);
    expect(accepts({ errorCode: ['*'] }, decryptXksOk)).toBe(false);
  });

  it('--errors with --error-code, on another service', () => {
    const options = { errors: true, errorCode: ['AccessDenied'], source: ['s3'] };
    expect(accepts(options, pantherS3Denied)).toBe(true);
    expect(accepts(options, pantherS3Ok)).toBe(false);
    expect(accepts({ errorCode: ['ConditionalCheckFailedException'], source: ['dynamodb'] }, ddbUpdateItemFailed)).toBe(true);
  });

  it('--errors selects exactly the failed calls of the KMS guide', () => {
    expect(acceptedNames({ errors: true }, K)).toEqual(['Decrypt', 'GenerateDataKeyWithoutPlaintext']);
  });
});

describe('--read-only / --mutating', () => {
  it('readOnly true / false', () => {
    expect(accepts({ readOnly: true }, decryptEc2)).toBe(true);
    expect(accepts({ readOnly: true }, createKey)).toBe(false);
    expect(accepts({ mutating: true }, createKey)).toBe(true);
    expect(accepts({ mutating: true }, decryptEc2)).toBe(false);
  });

  it('records without readOnly are neither', () => {
    expect(pantherDecryptMyAppRole).not.toHaveProperty('readOnly');
    expect(accepts({ readOnly: true }, pantherDecryptMyAppRole)).toBe(false);
    expect(accepts({ mutating: true }, pantherDecryptMyAppRole)).toBe(false);
    expect(accepts({}, pantherDecryptMyAppRole)).toBe(true);
  });

  it('readOnly as the strings "true" / "false"', () => {
    // No fixture has a string readOnly (record.ts says older records carry one): these are real
    // records with the boolean replaced by its string form.
    const stringTrue = derive(decryptEc2, { readOnly: 'true' });
    const stringFalse = derive(createKey, { readOnly: 'false' });
    expect(accepts({ readOnly: true }, stringTrue)).toBe(true);
    expect(accepts({ mutating: true }, stringTrue)).toBe(false);
    expect(accepts({ mutating: true }, stringFalse)).toBe(true);
    expect(accepts({ readOnly: true }, stringFalse)).toBe(false);
    expect(accepts({ readOnly: true }, derive(decryptEc2, { readOnly: 'yes' }))).toBe(false);
  });
});

describe('event sources', () => {
  it('by default only KMS records pass', () => {
    expect(accepts({}, decryptEc2)).toBe(true);
    expect(accepts({}, createVolume)).toBe(false);
    expect(accepts({}, pantherS3Ok)).toBe(false);
    expect(accepts({}, ugInsight)).toBe(false);
    expect(accepts({}, ugRotateKey)).toBe(true);
    expect(filterFor({}).acceptsAll).toBe(false);
  });

  it('--all-sources lets everything through, even records without eventSource', () => {
    for (const record of [decryptEc2, createVolume, pantherS3Ok, ugInsight, ugLoginFailed, zmSecret]) {
      expect(accepts({ allSources: true }, record)).toBe(true);
    }
    expect(filterFor({ allSources: true }).acceptsAll).toBe(true);
  });

  it('--source s3 means s3.amazonaws.com and replaces KMS', () => {
    expect(accepts({ source: ['s3'] }, pantherS3Ok)).toBe(true);
    expect(accepts({ source: ['s3'] }, decryptEc2)).toBe(false);
    expect(accepts({ source: ['S3'] }, pantherS3Ok)).toBe(true);
    expect(accepts({ source: ['s3.amazonaws.com'] }, pantherS3Ok)).toBe(true);
    expect(accepts({ source: ['kms,s3'] }, pantherS3Ok)).toBe(true);
    expect(accepts({ source: ['kms,s3'] }, decryptEc2)).toBe(true);
    expect(accepts({ source: ['kms,s3'] }, createVolume)).toBe(false);
    expect(accepts({ source: ['s3*'] }, pantherS3Ok)).toBe(true);
  });

  it('counts: KMS records per file under the default source', () => {
    expect(acceptedNames({}, K)).toHaveLength(67); // 69 minus EC2 CreateVolume and RunInstances
    expect(acceptedNames({}, DDB)).toEqual(['GenerateDataKey', 'Decrypt', 'CreateGrant']);
    expect(acceptedNames({}, TS)).toEqual([]);
    expect(acceptedNames({ allSources: true }, TS)).toHaveLength(11);
  });
});

describe('options combine with AND', () => {
  it('event + user + key + error', () => {
    const options = { event: ['Decrypt'], user: ['Alice'], key: [KEY_0987], errors: true };
    expect(accepts(options, decryptXksFailed)).toBe(true);
    expect(accepts(options, decryptXksOk)).toBe(false);
    expect(accepts({ ...options, region: ['us-east-1'] }, decryptXksFailed)).toBe(false);
  });

  it('over the KMS guide: mutating calls by Alice on KEY_1234 in us-west-2 during 2022', () => {
    const names = acceptedNames(
      { mutating: true, user: ['Alice'], key: [KEY_1234], region: ['us-west-2'], since: '2022-01-01', until: '2023-01-01' },
      K,
    );
    expect(names).toEqual(['CreateAlias', 'CreateKey', 'DisableKeyRotation', 'PutKeyPolicy', 'RetireGrant', 'RevokeGrant', 'UpdateKeyDescription']);
  });
});

/** The hot fields the byte-level splitter would hand over: the three fields, when they are strings. */
function hotFieldsOf(record: JsonObject): HotFields {
  const hot: HotFields = {};
  if (typeof record.eventName === 'string') hot.eventName = record.eventName;
  if (typeof record.eventSource === 'string') hot.eventSource = record.eventSource;
  if (typeof record.eventTime === 'string') hot.eventTime = record.eventTime;
  return hot;
}

describe('prefilter', () => {
  const specs: RawFilterOptions[] = [
    {},
    { allSources: true },
    { event: ['Decrypt'] },
    { event: ['*key*', 'sign'] },
    { event: ['putkeypolicy'], since: '2024-01-01', until: '2024-01-01T00:00:00.001Z' },
    { since: '2025-03-05T21:19:44Z', until: '2025-03-05T21:19:44.001Z' },
    { since: '2021-10-19T00:56:05Z', until: '2021-10-19T00:56:06Z' },
    { since: '2023-01-22T16:53:53Z', until: '2023-01-22T16:53:54Z', allSources: true },
    { since: '2019-01-01', until: '2019-01-02', allSources: true },
    { since: '2022-01-01' },
    { until: '2016-01-01', allSources: true },
    { source: ['s3'] },
    { source: ['S3,Signin', 'dynamodb*'], event: ['*'] },
    { allSources: true, event: ['ConsoleLogin', 'AssumeRole'] },
    { user: ['Alice'], key: [KEY_1234], since: '2020-01-01' },
    { errors: true, allSources: true },
    { readOnly: true, since: '2000d' },
  ];

  it.each(specs.map((s) => [JSON.stringify(s), s] as const))('never rejects a record that matches accepts: %s', (_name, options) => {
    const filter = filterFor(options);
    let matched = 0;
    for (const file of fixtureFiles()) {
      for (const record of loadRecords(file)) {
        if (!filter.matches(record)) continue;
        matched++;
        expect(filter.prefilter(hotFieldsOf(record)), `${file} ${String(record.eventID)} ${String(record.eventName)}`).toBe(true);
      }
    }
    expect(matched).toBeGreaterThan(0); // each spec selects something, so the check is not vacuous
  });

  it('does reject on hot fields (it is not a constant true)', () => {
    const kmsOnly = filterFor({});
    expect(kmsOnly.prefilter(hotFieldsOf(pantherS3Ok))).toBe(false);
    expect(kmsOnly.prefilter(hotFieldsOf(decryptEc2))).toBe(true);
    const decrypts = filterFor({ event: ['Decrypt'] });
    expect(decrypts.prefilter(hotFieldsOf(createKey))).toBe(false);
    const window = filterFor({ since: '2024-01-01', until: '2024-01-02' });
    expect(window.prefilter(hotFieldsOf(pantherPolicyMs))).toBe(true);
    expect(window.prefilter(hotFieldsOf(createKey))).toBe(false);
  });

  it('passes records whose hot fields are absent or unparseable', () => {
    const filter = filterFor({ event: ['Decrypt'], since: '2024-01-01' });
    expect(filter.prefilter({})).toBe(true);
    expect(filter.prefilter({ eventName: 'Decrypt', eventSource: 'kms.amazonaws.com', eventTime: 'Oct 8, 2024, 4:15:32 PM' })).toBe(true);
  });
});
