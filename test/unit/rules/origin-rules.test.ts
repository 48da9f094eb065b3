/**
 * KMS-017 and KMS-018, the rules on who is behind a session. The chains are the hand-made ones of
 * test/fixtures/sessions/role-chains.json (alice → Admin → BreakGlass), re-homed where a case needs
 * another account; origins come from the real resolver over an index of the same records, as in a
 * run. Expected hits are counted by hand from the cases.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { originOf } from '../../../src/cloudtrail/origins.js';
import { isObject, type JsonObject } from '../../../src/cloudtrail/record.js';
import { SessionIndex } from '../../../src/cloudtrail/session-index.js';
import { selectRules } from '../../../src/rules/catalog.js';
import { DetectionEngine } from '../../../src/rules/engine.js';
import { DEFAULT_SETTINGS, type Hit, type Rule, type RuleSettings } from '../../../src/rules/rule.js';
import { FIXTURES } from '../../helpers/run-cli.js';

const CHAINS = (JSON.parse(readFileSync(join(FIXTURES, 'sessions', 'role-chains.json'), 'utf8')) as { Records: JsonObject[] }).Records;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
/** A record of the chains; an issuing call's credentials made to last (the cases reuse sessions for days). */
const byId = (id: string) => lasting(clone(CHAINS.find((r) => r.eventID === id)!));
function lasting(record: JsonObject): JsonObject {
  const credentials = (record.responseElements as JsonObject | null)?.credentials as JsonObject | undefined;
  if (credentials) delete credentials.expiration;
  if (isObject(record.requestParameters)) delete record.requestParameters.durationSeconds;
  return record;
}

/** alice's AssumeRole calls and her BreakGlass Decrypt, with alice moved to `account`. */
function aliceFrom(account: string): { issuing: JsonObject[]; decrypt: JsonObject } {
  const rehome = (v: unknown): unknown => JSON.parse(JSON.stringify(v).replaceAll('arn:aws:iam::111122223333:user/alice', `arn:aws:iam::${account}:user/alice`));
  const admin = byId('a1admin0-0000-4000-8000-000000000004');
  admin.userIdentity = rehome(admin.userIdentity) as JsonObject;
  (admin.userIdentity as JsonObject).accountId = account;
  return { issuing: [admin, byId('a2break0-0000-4000-8000-000000000006')], decrypt: byId('a3decr00-0000-4000-8000-000000000008') };
}

function detect(records: JsonObject[], ids: string[], settings: Partial<RuleSettings> = {}): Hit[] {
  const index = new SessionIndex();
  for (const r of records) index.addRecord(r);
  const hits: Hit[] = [];
  const engine = new DetectionEngine(selectRules(ids, undefined) as Rule[], { ...DEFAULT_SETTINGS, ...settings, originOf: (r) => originOf(r, index) }, (h) => hits.push(h));
  for (const r of records) engine.feed(r);
  engine.end();
  return hits;
}

const at = (record: JsonObject, time: string, eventID: string): JsonObject => ({ ...clone(record), eventTime: time, eventID });

describe('KMS-017: a key used by an identity of another account, through a role of the key account', () => {
  it('alice of 777788889999 decrypts with a 111122223333 key through Admin → BreakGlass: one hit naming her and the chain', () => {
    const { issuing, decrypt } = aliceFrom('777788889999');
    const hits = detect([...issuing, decrypt], ['KMS-017']);
    expect(hits).toHaveLength(1);
    expect(hits[0].reason).toContain('by alice of account 777788889999');
    expect(hits[0].reason).toContain('alice → Admin → BreakGlass');
    expect(hits[0].keyAccount).toBe('111122223333');
    expect(hits[0].origin).toBe('arn:aws:iam::777788889999:user/alice');
  });

  it('the same identity and key again that day: no second hit; the next day: one more', () => {
    const { issuing, decrypt } = aliceFrom('777788889999');
    const again = at(decrypt, '2024-03-01T18:00:00Z', 'again000-0000-4000-8000-000000000001');
    const nextDay = at(decrypt, '2024-03-02T18:00:00Z', 'nextday0-0000-4000-8000-000000000001');
    expect(detect([...issuing, decrypt, again, nextDay], ['KMS-017'])).toHaveLength(2);
  });

  it('alice of the key account itself: no hit', () => {
    const { issuing, decrypt } = aliceFrom('111122223333');
    expect(detect([...issuing, decrypt], ['KMS-017'])).toEqual([]);
  });

  it('without the AssumeRole calls (origin unresolved): no hit, never a guess', () => {
    const { decrypt } = aliceFrom('777788889999');
    expect(detect([decrypt], ['KMS-017'])).toEqual([]);
  });
});

describe('KMS-017 and KMS-014: every key of a ReEncrypt, and federated users', () => {
  const LOCAL_KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const OWN_KEY = 'arn:aws:kms:us-east-1:777788889999:key/0987dcba-09fe-87dc-65ba-ab0987654321';
  /** The Decrypt made a ReEncrypt from the key account's key into one of `destination`'s account. */
  function reEncrypt(decrypt: JsonObject, destination: string): JsonObject {
    return {
      ...decrypt,
      eventName: 'ReEncrypt',
      requestParameters: { destinationKeyId: destination, sourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
      resources: [
        { accountId: '111122223333', type: 'AWS::KMS::Key', ARN: LOCAL_KEY },
        { accountId: destination.split(':')[4], type: 'AWS::KMS::Key', ARN: destination },
      ],
    };
  }

  it('alice of 777788889999 re-encrypts out of a 111122223333 key into her own: KMS-017 names the source key', () => {
    const { issuing, decrypt } = aliceFrom('777788889999');
    const hits = detect([...issuing, reEncrypt(decrypt, OWN_KEY)], ['KMS-017']);
    expect(hits).toHaveLength(1);
    expect(hits[0].key).toBe(LOCAL_KEY);
    expect(hits[0].reason).toContain(`key ${LOCAL_KEY} of account 111122223333`);
    expect(hits[0].reason).not.toContain(OWN_KEY);
  });

  it('KMS-014: a principal of 111122223333 re-encrypting into a key of 777788889999 is told on that key', () => {
    const { issuing, decrypt } = aliceFrom('111122223333');
    const hits = detect([...issuing, reEncrypt(decrypt, OWN_KEY)], ['KMS-014']);
    expect(hits.map((h) => [h.key, h.keyAccount])).toEqual([[OWN_KEY, '777788889999']]);
  });

  it('a SAML user who entered through a role of 777788889999 and chained into 111122223333: KMS-017 fires', () => {
    const saml = (JSON.parse(readFileSync(join(FIXTURES, 'sessions', 'saml.json'), 'utf8')) as { Records: JsonObject[] }).Records;
    // The SAML sign-in and its role moved to 777788889999; from that session, an AssumeRole into BreakGlass of the key account.
    const [signIn, used] = saml.map((r) => lasting(JSON.parse(JSON.stringify(r).replaceAll('111122223333', '777788889999')) as JsonObject));
    signIn.eventTime = '2024-03-01T09:00:00Z'; // before the hop into BreakGlass
    const hop = byId('a2break0-0000-4000-8000-000000000006');
    hop.userIdentity = used.userIdentity;
    const { decrypt } = aliceFrom('777788889999');
    const hits = detect([signIn, hop, decrypt], ['KMS-017']);
    expect(hits).toHaveLength(1);
    expect(hits[0].reason).toContain('by priya@corp.example of account 777788889999');
    // Entered in the key account itself: no hit.
    const home = saml.map((r) => lasting(clone(r)));
    home[0].eventTime = '2024-03-01T09:00:00Z';
    const hopHome = byId('a2break0-0000-4000-8000-000000000006');
    hopHome.userIdentity = home[1].userIdentity;
    expect(detect([home[0], hopHome, decrypt], ['KMS-017'])).toEqual([]);
  });
});

describe('KMS-018: one identity reaching a key through many role sessions', () => {
  /** alice's chain repeated `n` times within minutes, each time a new BreakGlass session and key. */
  function sessions(n: number, minutesApart: number): JsonObject[] {
    const out: JsonObject[] = [byId('a1admin0-0000-4000-8000-000000000004')];
    for (let i = 0; i < n; i++) {
      const key = `ASIABREAKGLASS${String(i).padStart(6, '0')}`;
      const time = new Date(Date.parse('2024-03-01T10:01:00Z') + i * minutesApart * 60_000).toISOString().replace('.000', '');
      const assume = byId('a2break0-0000-4000-8000-000000000006');
      assume.eventID = `assume${String(i).padStart(2, '0')}-0000-4000-8000-000000000000`;
      assume.eventTime = time;
      ((assume.responseElements as JsonObject).credentials as JsonObject).accessKeyId = key;
      const decrypt = byId('a3decr00-0000-4000-8000-000000000008');
      decrypt.eventID = `decrypt${String(i).padStart(2, '0')}-0000-4000-8000-00000000000`;
      decrypt.eventTime = time;
      const identity = decrypt.userIdentity as JsonObject;
      identity.accessKeyId = key;
      identity.arn = `arn:aws:sts::111122223333:assumed-role/BreakGlass/alice-bg-${i}`;
      out.push(assume, decrypt);
    }
    return out;
  }

  it('six sessions within the hour (threshold 5): one hit; five: none', () => {
    const six = detect(sessions(6, 5), ['KMS-018']);
    expect(six).toHaveLength(1);
    expect(six[0].reason).toMatch(/^alice \(iam-user\) used key .* through 5 role sessions within 1h$/);
    expect(detect(sessions(4, 5), ['KMS-018'])).toEqual([]);
  });

  it('the same six spread over six hours: none; a lower threshold and a wider window: one (then quiet while it goes on)', () => {
    expect(detect(sessions(6, 60), ['KMS-018'])).toEqual([]);
    const hits = detect(sessions(6, 60), ['KMS-018'], { originSessionsThreshold: 3, originSessionsWindowMs: 3 * 3_600_000 });
    expect(hits).toHaveLength(1);
    expect(hits[0].time).toBe('2024-03-01T12:01:00Z');
  });
});
