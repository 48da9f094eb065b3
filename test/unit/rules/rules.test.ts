/**
 * detect's rules and engine, on real records (AWS KMS guide examples, panther's rule tests, the
 * SANS ransomware lab's root calls) and on small cases crafted from them. Every rule has at least
 * one case that must hit and one that must not; expected reasons are written out by hand from the
 * records' own values.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { allowedAccounts, openStatements, policyDigest, readKeyPolicy } from '../../../src/cloudtrail/key-policy.js';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { BoundedMap, BoundedSet } from '../../../src/rules/bounded.js';
import { chooseRules, RULES, selectRules } from '../../../src/rules/catalog.js';
import { DetectionEngine } from '../../../src/rules/engine.js';
import { kmsEvent } from '../../../src/rules/event.js';
import { DEFAULT_SETTINGS, parseSeverity, type Hit, type Rule, type RuleSettings, type Severity } from '../../../src/rules/rule.js';
import { parseSigmaText } from '../../../src/rules/sigma/load-rules.js';
import { SHARED } from '../../helpers/run-cli.js';
import { derive, loadRecords, pick, withoutCopies, K, P, DDB, KEY_1234, ARN_1234 } from '../fixtures.js';
import { sansKmsRecords } from '../sans-records.js';

const sansKmsRecordsOf = (eventName: string) => sansKmsRecords().filter((r) => r.eventName === eventName);

const ALICE = 'arn:aws:iam::111122223333:user/Alice';
const OTHER = '444455556666';

function detect(records: readonly JsonObject[], ids: string[] = [], settings: Partial<RuleSettings> = {}, window?: number): Hit[] {
  const rules = selectRules(ids, undefined) as Rule[];
  const hits: Hit[] = [];
  const engine = new DetectionEngine(rules, { ...DEFAULT_SETTINGS, ...settings }, (hit) => hits.push(hit), window);
  // As in a run: the pipeline drops copies of one event before any sink sees them.
  for (const record of withoutCopies(records)) engine.feed(record, { file: 'test.json', line: 1 });
  engine.end();
  return hits;
}

// ------------------------------------------------------------------ real records used below

const scheduleDeletion = () => pick(K, { eventName: 'ScheduleKeyDeletion', eventID: '3c4226b0-1e81-48a8-a333-7fa5f3cbd118' });
const cancelDeletion = () => pick(K, { eventName: 'CancelKeyDeletion' });
const disableKey = () => pick(K, { eventName: 'DisableKey' });
const putKeyPolicy = () => pick(K, { eventName: 'PutKeyPolicy' });
const createKey = () => pick(K, { eventID: '36327b37-f4f6-40a9-92ab-48064ec905a2' });
const createGrant = () => pick(K, { eventID: '5d529779-2d27-42b5-92da-91aaea1fc4b5' });
const ebsGrant = () => pick(K, { eventID: 'c1ad79e3-0d3f-402a-b119-d5c31d7c6a6c' });
const disableRotation = () => pick(K, { eventName: 'DisableKeyRotation' });
const importMaterial = () => pick(K, { eventName: 'ImportKeyMaterial' });
/** Alice's Decrypt with key 1234abcd, 2020-07-27T22:58:24Z. */
const aliceDecrypt = () => pick(K, { eventName: 'Decrypt', eventTime: '2020-07-27T22:58:24Z' });
/** The Admins role session's Decrypt with key 1234abcd, 2015-09-10T23:58:39Z. */
const adminsDecrypt = () => pick(K, { eventID: 'ae551b19-8a09-4cfc-a249-205ddba330e3' });

/** A record with requestParameters changed (a deep copy; the fixture stays as it was). */
function withParams(record: JsonObject, params: JsonObject): JsonObject {
  return derive(record, { requestParameters: { ...(record.requestParameters as JsonObject), ...params } });
}

function withPolicy(policy: unknown, record = putKeyPolicy()): JsonObject {
  return withParams(record, { policy: typeof policy === 'string' ? policy : JSON.stringify(policy) });
}

const failed = (record: JsonObject, code = 'AccessDeniedException') =>
  derive(record, { errorCode: code, errorMessage: 'User is not authorized', responseElements: null });

/** The root user's KMS calls in the SANS ransomware lab (us-west-1, where the key was made), as delivered. */
function sansRootRecords(): JsonObject[] {
  const base = join(SHARED, 'samples/trees/SANS-504-S3-ransomware-lab/us-west-1/2021/07');
  const out: JsonObject[] = [];
  for (const day of ['29', '30']) {
    const dir = join(base, day);
    for (const name of readdirSync(dir).sort()) {
      if (!statSync(join(dir, name)).isFile()) continue;
      const { Records } = JSON.parse(gunzipSync(readFileSync(join(dir, name))).toString('utf8')) as { Records: JsonObject[] };
      for (const r of Records) if (r.eventSource === 'kms.amazonaws.com') out.push(r);
    }
  }
  return out;
}

function failures(count: number, stepSeconds: number, start = Date.parse('2024-03-01T10:00:00Z')): JsonObject[] {
  return Array.from({ length: count }, (_, i) =>
    derive(failed(aliceDecrypt(), 'AccessDenied'), {
      eventID: `burst-${i}`,
      eventTime: new Date(start + i * stepSeconds * 1000).toISOString().replace('.000Z', 'Z'),
    }),
  );
}

/** Alice (account 111122223333) decrypting with a key of account 444455556666. */
function foreignDecrypt(eventID: string, errorCode?: string): JsonObject {
  const foreignKey = `arn:aws:kms:us-west-2:${OTHER}:key/${KEY_1234}`;
  const record = derive(withParams(aliceDecrypt(), { keyId: foreignKey }), {
    eventID,
    resources: [{ accountId: OTHER, type: 'AWS::KMS::Key', ARN: foreignKey }],
    recipientAccountId: OTHER,
  });
  return errorCode ? failed(record, errorCode) : record;
}

/** The invictus-ir trail's Decrypt records (Stratus Red Team reading 20 secrets and 42 SSM parameters, twice). */
function invictusDecrypts(): JsonObject[] {
  const dir = join(SHARED, 'samples/trees/invictus-ir');
  return readdirSync(dir)
    .sort()
    .flatMap((name) => (JSON.parse(readFileSync(join(dir, name), 'utf8')) as { Records: JsonObject[] }).Records)
    .filter((r) => r.eventName === 'Decrypt');
}

const BERT = 'arn:aws:iam::123837392027:user/bert-jan';
const secret = (name: string, version: string) =>
  `SecretARN=arn:aws:secretsmanager:us-east-1:123837392027:secret:stratus-red-team-retrieve-secret-${name} SecretVersionId=${version}`;
const parameter = (n: number) => `PARAMETER_ARN=arn:aws:ssm:us-east-1:123837392027:parameter/credentials/stratus-red-team/credentials-${n}`;

// ------------------------------------------------------------------ positive and negative cases per rule

interface RuleCase {
  name: string;
  records: () => JsonObject[];
  settings?: Partial<RuleSettings>;
  /** The reasons expected, in order; empty for a negative case. */
  reasons: string[];
}

const CASES: Record<string, RuleCase[]> = {
  'KMS-001': [
    {
      name: 'real ScheduleKeyDeletion, 20-day window',
      records: () => [scheduleDeletion()],
      reasons: [`${ALICE} scheduled key ${ARN_1234} for deletion in 20 days`],
    },
    {
      name: 'real panther ScheduleKeyDeletion (two identical copies count once)',
      records: () => loadRecords(P).filter((r) => r.eventName === 'ScheduleKeyDeletion'),
      reasons: ['arn:aws:sts::123456789012:assumed-role/tester scheduled key arn:aws:kms:us-west-2:123456789012:key/1 for deletion in 30 days'],
    },
    {
      name: 'no pendingWindowInDays: the default window is named',
      records: () => [derive(scheduleDeletion(), { requestParameters: { keyId: KEY_1234 } })],
      reasons: [`${ALICE} scheduled key ${ARN_1234} for deletion in the default 30 days`],
    },
    { name: 'negative: the call failed', records: () => [failed(scheduleDeletion())], reasons: [] },
    { name: 'negative: real CancelKeyDeletion', records: () => [cancelDeletion()], reasons: [] },
  ],
  'KMS-002': [
    {
      name: 'real CancelKeyDeletion',
      records: () => [cancelDeletion()],
      reasons: [`${ALICE} cancelled the scheduled deletion of key ${ARN_1234}`],
    },
    { name: 'negative: the call failed', records: () => [failed(cancelDeletion())], reasons: [] },
  ],
  'KMS-003': [
    { name: 'real DisableKey', records: () => [disableKey()], reasons: [`${ALICE} disabled key ${ARN_1234}`] },
    {
      name: 'negative: real panther DisableKey that failed with NotFoundException',
      records: () => [pick(P, { eventName: 'DisableKey', and: (r) => r.errorCode === 'NotFoundException' })],
      reasons: [],
    },
    { name: 'negative: real EnableKey', records: () => [pick(K, { eventName: 'EnableKey' })], reasons: [] },
  ],
  'KMS-004': [
    {
      name: 'real panther PutKeyPolicy with "Principal": "*" (policy already parsed)',
      records: () => [pick(P, { eventID: 'test-04' })],
      reasons: ['TestRole set the policy of an unnamed key with a policy open to any principal: Allow * kms:Decrypt'],
    },
    {
      name: '{"AWS": "*"} with only a transport condition',
      records: () => [
        withPolicy({
          Statement: [
            {
              Sid: 'Open',
              Effect: 'Allow',
              Principal: { AWS: '*' },
              Action: ['kms:Decrypt', 'kms:DescribeKey'],
              Resource: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'true' } },
            },
          ],
        }),
      ],
      reasons: [
        `${ALICE} set the policy of key ${ARN_1234} with a policy open to any principal: ` +
          '"Open": Allow * kms:Decrypt,kms:DescribeKey when aws:SecureTransport',
      ],
    },
    {
      name: 'a negated account condition does not restrict',
      records: () => [
        withPolicy({
          Statement: { Effect: 'Allow', Principal: '*', Action: 'kms:*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': OTHER } } },
        }),
      ],
      reasons: [`${ALICE} set the policy of key ${ARN_1234} with a policy open to any principal: Allow * kms:* when aws:PrincipalAccount`],
    },
    {
      name: 'CreateKey with an open policy',
      records: () => [withPolicy({ Statement: [{ Effect: 'Allow', Principal: { AWS: ['*'] }, Action: 'kms:*' }] }, createKey())],
      reasons: [`${ALICE} created key ${ARN_1234} with a policy open to any principal: Allow * kms:*`],
    },
    {
      name: 'negative: real panther policy, "Principal": "*" restricted by aws:PrincipalOrgID',
      records: () => [pick(P, { eventName: 'PutKeyPolicy', eventID: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx' })],
      reasons: [],
    },
    { name: 'negative: real KMS guide policy (account root only)', records: () => [putKeyPolicy()], reasons: [] },
    {
      name: 'negative: real SANS CreateKey, {"AWS": "*"} restricted by kms:CallerAccount',
      records: () => sansRootRecords().filter((r) => r.eventName === 'CreateKey'),
      reasons: [],
    },
    { name: 'negative: an open policy that was rejected', records: () => [failed(pick(P, { eventID: 'test-04' }))], reasons: [] },
    {
      name: 'negative: an open Deny statement',
      records: () => [withPolicy({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 'kms:*' }] })],
      reasons: [],
    },
  ],
  'KMS-005': [
    {
      name: 'a principal of another account',
      records: () => [
        withPolicy({ Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${OTHER}:root`, 'arn:aws:iam::111122223333:root'] }, Action: 'kms:*' }] }),
      ],
      reasons: [`${ALICE} set the policy of key ${ARN_1234} (account 111122223333) with a policy that allows account ${OTHER}`],
    },
    {
      name: 'a bare account ID, and another in kms:CallerAccount',
      records: () => [
        withPolicy({
          Statement: [
            { Effect: 'Allow', Principal: { AWS: '777788889999' }, Action: 'kms:Decrypt' },
            { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:CallerAccount': [OTHER] } } },
          ],
        }),
      ],
      reasons: [`${ALICE} set the policy of key ${ARN_1234} (account 111122223333) with a policy that allows account 777788889999, ${OTHER}`],
    },
    { name: 'negative: real KMS guide policy (own account root)', records: () => [putKeyPolicy()], reasons: [] },
    {
      name: 'negative: real panther policy naming only its own account',
      records: () => [pick(P, { eventName: 'PutKeyPolicy', eventID: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx' })],
      reasons: [],
    },
    {
      name: 'negative: the key account is unknown (no key ARN, no recipientAccountId)',
      records: () => [
        derive(withPolicy({ Statement: [{ Effect: 'Allow', Principal: { AWS: OTHER }, Action: 'kms:*' }] }), {
          resources: undefined,
          recipientAccountId: undefined,
        }),
      ],
      reasons: [],
    },
  ],
  'KMS-006': [
    {
      name: 'PutKeyPolicy with the lockout check bypassed',
      records: () => [withParams(putKeyPolicy(), { bypassPolicyLockoutSafetyCheck: true })],
      reasons: [`${ALICE} called PutKeyPolicy on key ${ARN_1234} with bypassPolicyLockoutSafetyCheck: true`],
    },
    {
      name: 'CreateKey with the lockout check bypassed',
      records: () => [withParams(createKey(), { bypassPolicyLockoutSafetyCheck: true })],
      reasons: [`${ALICE} called CreateKey on key ${ARN_1234} with bypassPolicyLockoutSafetyCheck: true`],
    },
    { name: 'negative: real PutKeyPolicy and CreateKey (false)', records: () => [putKeyPolicy(), createKey()], reasons: [] },
  ],
  'KMS-007': [
    {
      name: 'a policy that is not JSON',
      records: () => [withPolicy('{"Version": "2012-10-17", "Statement": [')],
      reasons: [`${ALICE} set the policy of key ${ARN_1234} with a policy that could not be checked: not valid JSON: Unexpected end of JSON input`],
    },
    {
      name: 'a policy without Statement',
      records: () => [withPolicy({ Version: '2012-10-17' })],
      reasons: [`${ALICE} set the policy of key ${ARN_1234} with a policy that could not be checked: no Statement`],
    },
    { name: 'negative: real policies parse', records: () => [putKeyPolicy(), ...loadRecords(P).filter((r) => r.eventName === 'PutKeyPolicy')], reasons: [] },
  ],
  'KMS-008': [
    {
      name: 'a grant for a role of another account',
      records: () => [withParams(createGrant(), { granteePrincipal: `arn:aws:iam::${OTHER}:role/Outsider` })],
      reasons: [
        `${ALICE} created a grant on key ${ARN_1234} (account 111122223333) for arn:aws:iam::${OTHER}:role/Outsider ` +
          `of account ${OTHER} (operations: Encrypt,RetireGrant)`,
      ],
    },
    {
      name: 'negative: real EBS grant for its own account, real grant to a principal ID',
      records: () => [ebsGrant(), createGrant()],
      reasons: [],
    },
    { name: 'negative: real DynamoDB grant to a service', records: () => [pick(DDB, { eventName: 'CreateGrant' })], reasons: [] },
  ],
  'KMS-009': [
    {
      name: 'Decrypt granted to a role that used the key only after the grant',
      records: () => [
        adminsDecrypt(),
        withParams(derive(createGrant(), { eventTime: '2015-09-10T20:00:00Z' }), {
          granteePrincipal: 'arn:aws:iam::111122223333:role/Admins',
          operations: ['Decrypt'],
        }),
      ],
      reasons: [`${ALICE} granted Decrypt on key ${ARN_1234} to arn:aws:iam::111122223333:role/Admins, not seen using this key before (operations: Decrypt)`],
    },
    {
      name: 'negative: the role had decrypted with the key earlier (records given out of order)',
      records: () => [
        withParams(derive(createGrant(), { eventTime: '2016-01-01T00:00:00Z' }), {
          granteePrincipal: 'arn:aws:iam::111122223333:role/Admins',
          operations: ['Decrypt'],
        }),
        adminsDecrypt(),
      ],
      reasons: [],
    },
    {
      name: 'negative: real grants (no Decrypt; a service grantee)',
      records: () => [createGrant(), ebsGrant(), pick(DDB, { eventName: 'CreateGrant' })],
      reasons: [],
    },
  ],
  'KMS-010': [
    { name: 'real DisableKeyRotation', records: () => [disableRotation()], reasons: [`${ALICE} disabled automatic rotation of key ${ARN_1234}`] },
    { name: 'negative: real EnableKeyRotation', records: () => [pick(K, { eventName: 'EnableKeyRotation' })], reasons: [] },
  ],
  'KMS-011': [
    {
      name: 'DeleteImportedKeyMaterial',
      records: () => [derive(importMaterial(), { eventName: 'DeleteImportedKeyMaterial', requestParameters: { keyId: KEY_1234 } })],
      reasons: [`${ALICE} deleted the imported key material of key ${ARN_1234}`],
    },
    {
      name: 'negative: it failed; real DeleteExpiredKeyMaterial by KMS itself',
      records: () => [
        failed(derive(importMaterial(), { eventName: 'DeleteImportedKeyMaterial', requestParameters: { keyId: KEY_1234 } })),
        pick(K, { eventName: 'DeleteExpiredKeyMaterial' }),
      ],
      reasons: [],
    },
  ],
  'KMS-012': [
    {
      name: 'real ImportKeyMaterial',
      records: () => [importMaterial()],
      reasons: [`${ALICE} imported key material into key ${ARN_1234} (KEY_MATERIAL_EXPIRES)`],
    },
    { name: 'negative: real GetParametersForImport', records: () => [pick(K, { eventName: 'GetParametersForImport' })], reasons: [] },
  ],
  'KMS-013': [
    {
      name: '10 AccessDenied 20 s apart (3 minutes)',
      records: () => failures(10, 20),
      reasons: [`${ALICE} had 10 failed KMS calls within 5m (2024-03-01T10:00:00Z to 2024-03-01T10:03:00Z): AccessDenied x10`],
    },
    {
      name: 'mixed codes, given out of order, with --burst-threshold 3 --burst-window 1m',
      records: () => {
        const [a, b, c] = failures(3, 25);
        return [c, a, failed(b, 'NotFoundException')];
      },
      settings: { burstThreshold: 3, burstWindowMs: 60_000 },
      reasons: [`${ALICE} had 3 failed KMS calls within 1m (2024-03-01T10:00:00Z to 2024-03-01T10:00:50Z): AccessDenied x2, NotFoundException x1`],
    },
    { name: 'negative: 9 failures', records: () => failures(9, 20), reasons: [] },
    { name: 'negative: 10 failures 40 s apart (6 minutes)', records: () => failures(10, 40), reasons: [] },
    {
      name: 'negative: real failures (one KMSInvalidStateException, one InvalidKeyUsageException)',
      records: () => loadRecords(K),
      reasons: [],
    },
  ],
  'KMS-014': [
    {
      name: 'Alice uses a key of another account: once per principal, key and outcome',
      records: () => [foreignDecrypt('x-1'), foreignDecrypt('x-2'), foreignDecrypt('x-3', 'AccessDeniedException')],
      reasons: [
        `${ALICE} of account 111122223333 called Decrypt on key arn:aws:kms:us-west-2:${OTHER}:key/${KEY_1234} owned by account ${OTHER}`,
        `${ALICE} of account 111122223333 called Decrypt on key arn:aws:kms:us-west-2:${OTHER}:key/${KEY_1234} owned by account ${OTHER} (failed: AccessDeniedException)`,
      ],
    },
    { name: 'negative: every real KMS guide record (own-account keys)', records: () => loadRecords(K), reasons: [] },
    {
      name: 'negative: real CreateKey whose key ARN names another account (creating is not using)',
      records: () => [pick(K, { eventID: '838ad5f4-5fdd-4044-afd7-4dbd88c6af56' })],
      reasons: [],
    },
  ],
  'KMS-015': [
    {
      name: 'real SANS root calls, each delivered twice',
      records: sansRootRecords,
      reasons: [
        'root user of account 342082656213 called CreateKey on key arn:aws:kms:us-west-1:342082656213:key/85b4ab0e-eee7-4450-adba-82137e39764c',
        'root user of account 342082656213 called CreateAlias on key arn:aws:kms:us-west-1:342082656213:key/85b4ab0e-eee7-4450-adba-82137e39764c',
        'root user of account 342082656213 called ListAliases',
      ],
    },
    { name: 'negative: every real KMS guide record', records: () => loadRecords(K), reasons: [] },
  ],
  'KMS-016': [
    {
      name: 'real invictus-ir sprees: 20 secrets, 42 SSM parameters, then both again ten minutes later',
      records: invictusDecrypts,
      reasons: [
        `${BERT} decrypted 15 distinct encryption contexts (SecretARN,SecretVersionId) within 1m (2023-07-10T11:57:50Z to 2023-07-10T11:57:50Z): ` +
          `${secret('14-ZgthLn', 'B2617553-D7AD-4E0A-B780-1FEE2DE64093')}; ${secret('4-xehWok', '52ACC30B-B6C6-45FC-B128-9F914178C51B')}; ` +
          `${secret('0-xehWok', 'DC8C88D2-85A2-468D-A615-7AE3B7688D7F')}; ...`,
        `${BERT} decrypted 15 distinct encryption contexts (PARAMETER_ARN) within 1m (2023-07-10T11:58:10Z to 2023-07-10T11:58:12Z): ` +
          `${parameter(40)}; ${parameter(22)}; ${parameter(30)}; ...`,
        `${BERT} decrypted 15 distinct encryption contexts (PARAMETER_ARN) within 1m (2023-07-10T12:07:55Z to 2023-07-10T12:07:57Z): ` +
          `${parameter(32)}; ${parameter(17)}; ${parameter(36)}; ...`,
        `${BERT} decrypted 15 distinct encryption contexts (SecretARN,SecretVersionId) within 1m (2023-07-10T12:07:57Z to 2023-07-10T12:07:57Z): ` +
          `${secret('7-nFvpuv', 'EFADA32A-134C-40A6-880A-6C1421FFD45F')}; ${secret('13-nFvpuv', '77D1F684-1D98-4499-B105-05294E4B3115')}; ` +
          `${secret('4-xehWok', '52ACC30B-B6C6-45FC-B128-9F914178C51B')}; ...`,
      ],
    },
    {
      name: 'the same with --decrypt-spree-threshold 30: only the parameter sprees (42 each)',
      records: invictusDecrypts,
      settings: { decryptSpreeThreshold: 30 },
      reasons: [
        `${BERT} decrypted 30 distinct encryption contexts (PARAMETER_ARN) within 1m (2023-07-10T11:58:10Z to 2023-07-10T11:58:16Z): ` +
          `${parameter(40)}; ${parameter(22)}; ${parameter(30)}; ...`,
        `${BERT} decrypted 30 distinct encryption contexts (PARAMETER_ARN) within 1m (2023-07-10T12:07:55Z to 2023-07-10T12:08:02Z): ` +
          `${parameter(32)}; ${parameter(17)}; ${parameter(36)}; ...`,
      ],
    },
    {
      name: 'negative: the secrets alone with --decrypt-spree-threshold 21 (there are 20 secrets)',
      records: () => invictusDecrypts().filter((r) => JSON.stringify(r.requestParameters).includes('SecretARN')),
      settings: { decryptSpreeThreshold: 21 },
      reasons: [],
    },
    {
      name: 'negative: the same calls failed',
      records: () => invictusDecrypts().map((r) => failed(r, 'AccessDeniedException')),
      reasons: [],
    },
    {
      name: "negative: real SANS bulk reads of CloudTrail log objects (1,132 Decrypts, one bucket's objects)",
      records: () => sansKmsRecordsOf('Decrypt'),
      reasons: [],
    },
  ],
};

describe('each rule on its cases', () => {
  for (const [id, cases] of Object.entries(CASES)) {
    describe(id, () => {
      for (const c of cases) {
        it(c.name, () => {
          expect(detect(c.records(), [id], c.settings).map((h) => h.reason)).toEqual(c.reasons);
        });
      }
    });
  }

  it('every rule has a positive and a negative case', () => {
    // The origin rules need an index of issuing calls: their cases are in origin-rules.test.ts.
    for (const rule of RULES.filter((r) => !['KMS-017', 'KMS-018'].includes(r.id))) {
      const cases = CASES[rule.id] ?? [];
      expect(cases.some((c) => c.reasons.length > 0), `${rule.id} positive`).toBe(true);
      expect(cases.some((c) => c.reasons.length === 0), `${rule.id} negative`).toBe(true);
    }
  });
});

describe('the rule catalog', () => {
  it('18 rules with stable IDs, severities and titles', () => {
    expect(RULES.map((r) => [r.id, r.severity, r.title])).toEqual([
      ['KMS-001', 'high', 'Key scheduled for deletion'],
      ['KMS-002', 'low', 'Key deletion cancelled'],
      ['KMS-003', 'medium', 'Key disabled'],
      ['KMS-004', 'high', 'Key policy allows any principal'],
      ['KMS-005', 'medium', 'Key policy allows another account'],
      ['KMS-006', 'high', 'Policy lockout safety check bypassed'],
      ['KMS-007', 'medium', 'Key policy could not be read'],
      ['KMS-008', 'medium', "Grant for a principal outside the key's account"],
      ['KMS-009', 'low', 'Decrypt grant for a principal not seen using the key'],
      ['KMS-010', 'medium', 'Automatic key rotation disabled'],
      ['KMS-011', 'high', 'Imported key material deleted'],
      ['KMS-012', 'medium', 'Key material imported'],
      ['KMS-013', 'medium', 'Burst of failed KMS calls'],
      ['KMS-014', 'medium', 'Cross-account key use'],
      ['KMS-015', 'high', 'Root account KMS call'],
      ['KMS-016', 'high', 'Decrypt spree over many encryption contexts'],
      ['KMS-017', 'medium', 'Key used by an identity from another account, through a role'],
      ['KMS-018', 'low', 'One identity reaching a key through many role sessions'],
    ]);
    for (const r of RULES) expect(r.description.length).toBeGreaterThan(20);
  });

  it('selects by ID (any case, comma lists split by the caller) and by minimum severity', () => {
    expect((selectRules(['kms-003', 'KMS-001'], undefined) as Rule[]).map((r) => r.id)).toEqual(['KMS-001', 'KMS-003']);
    expect((selectRules([], 'high') as Rule[]).map((r) => r.id)).toEqual(['KMS-001', 'KMS-004', 'KMS-006', 'KMS-011', 'KMS-015', 'KMS-016']);
    expect((selectRules(['KMS-002', 'KMS-001'], 'medium') as Rule[]).map((r) => r.id)).toEqual(['KMS-001']);
    expect(selectRules([], 'low')).toHaveLength(18);
    expect(selectRules(['KMS-001', 'KMS-99'], undefined)).toEqual({ unknown: 'KMS-99' });
  });

  it('chooseRules: built-in and Sigma rules by ID or name (any case), by level, with or without the built-in ones', () => {
    const set = parseSigmaText(
      [
        'title: Trail deleted\nid: 11111111-aaaa-4aaa-8aaa-111111111111\nlevel: critical\nlogsource:\n  product: aws\n  service: cloudtrail\n' +
          'detection:\n  sel:\n    eventName: DeleteTrail\n  condition: sel',
        'title: Console login\nname: console_login\nlevel: informational\nlogsource:\n  product: aws\n  service: cloudtrail\n' +
          'detection:\n  sel:\n    eventName: ConsoleLogin\n  condition: sel',
        'title: Many logins\nid: many-logins\nlevel: high\ncorrelation:\n  type: event_count\n  rules: [console_login]\n' +
          '  group-by: [sourceIPAddress]\n  timespan: 5m\n  condition: {gte: 10}',
      ].join('\n---\n'),
      'rules.yml',
    );
    expect(set.problems).toEqual([]);
    const wish = (ids: string[], minSeverity?: Severity, builtin = true) => chooseRules({ ids, minSeverity, builtin, sigma: set.rules });
    const ids = (c: ReturnType<typeof wish>) => ('unknown' in c ? c : [...c.builtin.map((r) => r.id), ...c.sigma.map((r) => r.ruleId)]);
    // The login rule feeds the correlation (no `generate`): it runs with it, and is not chosen by itself.
    expect(ids(wish([]))).toEqual([...RULES.map((r) => r.id), '11111111-aaaa-4aaa-8aaa-111111111111', 'many-logins']);
    expect(ids(wish([], 'critical'))).toEqual(['11111111-aaaa-4aaa-8aaa-111111111111']);
    expect(ids(wish([], 'high', false))).toEqual(['11111111-aaaa-4aaa-8aaa-111111111111', 'many-logins']);
    expect(ids(wish(['kms-001', '11111111-AAAA-4aaa-8aaa-111111111111']))).toEqual(['KMS-001', '11111111-aaaa-4aaa-8aaa-111111111111']);
    // Named, a base rule runs by itself too.
    expect(ids(wish(['CONSOLE_LOGIN']))).toEqual(['console_login']);
    expect(ids(wish(['KMS-001'], undefined, false))).toEqual([]);
    expect(wish(['KMS-001', 'Trail deleted'])).toEqual({ unknown: 'Trail deleted' });
  });

  it('parses severities', () => {
    expect(parseSeverity('HIGH')).toBe('high');
    expect(parseSeverity(' low ')).toBe('low');
    expect(parseSeverity('critical')).toBe('critical');
    expect(parseSeverity('severe')).toBeUndefined();
  });
});

describe('the engine', () => {
  it('a hit names a key account only with a key (a keyless call has no key owner)', () => {
    const hits = detect(sansRootRecords(), ['KMS-015']);
    const keyless = hits.filter((h) => h.eventName === 'ListAliases');
    expect(keyless).toHaveLength(1);
    expect(keyless[0].key).toBeUndefined();
    expect(keyless[0].keyAccount).toBeUndefined();
    const keyed = hits.filter((h) => h.key !== undefined);
    expect(keyed.length).toBeGreaterThan(0);
    for (const h of keyed) expect(h.keyAccount).toBe('342082656213');
  });

  it('a hit carries the event, principal, key, accounts and place', () => {
    expect(detect([scheduleDeletion()])).toEqual([
      {
        rule: 'KMS-001',
        severity: 'high',
        title: 'Key scheduled for deletion',
        time: '2021-03-23T18:58:30Z',
        at: Date.UTC(2021, 2, 23, 18, 58, 30),
        eventName: 'ScheduleKeyDeletion',
        eventId: '3c4226b0-1e81-48a8-a333-7fa5f3cbd118',
        principal: ALICE,
        principalAccount: '111122223333',
        key: ARN_1234,
        keyAccount: '111122223333',
        region: 'us-east-1',
        reason: `${ALICE} scheduled key ${ARN_1234} for deletion in 20 days`,
        file: 'test.json',
        line: 1,
        source: 'builtin',
        tags: ['attack.impact', 'attack.t1485'],
      },
    ]);
  });

  it('all rules over every real KMS guide and panther record: the hits, in time order', () => {
    const hits = detect([...loadRecords(K), ...loadRecords(P)]);
    expect(hits.map((h) => [h.time, h.rule, h.eventName])).toEqual([
      ['2014-11-04T00:52:43Z', 'KMS-003', 'DisableKey'],
      ['2019-01-01T00:00:00Z', 'KMS-003', 'DisableKey'],
      ['2019-01-01T00:00:00Z', 'KMS-001', 'ScheduleKeyDeletion'],
      ['2020-07-26T00:08:00Z', 'KMS-012', 'ImportKeyMaterial'],
      ['2020-07-27T21:53:17Z', 'KMS-002', 'CancelKeyDeletion'],
      ['2021-03-23T18:58:30Z', 'KMS-001', 'ScheduleKeyDeletion'],
      ['2021-10-26T23:25:25Z', 'KMS-001', 'ScheduleKeyDeletion'],
      ['2021-10-28T17:59:05Z', 'KMS-001', 'ScheduleKeyDeletion'],
      ['2022-09-01T19:31:39Z', 'KMS-010', 'DisableKeyRotation'],
      ['2024-01-01T00:00:00Z', 'KMS-004', 'PutKeyPolicy'],
    ]);
  });

  it('puts out-of-order input in time order through the reorder buffer', () => {
    const records = [disableRotation(), scheduleDeletion(), disableKey()];
    expect(detect(records).map((h) => h.eventName)).toEqual(['DisableKey', 'ScheduleKeyDeletion', 'DisableKeyRotation']);
    // With a buffer of one, each event is judged as soon as a second arrives: arrival order wins.
    expect(detect(records, [], {}, 1).map((h) => h.eventName)).toEqual(['ScheduleKeyDeletion', 'DisableKey', 'DisableKeyRotation']);
  });

  it('a record without a readable time is judged where it stands', () => {
    const hits = detect([scheduleDeletion(), derive(disableKey(), { eventTime: 'yesterday' })]);
    expect(hits.map((h) => [h.rule, h.time])).toEqual([
      ['KMS-003', 'yesterday'],
      ['KMS-001', '2021-03-23T18:58:30Z'],
    ]);
  });

  it('ignores records of other services', () => {
    const s3 = derive(disableKey(), { eventSource: 's3.amazonaws.com', eventID: 'other' });
    const engine = new DetectionEngine(RULES, DEFAULT_SETTINGS, () => {});
    engine.feed(s3);
    engine.end();
    expect(engine.stats).toEqual({ events: 0, ignored: 1, hits: 0 });
  });

  it('a burst hit starts the count again', () => {
    expect(detect(failures(25, 1), ['KMS-013']).map((h) => h.reason)).toEqual([
      `${ALICE} had 10 failed KMS calls within 5m (2024-03-01T10:00:00Z to 2024-03-01T10:00:09Z): AccessDenied x10`,
      `${ALICE} had 10 failed KMS calls within 5m (2024-03-01T10:00:10Z to 2024-03-01T10:00:19Z): AccessDenied x10`,
    ]);
  });

  it('a role counts with all its sessions in a burst', () => {
    const sessions = failures(4, 1).map((r, i) =>
      derive(adminsDecrypt(), { eventID: `s-${i}`, eventTime: r.eventTime, errorCode: 'AccessDenied', userIdentity: {
        ...(adminsDecrypt().userIdentity as JsonObject),
        arn: `arn:aws:sts::111122223333:assumed-role/Admins/session-${i}`,
      } }),
    );
    expect(detect(sessions, ['KMS-013'], { burstThreshold: 4 }).map((h) => h.reason)).toEqual([
      'arn:aws:iam::111122223333:role/Admins had 4 failed KMS calls within 5m (2024-03-01T10:00:00Z to 2024-03-01T10:00:03Z): AccessDenied x4',
    ]);
  });
});

describe('kmsEvent', () => {
  it('takes the key account from the key ARN, not from where the record was delivered', () => {
    const e = kmsEvent(foreignDecrypt('x', undefined));
    expect([e.keyId, e.key, e.keyAccount, e.principalAccount]).toEqual([
      KEY_1234,
      `arn:aws:kms:us-west-2:${OTHER}:key/${KEY_1234}`,
      OTHER,
      '111122223333',
    ]);
  });

  it('falls back to the key resource account, then recipientAccountId', () => {
    const ddb = kmsEvent(pick(DDB, { eventName: 'CreateGrant' }));
    expect([ddb.keyId, ddb.key, ddb.keyAccount]).toEqual([undefined, '', '111122223333']);
    const bare = kmsEvent(derive(disableKey(), { resources: undefined, recipientAccountId: '999988887777' }));
    expect([bare.key, bare.keyAccount]).toEqual([KEY_1234, '999988887777']);
  });

  it('quotes at most 10 open statements, each cut to 300 characters: a policy is the caller\'s text (a 100,000-character Sid made hits that long)', () => {
    const statement = (sid: string) => ({ Sid: sid, Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' });
    const policy = JSON.stringify({ Statement: [statement('S'.repeat(100_000)), ...Array.from({ length: 14 }, (_, k) => statement(`open-${k}`))] });
    const e = kmsEvent(derive(disableKey(), { eventName: 'PutKeyPolicy', requestParameters: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', policy } }));
    expect(e.policy?.open).toHaveLength(11);
    expect(e.policy?.open[0].length).toBe(300);
    expect(e.policy?.open[0].endsWith('…')).toBe(true);
    expect(e.policy?.open[1]).toBe('"open-0": Allow * kms:*');
    expect(e.policy?.open[10]).toBe('and 5 more');
  });

  it('names every key of a ReEncrypt, each with the account of its own ARN or resource; an alias alone takes a key resource\'s account', () => {
    const source = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const destination = '0987dcba-09fe-87dc-65ba-ab0987654321';
    const e = kmsEvent(
      derive(disableKey(), {
        eventName: 'ReEncrypt',
        requestParameters: { destinationKeyId: destination },
        resources: [
          { accountId: '111122223333', type: 'AWS::KMS::Key', ARN: source },
          { accountId: '444455556666', type: 'AWS::KMS::Key', ARN: `arn:aws:kms:us-east-1:444455556666:key/${destination}` },
        ],
      }),
    );
    expect(e.keys.map((k) => [k.keyId, k.keyAccount])).toEqual([
      [destination, '444455556666'],
      ['1234abcd-12ab-34cd-56ef-1234567890ab', '111122223333'],
    ]);
    expect([e.keyId, e.keyAccount]).toEqual([destination, '444455556666']);
    const byAlias = kmsEvent(
      derive(disableKey(), {
        requestParameters: { keyId: 'alias/shared' },
        resources: [{ accountId: '444455556666', type: 'AWS::KMS::Key', ARN: 'arn:aws:kms:us-east-1:444455556666:alias/shared' }],
      }),
    );
    expect([byAlias.keyId, byAlias.keyAccount, byAlias.keys.length]).toEqual(['alias/shared', '444455556666', 1]);
  });

  it('names a role session by its ARN and stands the role behind it', () => {
    const e = kmsEvent(adminsDecrypt());
    expect([e.principal, e.identity, e.principalIds]).toEqual([
      'arn:aws:sts::111122223333:assumed-role/Admins/example-user',
      'arn:aws:iam::111122223333:role/Admins',
      ['arn:aws:sts::111122223333:assumed-role/admins/example-user', 'arn:aws:iam::111122223333:role/admins', 'aroackcevsq6c2example:example-user'],
    ]);
  });
});

describe('key policies', () => {
  it('reads a policy string, an already parsed policy, and reports what does not parse', () => {
    const real = readKeyPolicy((putKeyPolicy().requestParameters as JsonObject).policy);
    expect(real && real.ok && real.statements).toEqual([
      {
        sid: 'Enable IAM User Permissions',
        effect: 'Allow',
        principals: [['AWS', 'arn:aws:iam::111122223333:root']],
        notPrincipal: false,
        actions: ['kms:*'],
        notAction: false,
        conditions: [],
      },
    ]);
    expect(readKeyPolicy({ Statement: { Effect: 'Allow', Principal: '*', Action: 'kms:*' } })).toMatchObject({ ok: true });
    expect(readKeyPolicy(undefined)).toBeUndefined();
    expect(readKeyPolicy(null)).toBeUndefined();
    expect(readKeyPolicy('[1]')).toEqual({ ok: false, error: 'not a JSON object' });
    expect(readKeyPolicy('{"Statement": "x"}')).toEqual({ ok: false, error: 'no Statement' });
    expect(readKeyPolicy('{"Statement": [1]}')).toEqual({ ok: false, error: 'a Statement entry is not an object' });
    expect(readKeyPolicy('{')).toMatchObject({ ok: false });
  });

  it('finds open statements and allowed accounts in the real panther policy', () => {
    const panther = pick(P, { eventName: 'PutKeyPolicy', eventID: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx' });
    const reading = readKeyPolicy((panther.requestParameters as JsonObject).policy);
    if (!reading?.ok) throw new Error('panther policy should parse');
    expect(openStatements(reading.statements)).toEqual([]);
    expect(allowedAccounts(reading.statements)).toEqual(['123456789012']);
    expect(policyDigest(reading)).toBe(
      '4 statements: Allow arn:aws:iam::123456789012:root kms:*; ' +
        'Allow arn:aws:iam::123456789012:role/ExampleRoleAssumption1,arn:aws:iam::123456789012:role/ExampleRoleAssumption2 kms:Decrypt,kms:DescribeKey; ' +
        'Allow * kms:Decrypt when aws:PrincipalOrgID,aws:PrincipalArn; Allow * kms:Decrypt when aws:PrincipalOrgID,aws:PrincipalArn',
    );
  });

  it('NotPrincipal in an Allow statement is open; IfExists and "*" values do not restrict', () => {
    const open = (statement: JsonObject) => {
      const r = readKeyPolicy({ Statement: [statement] });
      return r?.ok ? openStatements(r.statements).length : -1;
    };
    expect(open({ Effect: 'Allow', NotPrincipal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*' })).toBe(1);
    expect(open({ Effect: 'Allow', Principal: '*', Action: 'kms:*', Condition: { StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-1' } } })).toBe(1);
    expect(open({ Effect: 'Allow', Principal: '*', Action: 'kms:*', Condition: { StringLike: { 'aws:PrincipalArn': '*' } } })).toBe(1);
    expect(open({ Effect: 'Allow', Principal: '*', Action: 'kms:*', Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } } })).toBe(1);
    expect(open({ Effect: 'Allow', Principal: '*', Action: 'kms:*', Condition: { StringEquals: { 'aws:sourcevpce': 'vpce-1' } } })).toBe(0);
    expect(open({ Effect: 'Allow', Principal: { Service: '*' }, Action: 'kms:*' })).toBe(0);
  });
});

describe('bounded state', () => {
  it('keeps at most the limit, always the most recently touched half', () => {
    const map = new BoundedMap<number, number>(4);
    for (let i = 0; i < 4; i++) map.set(i, i);
    expect(map.size).toBe(4);
    expect(map.get(0)).toBe(0); // touched: moves to the current generation
    map.set(4, 4);
    map.set(5, 5);
    expect(map.size).toBeLessThanOrEqual(4);
    expect([0, 4, 5].map((k) => map.has(k))).toEqual([true, true, true]);
    for (let i = 100; i < 10_000; i++) map.set(i, i);
    expect(map.size).toBeLessThanOrEqual(4);
    expect(map.has(9_999) && map.has(9_998)).toBe(true);
  });

  it('a set answers whether a value was new', () => {
    const set = new BoundedSet<string>(10);
    expect(set.add('a')).toBe(true);
    expect(set.add('a')).toBe(false);
    expect(set.has('a')).toBe(true);
    expect(set.has('b')).toBe(false);
  });
});
