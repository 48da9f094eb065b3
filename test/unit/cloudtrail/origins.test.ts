/**
 * Origins: from a record's principal back along the issued credentials to the identity behind it.
 * Hand-made chains in test/fixtures/sessions/ (see its README), the real invictus-ir trail (bert-jan's
 * sessions, read from ../shared, never copied), and real Identity Center and federation records.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ISSUING_PREFILTER_FIELDS,
  STS_ISSUING_EVENTS,
  isIssuingCall,
  issuanceOf,
  mayBeIssuingCall,
  parseCredentialExpiration,
  issuanceLookbackMs,
  MAX_CREDENTIAL_LIFETIME_MS,
  type Issuance,
} from '../../../src/cloudtrail/issuance.js';
import { MAX_CHAIN_LINKS, originNames, originOf, renderChain, type Origin } from '../../../src/cloudtrail/origins.js';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { SessionIndex } from '../../../src/cloudtrail/session-index.js';
import { readTrail } from '../../../src/reader/trail-reader.js';
import { fileInput } from '../../../src/sources/local-files.js';
import { compileTextPatterns } from '../../../src/util/text-pattern.js';
import { FIXTURES, SHARED } from '../../helpers/run-cli.js';
import { loadRecords } from '../fixtures.js';

const SESSIONS = join(FIXTURES, 'sessions');
const INVICTUS = join(SHARED, 'samples', 'trees', 'invictus-ir');

function load(file: string): JsonObject[] {
  return (JSON.parse(readFileSync(join(SESSIONS, file), 'utf8')) as { Records: JsonObject[] }).Records;
}

/** The first pass: only records whose hot fields may be an issuing call reach issuanceOf. */
function indexOf(records: readonly JsonObject[], maxKeys?: number): SessionIndex {
  const index = new SessionIndex(maxKeys);
  for (const record of records) {
    if (isIssuingCall(record.eventSource as string | undefined, record.eventName as string | undefined)) index.addRecord(record);
  }
  return index;
}

function byEventID(records: readonly JsonObject[], eventID: string): JsonObject {
  const found = records.filter((r) => r.eventID === eventID);
  expect(found).toHaveLength(1);
  return found[0];
}

/** The record that issued this key, found in the data itself (not through the code under test). */
function issuerOf(records: readonly JsonObject[], accessKeyId: string): JsonObject {
  const issued = (r: JsonObject) => ((r.responseElements as JsonObject | null)?.credentials as JsonObject | undefined)?.accessKeyId;
  const found = records.filter((r) => issued(r) === accessKeyId);
  expect(found).toHaveLength(1);
  return found[0];
}

const keyOf = (record: JsonObject) => (record.userIdentity as JsonObject).accessKeyId as string;
const callerKeyOf = keyOf;
const principals = (origin: Origin) => origin.chain.map((l) => l.principal);
const vias = (origin: Origin) => origin.chain.map((l) => l.via);

describe('isIssuingCall and mayBeIssuingCall (hot fields only)', () => {
  it('STS calls that issue credentials, and nothing else', () => {
    for (const name of ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'GetSessionToken', 'GetFederationToken']) {
      expect(isIssuingCall('sts.amazonaws.com', name)).toBe(true);
      expect(STS_ISSUING_EVENTS.has(name)).toBe(true);
    }
    expect(isIssuingCall('sts.amazonaws.com', 'GetCallerIdentity')).toBe(false);
    expect(isIssuingCall('kms.amazonaws.com', 'Decrypt')).toBe(false);
    expect(isIssuingCall('iam.amazonaws.com', 'AssumeRole')).toBe(false);
    expect(isIssuingCall('sso.amazonaws.com', 'GetRoleCredentials')).toBe(false);
  });

  it('a field the splitter did not see cannot rule a record out', () => {
    expect(isIssuingCall(undefined, 'AssumeRole')).toBe(true);
    expect(isIssuingCall('sts.amazonaws.com', undefined)).toBe(true);
    expect(isIssuingCall(undefined, undefined)).toBe(true);
    expect(isIssuingCall(undefined, 'Decrypt')).toBe(false);
  });

  it('one field at a time, as the reader prefilter asks', () => {
    expect(mayBeIssuingCall('eventSource', 'sts.amazonaws.com')).toBe(true);
    expect(mayBeIssuingCall('eventSource', 'kms.amazonaws.com')).toBe(false);
    expect(mayBeIssuingCall('eventName', 'AssumeRoleWithSAML')).toBe(true);
    expect(mayBeIssuingCall('eventName', 'GetCallerIdentity')).toBe(false);
    expect(mayBeIssuingCall('eventTime', '2024-03-01T00:00:00Z')).toBe(true);
  });

  it('a first pass through the real reader, prefiltered on hot fields, finds every issuance of the invictus-ir trail', async () => {
    const files = readdirSync(INVICTUS).filter((f) => f.endsWith('.json')).sort();
    const prefiltered = new SessionIndex();
    let parsed = 0;
    for (const file of files) {
      const input = fileInput(join(INVICTUS, file), undefined);
      const options = { prefilter: { fields: ISSUING_PREFILTER_FIELDS, accept: mayBeIssuingCall }, onFault: () => expect.unreachable() };
      for await (const batch of readTrail(input, options)) {
        for (const { record } of batch) {
          parsed++;
          prefiltered.addRecord(record);
        }
      }
    }
    const all = invictusRecords();
    const expected = all.filter((r) => r.eventSource === 'sts.amazonaws.com' && !r.errorCode && (r.responseElements as JsonObject | null)?.credentials);
    expect(expected.length).toBeGreaterThan(30);
    expect(prefiltered.size).toBe(new Set(expected.map((r) => ((r.responseElements as JsonObject).credentials as JsonObject).accessKeyId)).size);
    // Only STS records were parsed at all.
    expect(parsed).toBe(all.filter((r) => r.eventSource === 'sts.amazonaws.com' && STS_ISSUING_EVENTS.has(r.eventName as string)).length);
    expect(parsed).toBeLessThan(all.length / 10);
  });
});

describe('issuanceOf', () => {
  it("what bert-jan's real AssumeRole says", () => {
    const records = invictusRecords();
    const call = issuerOf(records, 'ASIATFQR7NSCWLLE7IWW');
    const issuance = issuanceOf(call)!;
    expect(issuance.accessKeyId).toBe('ASIATFQR7NSCWLLE7IWW');
    expect(issuance.via).toBe('AssumeRole');
    expect(issuance.eventID).toBe(call.eventID);
    expect(issuance.eventTime).toBe('2023-07-10T11:54:47Z');
    expect(issuance.caller).toMatchObject({ type: 'IAMUser', userName: 'bert-jan', accessKeyId: 'AKIATFQR7NSC8Q4X20BJ' });
    expect(issuance.roleArn).toBe('arn:aws:iam::123837392027:role/stratus-red-team-ec2-get-password-data-role');
    expect(issuance.sessionName).toBe('aws-go-sdk-1688990082523310002');
    // "Jul 10, 2023, 12:09:47 PM": 900 seconds after the call
    expect(issuance.expiresAt).toBe(Date.parse('2023-07-10T11:54:47Z') + 900_000);
    expect(issuance.account).toBe('123837392027');
  });

  it('failed calls and calls that issue nothing give nothing', () => {
    const records = invictusRecords();
    const denied = records.filter((r) => r.eventName === 'AssumeRole' && r.errorCode === 'AccessDenied');
    expect(denied.length).toBeGreaterThan(0);
    for (const record of denied) expect(issuanceOf(record)).toBeUndefined();
    const whoAmI = records.find((r) => r.eventName === 'GetCallerIdentity')!;
    expect(issuanceOf(whoAmI)).toBeUndefined();
    const decrypt = records.find((r) => r.eventName === 'Decrypt')!;
    expect(issuanceOf(decrypt)).toBeUndefined();
    // A successful-looking call whose response lost its credentials issued nothing we can follow.
    const call = { ...issuerOf(records, 'ASIATFQR7NSCWLLE7IWW'), responseElements: null };
    expect(issuanceOf(call)).toBeUndefined();
  });

  it('SAML: subject, provider and source identity', () => {
    const [call] = load('saml.json');
    const issuance = issuanceOf(call)!;
    expect(issuance.via).toBe('AssumeRoleWithSAML');
    expect(issuance.subject).toBe('priya@corp.example');
    expect(issuance.provider).toBe('arn:aws:iam::111122223333:saml-provider/Okta');
    expect(issuance.sourceIdentity).toBe('priya');
    expect(issuance.caller).toEqual({
      type: 'SAMLUser',
      principalId: 'Vz1dHcKMZxVQXyMpUAf8NGvm8gU=:priya@corp.example',
      userName: 'priya@corp.example',
      identityProvider: 'Vz1dHcKMZxVQXyMpUAf8NGvm8gU=',
    });
  });

  it('the caller is kept trimmed to the fields that name it', () => {
    const chained = byEventID(load('role-chains.json'), 'b2break0-0000-4000-8000-000000000012');
    const caller = issuanceOf(chained)!.caller;
    expect(caller.sessionContext).toEqual({
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAADMINQQQQQQQQQQQQ',
        arn: 'arn:aws:iam::111122223333:role/Admin',
        accountId: '111122223333',
        userName: 'Admin',
      },
      sourceIdentity: 'bob@corp.example',
    });
  });

  it('GetFederationToken: the federated user and its name (real Stratus Red Team record)', () => {
    const call = loadShared('DataDog__stratus-red-team.json').find((r) => r.eventName === 'GetFederationToken')!;
    const issuance = issuanceOf(call)!;
    expect(issuance.accessKeyId).toBe('ASIASTJKC5GCM7ZE6LUP');
    expect(issuance.sessionName).toBe('stratus_red_team');
    expect(issuance.expiresAt).toBe(Date.UTC(2024, 10, 30, 20, 43, 17));
  });
});

describe('parseCredentialExpiration', () => {
  it('the forms CloudTrail and exports write', () => {
    expect(parseCredentialExpiration('Jul 10, 2023, 12:09:47 PM')).toBe(Date.UTC(2023, 6, 10, 12, 9, 47));
    expect(parseCredentialExpiration('Jul 10, 2023, 12:09:47 AM')).toBe(Date.UTC(2023, 6, 10, 0, 9, 47));
    expect(parseCredentialExpiration('Oct 8, 2024, 4:15:32 PM')).toBe(Date.UTC(2024, 9, 8, 16, 15, 32));
    expect(parseCredentialExpiration('Jul 30, 2024 9:53:13 PM')).toBe(Date.UTC(2024, 6, 30, 21, 53, 13));
    expect(parseCredentialExpiration('2024-03-01T11:00:00Z')).toBe(Date.UTC(2024, 2, 1, 11));
    expect(parseCredentialExpiration(1709290800000)).toBe(1709290800000);
    expect(parseCredentialExpiration(1709290800)).toBe(1709290800000);
  });

  it('nonsense is undefined', () => {
    expect(parseCredentialExpiration('Feb 30, 2024, 1:00:00 PM')).toBeUndefined();
    expect(parseCredentialExpiration('Foo 1, 2024, 1:00:00 PM')).toBeUndefined();
    expect(parseCredentialExpiration('Mar 1, 2024, 13:00:00 PM')).toBeUndefined();
    expect(parseCredentialExpiration('')).toBeUndefined();
    expect(parseCredentialExpiration(null)).toBeUndefined();
  });
});

describe('issuanceLookbackMs', () => {
  const HOUR = 3_600_000;
  it("36 h for a record's own key; a whole chain reaches back by its callers' lifetimes", () => {
    expect(MAX_CREDENTIAL_LIFETIME_MS).toBe(129_600_000);
    expect(issuanceLookbackMs(0)).toBe(36 * HOUR);
    expect(issuanceLookbackMs()).toBe(48 * HOUR);
    expect(issuanceLookbackMs(3)).toBe(50 * HOUR);
  });
});

describe('role chains (fixtures)', () => {
  const records = load('role-chains.json');
  const index = indexOf(records);

  it('the denied try issued nothing: five issued keys', () => {
    expect(index.size).toBe(5);
    expect(index.capped).toBe(false);
  });

  it('two hops: alice → Admin → BreakGlass → Decrypt', () => {
    const decrypt = byEventID(records, 'a3decr00-0000-4000-8000-000000000008');
    const origin = originOf(decrypt, index);
    expect(origin.kind).toBe('iam-user');
    expect(origin.identity).toBe('arn:aws:iam::111122223333:user/alice');
    expect(origin.label).toBe('alice');
    expect(origin.account).toBe('111122223333');
    expect(renderChain(origin)).toBe('alice → Admin → BreakGlass');
    const breakGlassCall = issuerOf(records, keyOf(decrypt));
    const adminCall = issuerOf(records, callerKeyOf(breakGlassCall));
    expect(principals(origin)).toEqual([
      (adminCall.userIdentity as JsonObject).arn,
      (breakGlassCall.userIdentity as JsonObject).arn,
      (decrypt.userIdentity as JsonObject).arn,
    ]);
    expect(vias(origin)).toEqual(['access-key', 'AssumeRole', 'AssumeRole']);
    expect(origin.chain.map((l) => l.eventID)).toEqual([undefined, adminCall.eventID, breakGlassCall.eventID]);
    expect(origin.chain.map((l) => l.eventTime)).toEqual([undefined, adminCall.eventTime, breakGlassCall.eventTime]);
    expect(origin.chain[0].accessKeyId).toBe((adminCall.userIdentity as JsonObject).accessKeyId);
    expect(origin.sourceIdentity).toBeUndefined();
  });

  it('three hops, with the source identity reported beside the chain', () => {
    const decrypt = byEventID(records, 'b4decr00-0000-4000-8000-000000000016');
    const origin = originOf(decrypt, index);
    expect(origin.kind).toBe('iam-user');
    expect(origin.identity).toBe('arn:aws:iam::111122223333:user/bob');
    expect(renderChain(origin)).toBe('bob → Admin → BreakGlass → KeyAdmin');
    expect(vias(origin)).toEqual(['access-key', 'AssumeRole', 'AssumeRole', 'AssumeRole']);
    expect(origin.sourceIdentity).toBe('bob@corp.example');
    // each link's eventID is the call that issued the key that link used
    for (const link of origin.chain.slice(1)) expect(link.eventID).toBe(issuerOf(records, link.accessKeyId!).eventID);
  });

  it('the issuing calls have origins too: a hop shorter', () => {
    const call = byEventID(records, 'b3keyadm-0000-4000-8000-000000000014');
    expect(renderChain(originOf(call, index))).toBe('bob → Admin → BreakGlass');
    const first = byEventID(records, 'a1admin0-0000-4000-8000-000000000004');
    const origin = originOf(first, index);
    expect(renderChain(origin)).toBe('alice');
    expect(vias(origin)).toEqual(['access-key']);
  });

  it('--origin names: every link, the origin and the source identity, as --user forms', () => {
    const origin = originOf(byEventID(records, 'b4decr00-0000-4000-8000-000000000016'), index);
    const names = originNames(origin);
    for (const name of [
      'arn:aws:iam::111122223333:user/bob',
      'bob',
      'AKIABOBEXAMPLE000002',
      'Admin',
      'arn:aws:iam::111122223333:role/BreakGlass',
      'bob-bg',
      'arn:aws:sts::111122223333:assumed-role/KeyAdmin/bob-ka',
      'ASIABBBBEXAMPLE00003',
      'bob@corp.example',
    ]) {
      expect(names).toContain(name);
    }
    expect(names).not.toContain('alice');
    const breakGlass = compileTextPatterns(['*BreakGlass*']);
    expect(names.some(breakGlass)).toBe(true);
    const alice = compileTextPatterns(['ALICE']);
    expect(names.some(alice)).toBe(false);
    expect(originNames(originOf(byEventID(records, 'a3decr00-0000-4000-8000-000000000008'), index)).some(alice)).toBe(true);
  });
});

describe('federation and services (fixtures)', () => {
  it('SAML user → role', () => {
    const records = load('saml.json');
    const origin = originOf(records[1], indexOf(records));
    expect(origin.kind).toBe('saml-user');
    expect(origin.identity).toBe('priya@corp.example');
    expect(origin.provider).toBe('arn:aws:iam::111122223333:saml-provider/Okta');
    expect(origin.sourceIdentity).toBe('priya');
    expect(renderChain(origin)).toBe('priya@corp.example → SAML-Engineers');
    expect(origin.chain[1]).toMatchObject({ via: 'AssumeRoleWithSAML', eventID: records[0].eventID });
    expect(origin.account).toBe('111122223333'); // the account of the role they entered
    // The sign-in call itself is the same person through the same provider (its userIdentity
    // names the provider only by a hash): --origin <provider ARN> finds both records.
    const signIn = originOf(records[0], indexOf(records));
    expect(signIn.kind).toBe('saml-user');
    expect(signIn.provider).toBe(origin.provider);
    expect(signIn.account).toBe(origin.account);
  });

  it('web identity → role', () => {
    const records = load('web-identity.json');
    const origin = originOf(records[1], indexOf(records));
    expect(origin.kind).toBe('web-identity-user');
    expect(origin.identity).toBe('repo:acme/payments:ref:refs/heads/main');
    expect(origin.provider).toBe('arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com');
    expect(renderChain(origin)).toBe('repo:acme/payments:ref:refs/heads/main → GitHubActionsDeploy');
    expect(origin.chain[1]).toMatchObject({ via: 'AssumeRoleWithWebIdentity', eventID: records[0].eventID });
  });

  it("GetSessionToken: the user's own session, and a role assumed with it", () => {
    const records = load('session-token.json');
    const index = indexOf(records);
    const own = originOf(records[1], index);
    expect(own.kind).toBe('iam-user');
    expect(own.identity).toBe('arn:aws:iam::111122223333:user/carol');
    expect(vias(own)).toEqual(['access-key', 'GetSessionToken']);
    expect(own.chain.map((l) => l.accessKeyId)).toEqual(['AKIACAROLEXAMPLE0001', 'ASIACAROLEXAMPLE0001']);
    expect(renderChain(own)).toBe('carol → carol (GetSessionToken)');
    const viaRole = originOf(records[3], index);
    expect(renderChain(viaRole)).toBe('carol → carol (GetSessionToken) → Admin');
    expect(viaRole.chain.map((l) => l.eventID)).toEqual([undefined, records[0].eventID, records[2].eventID]);
  });

  it('GetFederationToken: the IAM user that federated, with or without the call in the logs', () => {
    const records = load('federation-token.json');
    const index = indexOf(records);
    const dana = originOf(records[1], index);
    expect(dana.kind).toBe('iam-user');
    expect(dana.identity).toBe('arn:aws:iam::111122223333:user/federation-broker');
    expect(renderChain(dana)).toBe('federation-broker → dana');
    expect(dana.chain[1]).toMatchObject({
      via: 'GetFederationToken',
      eventID: records[0].eventID,
      principal: 'arn:aws:sts::111122223333:federated-user/dana',
    });
    // erin's GetFederationToken is not in the logs, but her record names the IAM user that called it
    const erin = originOf(records[2], index);
    expect(erin.kind).toBe('iam-user');
    expect(erin.identity).toBe('arn:aws:iam::111122223333:user/federation-broker');
    expect(erin.chain[1].via).toBe('GetFederationToken');
    expect(erin.chain[1].eventID).toBeUndefined();
    expect(originNames(erin)).toContain('erin');
  });

  it('GetFederationToken on real data: the Stratus federated user resolves to its IAM user', () => {
    const records = loadShared('DataDog__stratus-red-team.json');
    const index = indexOf(records);
    const federated = records.filter((r) => (r.userIdentity as JsonObject | undefined)?.type === 'FederatedUser');
    expect(federated.length).toBeGreaterThan(0);
    for (const record of federated) {
      const origin = originOf(record, index);
      expect(origin.identity).toBe('arn:aws:iam::742491224508:user/stratus-red-team-user-federation-user');
      expect(origin.chain[1].eventID).toBe(records.find((r) => r.eventName === 'GetFederationToken')!.eventID);
    }
  });

  it('a service-assumed role: Lambda', () => {
    const records = load('service.json');
    const origin = originOf(records[1], indexOf(records));
    expect(origin.kind).toBe('aws-service');
    expect(origin.identity).toBe('lambda.amazonaws.com');
    expect(renderChain(origin)).toBe('lambda.amazonaws.com → billing-lambda-exec');
    expect(origin.chain[1]).toMatchObject({ via: 'AssumeRole', eventID: records[0].eventID });
    expect(origin.account).toBeUndefined();
  });
});

describe('IAM Identity Center', () => {
  const records = load('identity-center.json');
  const index = indexOf(records);

  it('a permission-set session without an issuing call: the user its session is named after', () => {
    const origin = originOf(records[0], index);
    expect(origin.kind).toBe('identity-center-user');
    expect(origin.identity).toBe('jane.doe@corp.example');
    expect(renderChain(origin)).toBe('jane.doe@corp.example → AWSReservedSSO_KeyOperators_0123456789abcdef');
    expect(origin.chain[1].via).toBe('identity-center');
    expect(origin.chain[1].eventID).toBeUndefined();
  });

  it('a role merely named AWSReservedSSO_…, not under aws-reserved/: its session name is nobody, the session unresolved', () => {
    // Anyone may name a role so and pick its session names; only AWS makes roles under aws-reserved/.
    const record = structuredClone(records[0]);
    const issuer = ((record.userIdentity as JsonObject).sessionContext as JsonObject).sessionIssuer as JsonObject;
    issuer.arn = 'arn:aws:iam::111122223333:role/AWSReservedSSO_KeyOperators_0123456789abcdef';
    const origin = originOf(record, index);
    expect(origin.kind).toBe('unresolved');
    expect(origin.chain.some((link) => link.via === 'identity-center')).toBe(false);
  });

  it("the same user's session whose AssumeRoleWithSAML is in the logs: the call is the link", () => {
    const origin = originOf(records[2], index);
    expect(origin.kind).toBe('identity-center-user');
    expect(origin.identity).toBe('jane.doe@corp.example');
    expect(origin.chain[1]).toMatchObject({ via: 'AssumeRoleWithSAML', eventID: records[1].eventID });
  });

  it('a call on behalf of an Identity Center user: its user ID', () => {
    const origin = originOf(records[3], index);
    expect(origin.kind).toBe('identity-center-user');
    expect(origin.identity).toBe('544894e8-80c1-707f-60e3-3ba6510dfac1');
    expect(originNames(origin)).toContain('544894e8-80c1-707f-60e3-3ba6510dfac1');
  });

  it("an application's session on behalf of a user: the user, unless the application's own AssumeRole is in the logs", () => {
    const record = records[4];
    const origin = originOf(record, index);
    expect(origin.kind).toBe('identity-center-user');
    expect(origin.identity).toBe('544894e8-80c1-707f-60e3-3ba6510dfac1');
    expect(renderChain(origin)).toBe('544894e8-80c1-707f-60e3-3ba6510dfac1 → QueryEditorApp');
    // the session name is the application's, not the user's
    expect(originNames(origin)).toContain('app-session-7');
    expect(origin.chain[0].principal).not.toContain('app-session-7');
    const withCall = new SessionIndex();
    withCall.add({ accessKeyId: keyOf(record), via: 'AssumeRole', eventID: 'app-call', caller: { type: 'AWSService', invokedBy: 'qbusiness.amazonaws.com' } });
    const followed = originOf(record, withCall);
    expect(followed).toMatchObject({ kind: 'aws-service', identity: 'qbusiness.amazonaws.com' });
    expect(originNames(followed)).toContain('544894e8-80c1-707f-60e3-3ba6510dfac1');
  });

  it('real records: panther-analysis console sessions and a Stratus session with a mangled ARN', () => {
    const panther = loadRecords('panther-labs__panther-analysis.json').filter((r) =>
      String((r.userIdentity as JsonObject | undefined)?.arn ?? '').includes('AWSReservedSSO_'),
    );
    expect(panther.length).toBeGreaterThan(0);
    for (const record of panther) {
      const origin = originOf(record, new SessionIndex());
      expect(origin).toMatchObject({ kind: 'identity-center-user', identity: 'example.user' });
    }
    // anonymised as `assumed-role/AWSReservedSSOrandom…@gmail.com`: the session name comes from the principal ID
    const stratus = loadShared('DataDog__stratus-red-team.json').filter((r) =>
      String((r.userIdentity as JsonObject | undefined)?.principalId ?? '').includes('@gmail.com'),
    );
    expect(stratus.length).toBeGreaterThan(0);
    for (const record of stratus) {
      const origin = originOf(record, new SessionIndex());
      expect(origin.kind).toBe('identity-center-user');
      expect(origin.identity).toBe(String((record.userIdentity as JsonObject).principalId).split(':')[1]);
    }
  });
});

describe('what cannot be resolved', () => {
  it('a missing issuing call: unresolved, with the last known link and what follows it', () => {
    const records = load('missing-issuer.json');
    const index = indexOf(records);
    const origin = originOf(records[1], index);
    expect(origin.kind).toBe('unresolved');
    expect(origin.reason).toBe('missing-issuer');
    expect(origin.identity).toBe('arn:aws:sts::111122223333:assumed-role/Admin/night-job');
    expect(origin.label).toBe('?');
    expect(renderChain(origin)).toBe('? → Admin → BreakGlass');
    expect(origin.chain[0].accessKeyId).toBe('ASIAMISSINGEXAMPLE01');
    expect(origin.chain[0].via).toBeUndefined();
    expect(origin.chain[0].eventID).toBeUndefined();
    expect(origin.chain[1]).toMatchObject({ via: 'AssumeRole', eventID: records[0].eventID });
    expect(originNames(origin)).toContain('Admin');
    // the call itself: its own principal is the last known link
    expect(renderChain(originOf(records[0], index))).toBe('? → Admin');
  });

  it('a key used before the call that issued it, or after its credentials expired: unresolved, never a guess; clocks may differ by minutes', () => {
    const records = load('role-chains.json');
    const index = indexOf(records);
    const decrypt = byEventID(records, 'a3decr00-0000-4000-8000-000000000008');
    // BreakGlass was assumed at 10:05:00 and its credentials expire at 11:05:00.
    const at = (time: string) => originOf({ ...decrypt, eventTime: time }, index);
    for (const time of ['2024-03-01T10:06:00Z', '2024-03-01T10:01:00Z', '2024-03-01T11:09:00Z']) expect(at(time).kind, time).toBe('iam-user');
    for (const time of ['2024-03-01T09:59:00Z', '2024-03-01T11:11:00Z', '2024-03-02T10:06:00Z']) {
      expect(at(time), time).toMatchObject({ kind: 'unresolved', reason: 'issued-out-of-time', label: '?' });
      expect(originNames(at(time))).toContain('unresolved');
    }
    expect(originNames(at('2024-03-01T10:06:00Z'))).not.toContain('unresolved');
    // Unknown times say nothing against the call.
    expect(originOf({ ...decrypt, eventTime: undefined }, index).kind).toBe('iam-user');
    // No expiration in the response: the durationSeconds asked for (15 minutes here) says when it ends.
    const asked = records.map((r) => {
      if (r.eventID !== 'a2break0-0000-4000-8000-000000000006') return r;
      const copy = JSON.parse(JSON.stringify(r)) as JsonObject;
      delete ((copy.responseElements as JsonObject).credentials as JsonObject).expiration;
      (copy.requestParameters as JsonObject).durationSeconds = 900;
      return copy;
    });
    const short = (time: string) => originOf({ ...decrypt, eventTime: time }, indexOf(asked)).kind;
    expect([short('2024-03-01T10:24:00Z'), short('2024-03-01T10:26:00Z')]).toEqual(['iam-user', 'unresolved']);
  });

  it('no index at all: every session unresolved, but users, root and services are still themselves', () => {
    const empty = new SessionIndex();
    const records = load('role-chains.json');
    expect(originOf(byEventID(records, 'a3decr00-0000-4000-8000-000000000008'), empty)).toMatchObject({ kind: 'unresolved', reason: 'missing-issuer' });
    expect(originOf(records[1], empty)).toMatchObject({ kind: 'iam-user', identity: 'arn:aws:iam::111122223333:user/alice' });
    expect(originOf(load('service.json')[0], empty)).toMatchObject({ kind: 'aws-service', identity: 'lambda.amazonaws.com' });
    const root = loadRecords('awsdocs__aws-cloudtrail-user-guide.json').find((r) => (r.userIdentity as JsonObject | undefined)?.type === 'Root')!;
    expect(originOf(root, empty)).toMatchObject({ kind: 'root', label: 'root', identity: 'arn:aws:iam::111122223333:root' });
  });

  it('a cycle ends, unresolved', () => {
    const records = load('cycle.json');
    const origin = originOf(records[2], indexOf(records));
    expect(origin.kind).toBe('unresolved');
    expect(origin.reason).toBe('cycle');
    expect(origin.chain.length).toBeLessThanOrEqual(3);
  });

  it(`a chain longer than ${MAX_CHAIN_LINKS} links ends, unresolved`, () => {
    const index = new SessionIndex();
    const hops = MAX_CHAIN_LINKS + 8;
    const key = (i: number) => `ASIALONG${String(i).padStart(12, '0')}`;
    const sessionOf = (i: number): JsonObject => ({
      type: 'AssumedRole',
      arn: `arn:aws:sts::111122223333:assumed-role/R${i}/s${i}`,
      accessKeyId: key(i),
      sessionContext: { sessionIssuer: { type: 'Role', userName: `R${i}` } },
    });
    for (let i = 1; i <= hops; i++) {
      const caller = i === 1 ? { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accessKeyId: 'AKIALONG000000000001' } : sessionOf(i - 1);
      const issuance: Issuance = { accessKeyId: key(i), via: 'AssumeRole', eventID: `e${i}`, caller };
      index.add(issuance);
    }
    const origin = originOf({ userIdentity: sessionOf(hops) }, index);
    expect(origin).toMatchObject({ kind: 'unresolved', reason: 'too-long' });
    expect(origin.chain).toHaveLength(MAX_CHAIN_LINKS);
    // one hop fewer than the limit still resolves
    const short = originOf({ userIdentity: sessionOf(MAX_CHAIN_LINKS - 2) }, index);
    expect(short.kind).toBe('iam-user');
    expect(short.chain).toHaveLength(MAX_CHAIN_LINKS - 1);
  });

  it('a cross-account caller named by account only', () => {
    const origin = originOf(
      { userIdentity: { type: 'AWSAccount', principalId: 'AIDAEXAMPLEOTHER0001', accountId: '444455556666' } },
      new SessionIndex(),
    );
    expect(origin).toMatchObject({ kind: 'unresolved', reason: 'other-account', identity: 'AIDAEXAMPLEOTHER0001', account: '444455556666' });
    expect(renderChain(origin)).toBe('? → account 444455556666');
  });

  it('no principal at all', () => {
    expect(originOf({ eventName: 'Insight' }, new SessionIndex())).toMatchObject({ kind: 'unresolved', reason: 'no-principal', chain: [] });
  });
});

describe('any file order', () => {
  const files = readdirSync(SESSIONS).filter((f) => f.endsWith('.json'));

  it('reversed and rotated records build the same index and the same origins', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      const records = load(file);
      const forward = indexOf(records);
      const expected = records.map((r) => originOf(r, forward));
      const orders = [[...records].reverse(), ...records.map((_, i) => [...records.slice(i), ...records.slice(0, i)])];
      for (const order of orders) {
        const index = indexOf(order);
        expect(records.map((r) => originOf(r, index))).toEqual(expected);
      }
    }
  });

  it('in reverse order the uses come before their issuing calls, and still resolve', () => {
    const records = load('role-chains.json').reverse();
    expect(records.findIndex((r) => r.eventName === 'Decrypt')).toBeLessThan(records.findIndex((r) => r.eventName === 'AssumeRole'));
    const index = indexOf(records);
    const decrypts = records.filter((r) => r.eventName === 'Decrypt').map((r) => renderChain(originOf(r, index)));
    expect(decrypts.sort()).toEqual(['alice → Admin → BreakGlass', 'bob → Admin → BreakGlass → KeyAdmin']);
  });

  it('a key issued twice keeps the same issuance whatever the order: the fully named caller, then the earlier call', () => {
    const [call] = load('service.json');
    const named = issuanceOf(call)!;
    const byAccount: Issuance = { ...named, eventID: 'zzzz', caller: { type: 'AWSAccount', accountId: '444455556666', principalId: 'AIDAX' } };
    const later: Issuance = { ...named, eventID: '0000', eventTime: '2024-03-05T13:00:00Z' };
    for (const order of [[named, byAccount, later], [later, byAccount, named], [byAccount, later, named]]) {
      const index = new SessionIndex();
      for (const issuance of order) index.add(issuance);
      expect(index.size).toBe(1);
      expect(index.issuance(named.accessKeyId)).toBe(named);
    }
  });
});

describe('the cap', () => {
  it('refuses new keys past it, counts them, and their sessions stay unresolved', () => {
    const records = load('role-chains.json');
    const index = indexOf(records, 2);
    expect(index.size).toBe(2);
    expect(index.refused).toBe(3);
    expect(index.capped).toBe(true);
    // alice's two keys came first and were kept; bob's three were refused
    const decrypts = records.filter((r) => r.eventName === 'Decrypt').map((r) => originOf(r, index));
    expect(decrypts.map((o) => o.kind)).toEqual(['iam-user', 'unresolved']);
    expect(renderChain(decrypts[1])).toBe('? → KeyAdmin');
  });

  it('the same key again is not a new key', () => {
    const [call] = load('service.json');
    const index = new SessionIndex(1);
    expect(index.addRecord(call)).toBe(true);
    expect(index.addRecord(call)).toBe(true);
    expect(index.capped).toBe(false);
    expect(index.add({ ...issuanceOf(call)!, accessKeyId: 'ASIAOTHEREXAMPLE0001' })).toBe(false);
    expect(index.capped).toBe(true);
  });
});

describe('what the index keeps', () => {
  it("one caller object for a user's many calls, equal to what each call said; a session caller stays its own", () => {
    const records = invictusRecords();
    const index = indexOf(records);
    const byBertJan = records.filter((r) => r.eventName === 'AssumeRole' && !r.errorCode && (r.userIdentity as JsonObject).userName === 'bert-jan');
    expect(byBertJan.length).toBeGreaterThan(2);
    const held = byBertJan.map((r) => index.issuance(((r.responseElements as JsonObject).credentials as JsonObject).accessKeyId as string)!);
    for (const [i, issuance] of held.entries()) {
      expect(issuance.caller).toBe(held[0].caller);
      expect(issuance).toEqual(issuanceOf(byBertJan[i]));
    }
    const roles = load('role-chains.json');
    const chained = indexOf(roles);
    const a = chained.issuance('ASIABBBBEXAMPLE00002')!;
    const b = chained.issuance('ASIABBBBEXAMPLE00003')!;
    expect(a.caller).not.toBe(b.caller);
    expect(a.caller.accessKeyId).toBe('ASIABBBBEXAMPLE00001');
    expect(b.caller.accessKeyId).toBe('ASIABBBBEXAMPLE00002');
  });
});

describe('the real invictus-ir trail', () => {
  it('all 29 GetPasswordData records resolve to bert-jan through ASIATFQR7NSCWLLE7IWW, in any file order', () => {
    const records = invictusRecords();
    const call = issuerOf(records, 'ASIATFQR7NSCWLLE7IWW');
    const caller = call.userIdentity as JsonObject;
    const getPasswordData = records.filter((r) => r.eventName === 'GetPasswordData');
    expect(getPasswordData).toHaveLength(29);
    for (const index of [indexOf(records), indexOf([...records].reverse())]) {
      for (const record of getPasswordData) {
        const origin = originOf(record, index);
        expect(origin.kind).toBe('iam-user');
        expect(origin.identity).toBe(caller.arn);
        expect(origin.label).toBe('bert-jan');
        expect(origin.chain).toHaveLength(2);
        expect(origin.chain[0]).toMatchObject({ principal: caller.arn, accessKeyId: caller.accessKeyId, via: 'access-key' });
        expect(origin.chain[1]).toMatchObject({
          principal: (record.userIdentity as JsonObject).arn,
          accessKeyId: 'ASIATFQR7NSCWLLE7IWW',
          via: 'AssumeRole',
          eventID: call.eventID,
          eventTime: call.eventTime,
        });
        expect(renderChain(origin)).toBe('bert-jan → stratus-red-team-ec2-get-password-data-role');
        expect(originNames(origin).some(compileTextPatterns(['bert-jan']))).toBe(true);
      }
    }
  });

  it("every record made with a key bert-jan's AssumeRole issued leads back to him", () => {
    const records = invictusRecords();
    const index = indexOf(records);
    const issuedByHim = new Set(
      records
        .filter((r) => r.eventName === 'AssumeRole' && !r.errorCode && (r.userIdentity as JsonObject).userName === 'bert-jan')
        .map((r) => ((r.responseElements as JsonObject).credentials as JsonObject).accessKeyId),
    );
    const used = records.filter((r) => issuedByHim.has((r.userIdentity as JsonObject | undefined)?.accessKeyId));
    expect(used.length).toBeGreaterThan(29);
    for (const record of used) expect(originOf(record, index).identity).toBe('arn:aws:iam::123837392027:user/bert-jan');
  });

  it('console sessions of IAM users are the users themselves, via the console', () => {
    const records = invictusRecords();
    const index = indexOf(records);
    const console = records.filter((r) => r.sessionCredentialFromConsole === 'true' && (r.userIdentity as JsonObject).type === 'IAMUser');
    expect(console.length).toBeGreaterThan(100);
    for (const record of console) {
      const origin = originOf(record, index);
      expect(origin.kind).toBe('iam-user');
      expect(origin.identity).toBe((record.userIdentity as JsonObject).arn);
      expect(origin.chain).toHaveLength(1);
      expect(origin.chain[0].via).toBe('console');
    }
  });

  it('instances and service-linked roles resolve to the service that assumed them', () => {
    const records = invictusRecords();
    const index = indexOf(records);
    const ec2 = records.filter((r) => String((r.userIdentity as JsonObject | undefined)?.arn ?? '').includes('stratus-red-team-ec2-steal-credentials-role'));
    expect(ec2.length).toBeGreaterThan(0);
    for (const record of ec2) expect(originOf(record, index)).toMatchObject({ kind: 'aws-service', identity: 'ec2.amazonaws.com' });
  });
});

let invictusCache: JsonObject[] | undefined;
function invictusRecords(): JsonObject[] {
  if (!invictusCache) {
    invictusCache = readdirSync(INVICTUS)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .flatMap((f) => (JSON.parse(readFileSync(join(INVICTUS, f), 'utf8')) as { Records: JsonObject[] }).Records);
  }
  return invictusCache;
}

function loadShared(file: string): JsonObject[] {
  return (JSON.parse(readFileSync(join(SHARED, 'samples', 'records', file), 'utf8')) as { Records: JsonObject[] }).Records;
}

describe('one person, one origin', () => {
  it('an IAM user or root named without an ARN (as MFA and sign-in records do) has the origin of the records that give one', () => {
    const index = new SessionIndex();
    const withArn = { userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', userName: 'alice' } };
    const withoutArn = { userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', accountId: '111122223333', userName: 'alice' } };
    const a = originOf(withArn as JsonObject, index);
    const b = originOf(withoutArn as JsonObject, index);
    expect(a.identity).toBe('arn:aws:iam::111122223333:user/alice');
    expect(b.identity).toBe(a.identity);
    expect([b.kind, b.label]).toEqual([a.kind, a.label]);
    const root = originOf({ userIdentity: { type: 'Root', principalId: '111122223333', accountId: '111122223333' } } as JsonObject, index);
    expect(root.identity).toBe('arn:aws:iam::111122223333:root');
    // Without an account nothing can be made up: the name stays.
    expect(originOf({ userIdentity: { type: 'IAMUser', userName: 'bob' } } as JsonObject, index).identity).not.toMatch(/^arn:/);
  });
});
