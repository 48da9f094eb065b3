/**
 * The key inventory behind `kmstrail keys`: on real records (kms-docs, the SANS lab trail) with
 * expected values read off the fixtures by simpler means (text search, counting), and on small
 * crafted records for each state transition, alias resolution and out-of-order input.
 */
import { describe, expect, it } from 'vitest';
import { parseKeyReference, type KeyReference } from '../../../../src/cloudtrail/key-reference.js';
import type { JsonObject } from '../../../../src/cloudtrail/record.js';
import { KeyInventory, parseAwsDate, selectKeys, type InventoryResult, type KeyRow } from '../../../../src/sinks/aggregators/key-inventory.js';
import { stableJson } from '../../../../src/sinks/aggregators/stable-json.js';
import { loadRecords, shuffled } from '../../fixtures.js';
import { HAVE_SANS, sansKmsRecords } from '../../sans-records.js';

const ACCOUNT = '111122223333';
const REGION = 'us-west-2';
const KEY_A = '11111111-1111-4111-8111-111111111111';
const KEY_B = '22222222-2222-4222-8222-222222222222';
const ALICE = 'arn:aws:iam::111122223333:user/Alice';
const MALLORY = 'arn:aws:iam::111122223333:user/Mallory';
const keyArn = (id: string, region = REGION, account = ACCOUNT) => `arn:aws:kms:${region}:${account}:key/${id}`;

interface Crafted {
  /** requestParameters.keyId; a key ID also puts the key's ARN in resources, as KMS does. */
  key?: string;
  request?: JsonObject;
  response?: JsonObject;
  resources?: string[];
  error?: string;
  user?: string;
  region?: string;
}

let serial = 0;

/** A KMS record shaped like the real ones (see kms-docs.json), with only what a test varies. */
function kms(eventName: string, eventTime: string, c: Crafted = {}): JsonObject {
  const region = c.region ?? REGION;
  const resources = c.resources ?? (c.key && !c.key.startsWith('alias/') && !c.key.startsWith('arn:') ? [keyArn(c.key, region)] : []);
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', arn: c.user ?? ALICE, accountId: ACCOUNT },
    eventTime,
    eventSource: 'kms.amazonaws.com',
    eventName,
    awsRegion: region,
    sourceIPAddress: '192.0.2.0',
    requestParameters: c.request ?? (c.key ? { keyId: c.key } : null),
    responseElements: c.response ?? null,
    ...(c.error ? { errorCode: c.error, errorMessage: 'denied' } : {}),
    eventID: `00000000-0000-4000-8000-${String(++serial).padStart(12, '0')}`,
    readOnly: false,
    resources: resources.map((ARN) => ({ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN })),
    eventType: 'AwsApiCall',
    recipientAccountId: ACCOUNT,
  };
}

const createKey = (id: string, time: string, keyState?: string, origin = 'AWS_KMS') =>
  kms('CreateKey', time, {
    request: { keySpec: 'SYMMETRIC_DEFAULT', origin },
    response: { keyMetadata: { keyId: id, arn: keyArn(id), origin, ...(keyState ? { keyState } : {}) } },
    resources: [keyArn(id)],
  });

function inventory(records: readonly JsonObject[]): InventoryResult {
  const inv = new KeyInventory();
  for (const r of records) inv.add(r);
  return inv.result();
}

function row(result: InventoryResult, keyId: string, region = REGION): KeyRow {
  const found = result.keys.filter((r) => r.keyId === keyId && r.region === region);
  expect(found).toHaveLength(1);
  return found[0];
}

const stateOf = (records: readonly JsonObject[], keyId = KEY_A) => row(inventory(records), keyId).state?.value ?? null;

/** Every order of a few records: the result must not depend on which arrived first. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}


describe('key state transitions', () => {
  it('CreateKey takes keyMetadata.keyState: Enabled, or PendingImport for imported material', () => {
    expect(stateOf([createKey(KEY_A, '2024-01-01T00:00:00Z', 'Enabled')])).toBe('Enabled');
    expect(stateOf([createKey(KEY_A, '2024-01-01T00:00:00Z', 'PendingImport', 'EXTERNAL')])).toBe('PendingImport');
  });

  it('CreateKey without keyState: PendingImport when the origin is EXTERNAL, else Enabled', () => {
    expect(stateOf([createKey(KEY_A, '2024-01-01T00:00:00Z', undefined, 'EXTERNAL')])).toBe('PendingImport');
    expect(stateOf([createKey(KEY_A, '2024-01-01T00:00:00Z')])).toBe('Enabled');
  });

  it('CreateKey records who created the key and when', () => {
    const r = row(inventory([createKey(KEY_A, '2024-01-01T00:00:00Z', 'Enabled')]), KEY_A);
    expect(r.created).toEqual({ at: '2024-01-01T00:00:00Z', by: ALICE });
    expect(r.arn).toBe(keyArn(KEY_A));
    expect(r.account).toBe(ACCOUNT);
  });

  const transitions: Array<[string, string, Crafted?]> = [
    ['DisableKey', 'Disabled'],
    ['EnableKey', 'Enabled'],
    ['CancelKeyDeletion', 'Disabled'],
    ['DeleteKey', 'Deleted'],
    ['ImportKeyMaterial', 'Enabled'],
    ['DeleteImportedKeyMaterial', 'PendingImport'],
    ['DeleteExpiredKeyMaterial', 'PendingImport'],
    ['ScheduleKeyDeletion', 'PendingDeletion', { request: { keyId: KEY_A, pendingWindowInDays: 7 } }],
  ];
  // Start from a state that none of the transitions leaves the key in.
  const start = kms('ScheduleKeyDeletion', '2024-01-01T00:00:00Z', {
    key: KEY_A,
    response: { keyId: keyArn(KEY_A), keyState: 'PendingReplicaDeletion' },
  });

  for (const [event, state, crafted] of transitions) {
    it(`${event} → ${state}, by eventTime`, () => {
      const change = kms(event, '2024-02-01T00:00:00Z', { key: KEY_A, ...crafted });
      expect(stateOf([start])).toBe('PendingReplicaDeletion');
      expect(stateOf([start, change])).toBe(state);
      expect(stateOf([change, start])).toBe(state);
    });

    it(`${event} that failed (errorCode) changes nothing`, () => {
      const failed = kms(event, '2024-02-01T00:00:00Z', { key: KEY_A, ...crafted, error: 'AccessDeniedException' });
      const r = row(inventory([start, failed]), KEY_A);
      expect(r.state?.value).toBe('PendingReplicaDeletion');
      expect(r.state?.at).toBe('2024-01-01T00:00:00Z');
      expect(r.errors).toBe(1);
    });

    it(`${event} earlier than the current state does not replace it`, () => {
      const older = kms(event, '2023-12-01T00:00:00Z', { key: KEY_A, ...crafted });
      expect(stateOf([start, older])).toBe('PendingReplicaDeletion');
      expect(stateOf([older, start])).toBe('PendingReplicaDeletion');
    });
  }

  it('a failed CreateKey creates nothing', () => {
    const failed = kms('CreateKey', '2024-01-01T00:00:00Z', { request: { keySpec: 'SYMMETRIC_DEFAULT' }, error: 'LimitExceededException' });
    expect(inventory([failed]).keys).toEqual([]);
  });

  it('ScheduleKeyDeletion: the deletion date as the response gives it, in any of its published forms, in UTC', () => {
    const at = (deletionDate: string) =>
      row(inventory([kms('ScheduleKeyDeletion', '2021-03-23T18:58:30Z', { key: KEY_A, response: { deletionDate, keyState: 'PendingDeletion' } })]), KEY_A)
        .state?.deletionDate;
    expect(at('Nov 2, 2021, 11:25:25 PM')).toBe('2021-11-02T23:25:25Z');
    expect(at('Apr 12, 2021 18:58:30 PM')).toBe('2021-04-12T18:58:30Z');
    expect(at('2021-04-12T18:58:30Z')).toBe('2021-04-12T18:58:30Z');
    expect(at('next Tuesday')).toBe('next Tuesday');
  });

  it('ScheduleKeyDeletion without a deletionDate: eventTime + pendingWindowInDays (30 when not given)', () => {
    const r = (request: JsonObject) => row(inventory([kms('ScheduleKeyDeletion', '2024-01-01T00:00:00Z', { request })]), KEY_A).state;
    expect(r({ keyId: KEY_A, pendingWindowInDays: 7 })).toMatchObject({ value: 'PendingDeletion', deletionDate: '2024-01-08T00:00:00Z' });
    expect(r({ keyId: KEY_A })?.deletionDate).toBe('2024-01-31T00:00:00Z');
  });

  it('ScheduleKeyDeletion of a multi-Region primary with replicas: PendingReplicaDeletion (kms-docs)', () => {
    const docs = loadRecords('kms-docs.json').filter((r) => r.eventName === 'ScheduleKeyDeletion');
    const r = row(inventory(docs), 'mrk-1234abcd12ab34cd56ef1234567890ab');
    expect(r.state).toMatchObject({ value: 'PendingReplicaDeletion', event: 'ScheduleKeyDeletion', at: '2021-10-28T17:59:05Z' });
  });

  it('a sequence in time order decides, whatever the order of arrival', () => {
    const records = [
      createKey(KEY_A, '2024-01-01T00:00:00Z', 'Enabled'),
      kms('DisableKey', '2024-01-02T00:00:00Z', { key: KEY_A }),
      kms('ScheduleKeyDeletion', '2024-01-03T00:00:00Z', { request: { keyId: KEY_A, pendingWindowInDays: 7 } }),
      kms('CancelKeyDeletion', '2024-01-04T00:00:00Z', { key: KEY_A }),
      kms('EnableKey', '2024-01-05T00:00:00Z', { key: KEY_A, error: 'AccessDeniedException' }),
    ];
    const expected = inventory(records);
    expect(row(expected, KEY_A).state).toEqual({ value: 'Disabled', at: '2024-01-04T00:00:00Z', by: ALICE, event: 'CancelKeyDeletion' });
    for (const order of permutations(records)) expect(inventory(order)).toEqual(expected);
  });

  it('two state events in the same second: the same winner in every order', () => {
    const enable = kms('EnableKey', '2024-01-01T00:00:00Z', { key: KEY_A });
    const disable = kms('DisableKey', '2024-01-01T00:00:00Z', { key: KEY_A });
    expect(stateOf([enable, disable])).toBe(stateOf([disable, enable]));
  });

  it('an event without a readable eventTime loses to any event with one', () => {
    const undated = kms('DisableKey', 'yesterday', { key: KEY_A });
    const dated = kms('EnableKey', '2020-01-01T00:00:00Z', { key: KEY_A });
    expect(stateOf([dated, undated])).toBe('Enabled');
    expect(stateOf([undated, dated])).toBe('Enabled');
    expect(stateOf([undated])).toBe('Disabled');
    expect(row(inventory([undated]), KEY_A).state?.at).toBeNull();
  });

  it('keys with no state event in the logs have state null', () => {
    expect(row(inventory([kms('Decrypt', '2024-01-01T00:00:00Z', { key: KEY_A })]), KEY_A).state).toBeNull();
  });
});

describe('created, policy, rotation, grants', () => {
  it('created: the earliest successful CreateKey; policy and rotation: the latest successful change', () => {
    const records = [
      createKey(KEY_A, '2024-01-02T00:00:00Z', 'Enabled'),
      createKey(KEY_A, '2024-01-01T00:00:00Z', 'Enabled'),
      kms('PutKeyPolicy', '2024-01-05T00:00:00Z', { key: KEY_A, user: MALLORY }),
      kms('PutKeyPolicy', '2024-01-03T00:00:00Z', { key: KEY_A }),
      kms('PutKeyPolicy', '2024-01-09T00:00:00Z', { key: KEY_A, error: 'MalformedPolicyDocumentException' }),
      kms('EnableKeyRotation', '2024-01-02T00:00:00Z', { key: KEY_A }),
      kms('DisableKeyRotation', '2024-01-06T00:00:00Z', { key: KEY_A, user: MALLORY }),
      kms('EnableKeyRotation', '2024-01-08T00:00:00Z', { key: KEY_A, error: 'AccessDeniedException' }),
      kms('RotateKey', '2024-01-04T00:00:00Z', { resources: [keyArn(KEY_A)] }),
    ];
    for (const order of [records, [...records].reverse(), shuffled(records, 7)]) {
      const r = row(inventory(order), KEY_A);
      expect(r.created).toEqual({ at: '2024-01-01T00:00:00Z', by: ALICE });
      expect(r.policyChanged).toEqual({ at: '2024-01-05T00:00:00Z', by: MALLORY });
      expect(r.rotation).toEqual({ enabled: false, at: '2024-01-06T00:00:00Z', by: MALLORY });
      expect(r.lastRotation).toBe('2024-01-04T00:00:00Z');
    }
  });

  it('grants: successful CreateGrant, RetireGrant and RevokeGrant are counted; failed ones are not', () => {
    const r = row(
      inventory([
        kms('CreateGrant', '2024-01-01T00:00:00Z', { key: KEY_A }),
        kms('CreateGrant', '2024-01-02T00:00:00Z', { key: KEY_A }),
        kms('CreateGrant', '2024-01-02T00:00:00Z', { key: KEY_A, error: 'AccessDeniedException' }),
        kms('RetireGrant', '2024-01-03T00:00:00Z', { request: { grantToken: 'x' }, resources: [keyArn(KEY_A)] }),
        kms('RevokeGrant', '2024-01-04T00:00:00Z', { request: { keyId: KEY_A, grantId: 'g' }, resources: [keyArn(KEY_A)] }),
      ]),
      KEY_A,
    );
    expect(r.grants).toEqual({ created: 2, retired: 1, revoked: 1 });
    expect(r.operations).toEqual({ CreateGrant: 3, RetireGrant: 1, RevokeGrant: 1 });
    expect(r.events).toBe(5);
    expect(r.errors).toBe(1);
  });

  it('use: first and last seen by eventTime, counts by operation, distinct principals', () => {
    const records = [
      kms('Decrypt', '2024-01-03T00:00:00Z', { key: KEY_A }),
      kms('Decrypt', '2024-01-01T00:00:00Z', { key: KEY_A, user: MALLORY }),
      kms('Encrypt', '2024-01-05T00:00:00Z', { key: KEY_A }),
      kms('Decrypt', '2024-01-02T00:00:00Z', { key: KEY_A, error: 'AccessDeniedException', user: MALLORY }),
    ];
    const r = row(inventory(records), KEY_A);
    expect(r).toMatchObject({ firstSeen: '2024-01-01T00:00:00Z', lastSeen: '2024-01-05T00:00:00Z', events: 4, errors: 1 });
    expect(r.operations).toEqual({ Decrypt: 3, Encrypt: 1 });
    expect(r.principals).toEqual({
      distinct: 2,
      capped: false,
      counts: [
        { principal: ALICE, count: 2 },
        { principal: MALLORY, count: 2 },
      ],
    });
  });
});

describe('key identity', () => {
  it('a bare key ID is the key its ARN in the same record names, even when awsRegion differs', () => {
    const r = inventory([kms('DisableKey', '2024-01-01T00:00:00Z', { key: KEY_A, region: 'us-east-1', resources: [keyArn(KEY_A)] })]);
    expect(r.keys.map((k) => k.arn)).toEqual([keyArn(KEY_A)]);
  });

  it('a bare key ID without any ARN is the key in the record’s account and region', () => {
    const r = inventory([kms('Decrypt', '2024-01-01T00:00:00Z', { key: KEY_A, region: 'eu-west-1', resources: [] })]);
    expect(r.keys.map((k) => k.arn)).toEqual([keyArn(KEY_A, 'eu-west-1')]);
  });

  it('replicas of a multi-Region key (one ID, two regions) are two keys', () => {
    const mrk = 'mrk-1234abcd12ab34cd56ef1234567890ab';
    const r = inventory([
      kms('DisableKey', '2024-01-01T00:00:00Z', { key: mrk }),
      kms('Decrypt', '2024-01-01T00:00:00Z', { key: mrk, region: 'eu-west-1' }),
    ]);
    expect(r.keys.map((k) => [k.region, k.state?.value ?? null])).toEqual([
      ['eu-west-1', null],
      [REGION, 'Disabled'],
    ]);
  });

  it('ReEncrypt counts for both keys; its state-free event changes neither', () => {
    const r = inventory([
      kms('ReEncrypt', '2024-01-01T00:00:00Z', { request: { sourceKeyId: keyArn(KEY_A), destinationKeyId: KEY_B }, resources: [keyArn(KEY_A), keyArn(KEY_B)] }),
    ]);
    expect(r.keys.map((k) => [k.keyId, k.operations])).toEqual([
      [KEY_A, { ReEncrypt: 1 }],
      [KEY_B, { ReEncrypt: 1 }],
    ]);
  });

  it('event names that are also JavaScript property names are plain names', () => {
    const r = row(inventory([kms('constructor', '2024-01-01T00:00:00Z', { key: KEY_A }), kms('__proto__', '2024-01-01T00:00:00Z', { key: KEY_A })]), KEY_A);
    expect(r.state).toBeNull();
    expect(Object.entries(r.operations)).toEqual([
      ['__proto__', 1],
      ['constructor', 1],
    ]);
    expect(JSON.parse(stableJson(r)).operations).toEqual(JSON.parse('{"__proto__":1,"constructor":1}'));
  });

  it('records naming no key are not counted', () => {
    expect(inventory([kms('GenerateRandom', '2024-01-01T00:00:00Z'), kms('ListAliases', '2024-01-01T00:00:00Z')]).keys).toEqual([]);
  });
});

describe('aliases', () => {
  const createAlias = (alias: string, key: string, time: string, c: Crafted = {}) =>
    kms('CreateAlias', time, {
      request: { aliasName: alias, targetKeyId: key },
      resources: [keyArn(key), `arn:aws:kms:${REGION}:${ACCOUNT}:${alias}`],
      ...c,
    });
  const updateAlias = (alias: string, key: string, time: string) =>
    kms('UpdateAlias', time, { request: { aliasName: alias, targetKeyId: key }, resources: [`arn:aws:kms:${REGION}:${ACCOUNT}:${alias}`, keyArn(key)] });
  const deleteAlias = (alias: string, key: string, time: string) =>
    kms('DeleteAlias', time, { request: { aliasName: alias }, resources: [`arn:aws:kms:${REGION}:${ACCOUNT}:${alias}`, keyArn(key)] });
  /** An alias-only use: the request names the alias and the record no key (no resources). */
  const useAlias = (alias: string, time: string, event = 'Encrypt', c: Crafted = {}) => kms(event, time, { key: alias, resources: [], ...c });

  it('uses by alias count for the key the alias names, whichever arrives first', () => {
    const records = [createAlias('alias/app', KEY_A, '2024-01-01T00:00:00Z'), useAlias('alias/app', '2024-01-02T00:00:00Z'), useAlias('alias/app', '2024-01-03T00:00:00Z', 'Decrypt')];
    for (const order of permutations(records)) {
      const result = inventory(order);
      expect(result.keys).toHaveLength(1);
      const r = row(result, KEY_A);
      expect(r.aliases).toEqual([{ name: 'alias/app', current: true }]);
      expect(r.operations).toEqual({ CreateAlias: 1, Encrypt: 1, Decrypt: 1 });
      expect(r.lastSeen).toBe('2024-01-03T00:00:00Z');
    }
  });

  it('result() can be called again: resolving aliases changes nothing it counted', () => {
    const inv = new KeyInventory();
    for (const r of [createAlias('alias/app', KEY_A, '2024-01-01T00:00:00Z'), useAlias('alias/app', '2024-01-02T00:00:00Z')]) inv.add(r);
    const first = inv.result();
    expect(row(first, KEY_A).events).toBe(2);
    expect(inv.result()).toEqual(first);
  });

  it('an alias with no mapping in the logs gets its own row, with no key ID', () => {
    const result = inventory([useAlias('alias/unknown', '2024-01-02T00:00:00Z'), kms('Decrypt', '2024-01-02T00:00:00Z', { key: KEY_A })]);
    expect(result.keys.map((k) => [k.keyId, k.aliases])).toEqual([
      [KEY_A, []],
      [null, [{ name: 'alias/unknown', current: true }]],
    ]);
    expect(result.keys[1]).toMatchObject({ arn: null, account: ACCOUNT, region: REGION, events: 1, state: null });
  });

  it('a failed CreateAlias maps nothing', () => {
    const result = inventory([createAlias('alias/app', KEY_A, '2024-01-01T00:00:00Z', { error: 'AlreadyExistsException' }), useAlias('alias/app', '2024-01-02T00:00:00Z')]);
    expect(row(result, KEY_A).aliases).toEqual([]);
    expect(result.keys.find((k) => k.keyId === null)?.aliases).toEqual([{ name: 'alias/app', current: true }]);
  });

  it('an alias is per region: a mapping in one region does not resolve the same name in another', () => {
    const result = inventory([createAlias('alias/app', KEY_A, '2024-01-01T00:00:00Z'), useAlias('alias/app', '2024-01-02T00:00:00Z', 'Encrypt', { region: 'eu-west-1' })]);
    expect(row(result, KEY_A).operations).toEqual({ CreateAlias: 1 });
    expect(result.keys.find((k) => k.keyId === null)).toMatchObject({ region: 'eu-west-1', events: 1 });
  });

  it('a record naming both an alias and a key ARN shows the mapping (as CloudTrail resolves aliases in resources)', () => {
    const records = [useAlias('alias/app', '2024-01-01T00:00:00Z'), kms('Decrypt', '2024-01-05T00:00:00Z', { key: 'alias/app', resources: [keyArn(KEY_A)] })];
    for (const order of permutations(records)) {
      const result = inventory(order);
      expect(result.keys).toHaveLength(1);
      expect(row(result, KEY_A)).toMatchObject({ aliases: [{ name: 'alias/app', current: true }], events: 2 });
    }
  });

  it('UpdateAlias moves the alias: the old key keeps it as former, uses after the move go to the new key', () => {
    const records = [
      createAlias('alias/app', KEY_A, '2024-01-01T00:00:00Z'),
      updateAlias('alias/app', KEY_B, '2024-01-10T00:00:00Z'),
      useAlias('alias/app', '2024-01-11T00:00:00Z'),
      useAlias('alias/app', '2024-01-12T00:00:00Z'),
    ];
    for (const order of [records, [...records].reverse(), shuffled(records, 3)]) {
      const result = inventory(order);
      expect(row(result, KEY_A).aliases).toEqual([{ name: 'alias/app', current: false }]);
      expect(row(result, KEY_B).aliases).toEqual([{ name: 'alias/app', current: true }]);
      expect(row(result, KEY_B).operations).toEqual({ UpdateAlias: 1, Encrypt: 2 });
      expect(result.keys.some((k) => k.keyId === null)).toBe(false);
    }
  });

  it('uses before and after a move: each counts for the key the alias named at its time, whatever the order', () => {
    const records = [
      createAlias('alias/app', KEY_A, '2024-01-01T00:00:00Z'),
      useAlias('alias/app', '2024-01-05T00:00:00Z', 'Decrypt'),
      updateAlias('alias/app', KEY_B, '2024-01-10T00:00:00Z'),
      useAlias('alias/app', '2024-01-11T00:00:00Z'),
      useAlias('alias/app', '2024-01-12T00:00:00Z', 'Decrypt', { error: 'AccessDeniedException' }),
    ];
    for (const order of [records, [...records].reverse(), shuffled(records, 5)]) {
      const result = inventory(order);
      expect(row(result, KEY_A)).toMatchObject({ operations: { CreateAlias: 1, Decrypt: 1 }, events: 2, errors: 0, lastSeen: '2024-01-05T00:00:00Z' });
      expect(row(result, KEY_B)).toMatchObject({ operations: { UpdateAlias: 1, Encrypt: 1, Decrypt: 1 }, events: 3, errors: 1, firstSeen: '2024-01-10T00:00:00Z' });
      expect(result.keys.some((k) => k.keyId === null)).toBe(false);
    }
  });

  it('a moved alias: uses before any mapping, and after its DeleteAlias, stay with the alias', () => {
    const result = inventory([
      useAlias('alias/app', '2023-12-31T00:00:00Z'),
      createAlias('alias/app', KEY_A, '2024-01-01T00:00:00Z'),
      updateAlias('alias/app', KEY_B, '2024-01-10T00:00:00Z'),
      useAlias('alias/app', '2024-01-11T00:00:00Z'),
      deleteAlias('alias/app', KEY_B, '2024-01-20T00:00:00Z'),
      useAlias('alias/app', '2024-01-21T00:00:00Z', 'Decrypt'),
    ]);
    expect(row(result, KEY_B).operations).toEqual({ UpdateAlias: 1, Encrypt: 1, DeleteAlias: 1 });
    expect(result.keys.find((k) => k.keyId === null)).toMatchObject({ events: 2, operations: { Encrypt: 1, Decrypt: 1 }, aliases: [{ name: 'alias/app', current: false }] });
  });

  it('past the uses kept one by one, uses on both sides of a move are not guessed: they stay with the alias', () => {
    const records = [
      createAlias('alias/app', KEY_A, '2024-01-01T00:00:00Z'),
      useAlias('alias/app', '2024-01-05T00:00:00Z'),
      updateAlias('alias/app', KEY_B, '2024-01-10T00:00:00Z'),
      useAlias('alias/app', '2024-01-11T00:00:00Z'),
    ];
    const inv = new KeyInventory(undefined, 1);
    for (const r of records) inv.add(r);
    const result = inv.result();
    expect(row(result, KEY_A).operations).toEqual({ CreateAlias: 1 });
    expect(row(result, KEY_B).operations).toEqual({ UpdateAlias: 1 });
    expect(result.keys.find((k) => k.keyId === null)).toMatchObject({ events: 2, aliases: [{ name: 'alias/app', current: true }] });
  });

  it('DeleteAlias: the alias stays listed on its key, no longer current', () => {
    const records = [createAlias('alias/app', KEY_A, '2024-01-01T00:00:00Z'), deleteAlias('alias/app', KEY_A, '2024-01-02T00:00:00Z')];
    for (const order of permutations(records)) {
      expect(row(inventory(order), KEY_A).aliases).toEqual([{ name: 'alias/app', current: false }]);
    }
  });

  it('a DeleteAlias naming its key is enough to list the alias (kms-docs)', () => {
    const docs = loadRecords('kms-docs.json').filter((r) => r.eventName === 'DeleteAlias');
    expect(row(inventory(docs), '1234abcd-12ab-34cd-56ef-1234567890ab').aliases).toEqual([{ name: 'alias/my_alias', current: false }]);
  });
});

describe('--key selection', () => {
  const result = inventory([
    kms('CreateAlias', '2024-01-01T00:00:00Z', { request: { aliasName: 'alias/app', targetKeyId: KEY_A }, resources: [keyArn(KEY_A)] }),
    kms('Decrypt', '2024-01-01T00:00:00Z', { key: KEY_B }),
    kms('Decrypt', '2024-01-01T00:00:00Z', { key: KEY_A, region: 'eu-west-1' }),
  ]);
  const select = (...values: string[]) =>
    selectKeys(result.keys, values.map((v) => parseKeyReference(v) as KeyReference)).map((k) => `${k.keyId}@${k.region}`);

  it('by key ID (every region), by ARN (its region), by alias, upper case IDs too', () => {
    expect(select(KEY_A)).toEqual([`${KEY_A}@eu-west-1`, `${KEY_A}@${REGION}`]);
    expect(select(keyArn(KEY_A))).toEqual([`${KEY_A}@${REGION}`]);
    expect(select('alias/app')).toEqual([`${KEY_A}@${REGION}`]);
    expect(select(`arn:aws:kms:eu-west-1:${ACCOUNT}:alias/app`)).toEqual([]);
    expect(select(KEY_B.toUpperCase(), 'alias/app')).toEqual([`${KEY_A}@${REGION}`, `${KEY_B}@${REGION}`]);
    expect(select('alias/other')).toEqual([]);
  });
});

describe('bounded memory', () => {
  it('beyond the key cap, records naming only untracked keys are counted as such', () => {
    const inv = new KeyInventory(2);
    for (const id of [KEY_A, KEY_B, '33333333-3333-4333-8333-333333333333', KEY_A]) inv.add(kms('Decrypt', '2024-01-01T00:00:00Z', { key: id }));
    const result = inv.result();
    expect(result.keys.map((k) => [k.keyId, k.events])).toEqual([
      [KEY_A, 2],
      [KEY_B, 1],
    ]);
    expect(result.untracked.keyRecords).toBe(1);
  });

  it('beyond 1,000 principals a key’s principal list is capped and says so', () => {
    const inv = new KeyInventory();
    for (let i = 0; i <= 1_000; i++) inv.add(kms('Decrypt', '2024-01-01T00:00:00Z', { key: KEY_A, user: `arn:aws:iam::111122223333:user/u${i}` }));
    const result = inv.result();
    const r = row(result, KEY_A);
    expect(r.events).toBe(1_001);
    expect(r.principals).toMatchObject({ distinct: 1_000, capped: true });
    expect(result.principalsCapped).toBe(true);
  });
});

describe('parseAwsDate', () => {
  it('reads the forms KMS responses use, as UTC', () => {
    expect(parseAwsDate('Aug 10, 2022, 10:38:27 PM')).toBe(Date.UTC(2022, 7, 10, 22, 38, 27));
    expect(parseAwsDate('Jan 1, 2021 12:00:00 AM')).toBe(Date.UTC(2021, 0, 1, 0, 0, 0));
    expect(parseAwsDate('Jan 1, 2021 12:30:00 PM')).toBe(Date.UTC(2021, 0, 1, 12, 30, 0));
    expect(parseAwsDate('2021-04-12T18:58:30Z')).toBe(Date.UTC(2021, 3, 12, 18, 58, 30));
    expect(parseAwsDate('Foo 1, 2021 12:00:00 AM')).toBeUndefined();
    expect(parseAwsDate(12)).toBeUndefined();
  });
});

describe('on the 67 KMS records of kms-docs', () => {
  const records = loadRecords('kms-docs.json').filter((r) => r.eventSource === 'kms.amazonaws.com');
  const result = inventory(records);

  it('one row per key ARN the records name', () => {
    expect(result.keys.map((k) => `${k.account}:${k.region}:${k.keyId}`)).toEqual([
      '111122223333:ap-northeast-1:mrk-1234abcd12ab34cd56ef1234567890ab',
      '111122223333:eu-west-1:1234abcd-12ab-34cd-56ef-1234567890ab',
      '111122223333:eu-west-1:1a2b3c4d-5e6f-1a2b-3c4d-5e6f1a2b3c4d',
      '111122223333:us-west-2:0987dcba-09fe-87dc-65ba-ab0987654321',
      '111122223333:us-west-2:1234abcd-12ab-34cd-56ef-1234567890ab',
      '111122223333:us-west-2:mrk-1234abcd12ab34cd56ef1234567890ab',
      '227179770375:us-east-1:39c5eb22-f37c-4956-92ca-89e8f8b57ab2',
    ]);
  });

  it('each key’s events are the records whose text holds its ARN (every record here has it in resources)', () => {
    for (const k of result.keys) {
      const needle = `${k.region}:${k.account}:key/${k.keyId}`;
      const expected = records.filter((r) => JSON.stringify(r).includes(needle));
      expect(k.events, needle).toBe(expected.length);
      expect(k.errors, needle).toBe(expected.filter((r) => r.errorCode).length);
      const ops: { [name: string]: number } = {};
      for (const r of expected) ops[String(r.eventName)] = (ops[String(r.eventName)] ?? 0) + 1;
      expect(k.operations, needle).toEqual(ops);
    }
  });

  it('0987dcba: created by Alice, then scheduled for deletion with the date the response gives', () => {
    const r = row(result, '0987dcba-09fe-87dc-65ba-ab0987654321');
    expect(r.created).toEqual({ at: '2021-10-14T17:39:50Z', by: ALICE });
    expect(r.state).toEqual({
      value: 'PendingDeletion',
      at: '2021-10-26T23:25:25Z',
      by: ALICE,
      event: 'ScheduleKeyDeletion',
      deletionDate: '2021-11-02T23:25:25Z',
    });
    expect(r.firstSeen).toBe('2020-07-27T23:09:13Z');
    expect(r.lastSeen).toBe('2022-11-24T00:26:58Z');
  });

  it('1234abcd in us-west-2: its aliases, policy, rotation and grants', () => {
    const r = row(result, '1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(r.aliases.map((a) => a.name)).toEqual(['alias/ExampleAlias', 'alias/aws/ebs', 'alias/my_alias', 'alias/project-key']);
    expect(r.policyChanged).toEqual({ at: '2022-09-01T20:06:16Z', by: ALICE });
    expect(r.rotation).toEqual({ enabled: false, at: '2022-09-01T19:31:39Z', by: ALICE });
    expect(r.lastRotation).toBe('2021-01-14T01:41:59Z');
    expect(r.grants).toEqual({ created: 2, retired: 1, revoked: 1 });
    // The latest state event is the second published CreateKey example for this ID.
    expect(r.state).toMatchObject({ value: 'Enabled', event: 'CreateKey', at: '2022-09-07T22:37:45Z' });
  });

  it('1234abcd in eu-west-1: deleted by AWS (the DeleteKey after the waiting period)', () => {
    expect(row(result, '1234abcd-12ab-34cd-56ef-1234567890ab', 'eu-west-1').state).toEqual({
      value: 'Deleted',
      at: '2021-12-10T14:23:51Z',
      by: 'AWS Internal',
      event: 'DeleteKey',
    });
  });

  it('the same result for any order of the records', () => {
    for (const seed of [1, 2, 3]) expect(inventory(shuffled(records, seed))).toEqual(result);
    expect(inventory([...records].reverse())).toEqual(result);
  });
});

describe.skipIf(!HAVE_SANS)('on the SANS 504 lab trail (6,235 KMS records)', () => {
  const KEY = '85b4ab0e-eee7-4450-adba-82137e39764c';
  const ARN = `arn:aws:kms:us-west-1:342082656213:key/${KEY}`;

  it('one key, created by root, with its alias and every use counted', () => {
    const records = sansKmsRecords();
    expect(records).toHaveLength(6_235);
    const result = inventory(records);
    const naming = records.filter((r) => JSON.stringify(r).includes(ARN));
    const ops: { [name: string]: number } = {};
    const principals = new Set<string>();
    for (const r of naming) {
      ops[String(r.eventName)] = (ops[String(r.eventName)] ?? 0) + 1;
      const identity = r.userIdentity as { arn?: string; invokedBy?: string };
      principals.add(identity.arn ?? identity.invokedBy ?? '');
    }
    expect(result.keys).toHaveLength(1);
    const r = result.keys[0];
    expect(r).toMatchObject({
      keyId: KEY,
      arn: ARN,
      account: '342082656213',
      region: 'us-west-1',
      aliases: [{ name: 'alias/cloudwatchkms', current: true }],
      created: { at: '2021-07-29T23:53:36Z', by: 'arn:aws:iam::342082656213:root' },
      state: { value: 'Enabled', event: 'CreateKey' },
      events: naming.length,
      errors: 0,
      operations: ops,
    });
    expect(r.principals.distinct).toBe(principals.size);
    const times = naming.map((x) => String(x.eventTime)).sort();
    expect(r.firstSeen).toBe(times[0]);
    expect(r.lastSeen).toBe(times.at(-1));
    expect(inventory([...records].reverse())).toEqual(result);
  });
});

describe('events of one second: the key state and the timeline agree, whatever the order read', () => {
  it('the state is that of the timeline\'s last event, in either file order', async () => {
    const { Timeline } = await import('../../../../src/sinks/aggregators/timeline.js');
    const create = createKey(KEY_A, '2024-01-01T00:00:00Z');
    const enable = kms('EnableKey', '2024-01-02T00:00:00Z', { key: KEY_A });
    const disable = kms('DisableKey', '2024-01-02T00:00:00Z', { key: KEY_A });
    const answers = [
      [create, enable, disable],
      [create, disable, enable],
    ].map((records) => {
      const timeline = new Timeline();
      for (const r of records) timeline.add(r);
      const last = timeline.entries().at(-1)?.eventName;
      return { state: stateOf(records), last };
    });
    expect(answers[0]).toEqual(answers[1]);
    // The state follows the event the timeline shows last.
    expect(answers[0].state).toBe(answers[0].last === 'DisableKey' ? 'Disabled' : 'Enabled');
  });
});
