/**
 * The principal of a record, in each form CloudTrail names it, on real records.
 */
import { describe, expect, it } from 'vitest';
import { principalAccount, principalArn, principalNames, roleArn, shortPrincipal } from '../../../src/cloudtrail/principal.js';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { derive, fixtureFiles, loadRecords, pick, K, P, UG, DDB, TS, ZM, SM } from '../fixtures.js';

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

  it('roleArn: a role session belongs to the issuer role; other principals to no role', () => {
    expect(roleArn(admins)).toBe('arn:aws:iam::111122223333:role/Admins');
    expect(roleArn(ec2Role)).toBe('arn:aws:iam::111122223333:role/aws:ec2-infrastructure');
    // Without the session context, the role is read from the session ARN.
    const noIssuer = derive(admins, { userIdentity: { ...(admins.userIdentity as JsonObject), sessionContext: undefined } });
    expect(roleArn(noIssuer)).toBe('arn:aws:iam::111122223333:role/Admins');
    // The issuer's ARN keeps a role path that the session ARN has lost.
    const withPath = derive(admins, {
      userIdentity: {
        ...(admins.userIdentity as JsonObject),
        sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/ops/Admins' } },
      },
    });
    expect(roleArn(withPath)).toBe('arn:aws:iam::111122223333:role/ops/Admins');
    for (const other of [alice, workmail, internal, root]) expect(roleArn(other)).toBeUndefined();
  });

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
    // A session record with no sessionIssuer: summary --by role counts it under the role's ARN
    // drawn from the session's, so --user with that row's value finds it too.
    expect(roleArn(myAppRole)).toBe('arn:aws:iam::123456789012:role/MyAppRole');
    expect(principalNames(myAppRole)).toContain('arn:aws:iam::123456789012:role/MyAppRole');
  });

  it('principalAccount: accountId, else the ARN, else nothing', () => {
    expect(principalAccount(alice)).toBe('111122223333');
    expect(principalAccount(myAppRole)).toBe('123456789012'); // only in the ARN
    expect(principalAccount(workmail)).toBeUndefined();
    expect(principalAccount(insight)).toBeUndefined();
    expect(principalAccount(internal)).toBe('111122223333');
  });
});

describe('principalArn', () => {
  it('the ARN given, or the one an IAM user or root named without it has', () => {
    const arn = 'arn:aws:iam::111122223333:user/dev/alice';
    expect(principalArn({ userIdentity: { type: 'IAMUser', arn, accountId: '111122223333', userName: 'alice' } })).toBe(arn);
    // CheckMfa and sign-in records name the user without its ARN.
    expect(principalArn({ userIdentity: { type: 'IAMUser', accountId: '111122223333', userName: 'bert-jan' } })).toBe('arn:aws:iam::111122223333:user/bert-jan');
    expect(principalArn({ userIdentity: { type: 'Root', accountId: '111122223333' } })).toBe('arn:aws:iam::111122223333:root');
    // Nothing to build it from, or not a long-term identity: none.
    expect(principalArn({ userIdentity: { type: 'IAMUser', userName: 'bert-jan' } })).toBeUndefined();
    expect(principalArn({ userIdentity: { type: 'AWSService', invokedBy: 'kms.amazonaws.com', accountId: '111122223333' } })).toBeUndefined();
    expect(principalArn({})).toBeUndefined();
  });
});
