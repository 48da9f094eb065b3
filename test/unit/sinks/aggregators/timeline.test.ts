/**
 * The timeline: per-event digests of the parameters that matter, ordering across inputs that
 * arrive out of order, and the three printers. Real records from the AWS KMS guide,
 * panther's rule tests and the SANS lab; expected values written out from the records themselves.
 */
import { Writable } from 'node:stream';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../../src/cloudtrail/record.js';
import { eventDetails, eventParameters, Timeline, timelineEntry, type TimelineEntry } from '../../../../src/sinks/aggregators/timeline.js';
import { Output } from '../../../../src/sinks/output.js';
import { TIMELINE_PRINTERS } from '../../../../src/sinks/timeline-format.js';
import { derive, loadRecords, pick, shuffled, withoutCopies, K, P, DDB, KEY_1234 } from '../../fixtures.js';

/** Records of kms-docs that name key 1234abcd anywhere (an independent, textual test). */
const key1234Records = () => loadRecords(K).filter((r) => JSON.stringify(r).includes(KEY_1234));

function collect(records: readonly JsonObject[]): Timeline {
  const timeline = new Timeline();
  for (const r of records) timeline.add(r);
  return timeline;
}

async function printed(print: (out: Output) => void): Promise<string> {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const out = new Output(stream);
  print(out);
  await out.end();
  return chunks.join('');
}

describe('eventDetails: the parameters that matter, in one line', () => {
  it('ScheduleKeyDeletion: the waiting period', () => {
    expect(eventDetails(pick(K, { eventName: 'ScheduleKeyDeletion', eventID: '3c4226b0-1e81-48a8-a333-7fa5f3cbd118' }))).toBe(
      'pendingWindowInDays=20',
    );
  });

  it('CreateGrant: grantee, operations, grant ID, constraints', () => {
    expect(eventDetails(pick(K, { eventID: '5d529779-2d27-42b5-92da-91aaea1fc4b5' }))).toBe(
      'granteePrincipal=EX_PRINCIPAL_ID; operations=Encrypt,RetireGrant; ' +
        'grantId=f020fe75197b93991dc8491d6f19dd3cebb24ee62277a05914386724f3d48758; constraints: encryptionContextSubset=ContextKey1=Value1',
    );
    expect(eventDetails(pick(DDB, { eventName: 'CreateGrant' }))).toBe(
      'granteePrincipal=dynamodb.us-west-2.amazonaws.com; operations=DescribeKey,GenerateDataKey,Decrypt,Encrypt,ReEncryptFrom,ReEncryptTo,RetireGrant; ' +
        'retiringPrincipal=dynamodb.us-west-2.amazonaws.com; grantId=5c5cd4a3d68e65e77795f5ccc2516dff057308172b0cd107c85b5215c6e48bde; ' +
        'constraints: encryptionContextSubset=aws:dynamodb:tableName=Books,aws:dynamodb:subscriberId=111122223333',
    );
  });

  it('PutKeyPolicy: a digest of the new policy (string or already parsed)', () => {
    expect(eventDetails(pick(K, { eventName: 'PutKeyPolicy' }))).toBe('policy: 1 statement: Allow arn:aws:iam::111122223333:root kms:*');
    expect(eventDetails(pick(P, { eventID: 'test-04' }))).toBe('policy: 1 statement: Allow * kms:Decrypt');
  });

  it('PutKeyPolicy: a policy that does not parse is said so, with the lockout bypass', () => {
    const record = derive(pick(K, { eventName: 'PutKeyPolicy' }), {
      requestParameters: { keyId: KEY_1234, policy: '{"Statement": [', bypassPolicyLockoutSafetyCheck: true },
    });
    expect(eventDetails(record)).toBe('bypassPolicyLockoutSafetyCheck=true; policy: policy unreadable (not valid JSON: Unexpected end of JSON input)');
  });

  it('CreateKey: spec, usage, origin, and the policy when one is given', () => {
    expect(eventDetails(pick(K, { eventID: '36327b37-f4f6-40a9-92ab-48064ec905a2' }))).toBe(
      'keySpec=SYMMETRIC_DEFAULT; keyUsage=ENCRYPT_DECRYPT; origin=EXTERNAL',
    );
  });

  it('cryptographic calls: the encryption context; tags; aliases; no parameters at all', () => {
    expect(eventDetails(pick(K, { eventName: 'Decrypt', eventTime: '2020-07-27T22:58:24Z' }))).toBe(
      'context: Department=Engineering,Project=Alpha',
    );
    expect(eventDetails(pick(K, { eventName: 'TagResource' }))).toBe('tags=Department=IT');
    expect(eventDetails(pick(K, { eventName: 'CreateAlias' }))).toBe(`aliasName=alias/ExampleAlias; targetKeyId=${KEY_1234}`);
    expect(eventDetails(pick(K, { eventName: 'RetireGrant' }))).toBe('');
    expect(eventDetails(pick(K, { eventName: 'DisableKey' }))).toBe('');
  });

  // Was cut at 500 characters here, so json and jsonl lost the rest: cutting is the table's business.
  it('a huge parameter is kept whole in the details and in the structured parameters', () => {
    const record = derive(pick(K, { eventName: 'UpdateKeyDescription' }), { requestParameters: { description: 'x'.repeat(2000) } });
    expect(eventDetails(record)).toBe(`description=${'x'.repeat(2000)}`);
    expect(eventParameters(record)).toEqual({ description: 'x'.repeat(2000) });
  });

  it('an S3 bucket policy (an object beside an empty "policy") is read as the policy', () => {
    const record = derive(pick(K, { eventName: 'PutKeyPolicy' }), {
      eventSource: 's3.amazonaws.com',
      eventName: 'PutBucketPolicy',
      requestParameters: {
        bucketName: 'logs',
        policy: [''],
        bucketPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 's3:GetObject' }] },
      },
    });
    expect(eventDetails(record)).toBe('policy: 1 statement: Allow arn:aws:iam::444455556666:root s3:GetObject');
    expect(eventParameters(record).policy).toEqual({ statements: ['Allow arn:aws:iam::444455556666:root s3:GetObject'] });
  });
});

describe('timelineEntry', () => {
  it('the line of a real root call from the SANS lab', () => {
    const createKey = {
      eventVersion: '1.08',
      userIdentity: { type: 'Root', principalId: '342082656213', arn: 'arn:aws:iam::342082656213:root', accountId: '342082656213' },
      eventTime: '2021-07-29T23:54:35Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'ListAliases',
      awsRegion: 'us-west-1',
      sourceIPAddress: '96.253.26.224',
      requestParameters: null,
      eventID: 'ba7bb230-18cf-4ab3-bdbd-0c0a8d5397ce',
    };
    expect(timelineEntry(createKey)).toEqual({
      time: '2021-07-29T23:54:35Z',
      eventName: 'ListAliases',
      actor: 'root',
      actorArn: 'arn:aws:iam::342082656213:root',
      key: '',
      errorCode: undefined,
      details: '',
      parameters: {},
      region: 'us-west-1',
      sourceIp: '96.253.26.224',
      eventId: 'ba7bb230-18cf-4ab3-bdbd-0c0a8d5397ce',
    });
  });

  it('outcome and a normalised time for a failed call with a panther-style time', () => {
    const entry = timelineEntry(pick(P, { eventName: 'DisableKey', and: (r) => r.errorCode === 'NotFoundException' }));
    expect([entry.time, entry.errorCode, entry.actor, entry.key]).toEqual(['2019-01-01T00:00:00Z', 'NotFoundException', 'tester', '1']);
    const pantherTime = timelineEntry(pick(P, { eventID: 'test-04' }));
    expect(pantherTime.time).toBe('2024-01-01T00:00:00Z');
  });
});

describe('Timeline: order across inputs', () => {
  it('every record of key 1234abcd, shuffled, comes out in eventTime order', () => {
    const input = shuffled(key1234Records());
    // The oracle: first copies only (the guide shows GenerateDataKey a9dea4f9 twice, same ID, time and
    // outcome), then a stable sort on Date.parse (all these times are ISO with Z).
    const seen = new Set<string>();
    const firsts = input.filter((r) => {
      const id = JSON.stringify([r.eventID, r.eventTime, r.eventName, r.errorCode, r.recipientAccountId]);
      return !seen.has(id) && !!seen.add(id);
    });
    expect(firsts).toHaveLength(input.length - 1);
    const expected = firsts.sort((a, b) => Date.parse(a.eventTime as string) - Date.parse(b.eventTime as string));
    // The pipeline drops the copy before the timeline sees it.
    const entries = collect(withoutCopies(input)).entries();
    expect(entries).toHaveLength(expected.length);
    expect(entries.map((e) => [e.time, e.eventName, e.eventId])).toEqual(expected.map((r) => [r.eventTime, r.eventName, r.eventID]));
  });

  it('two "files" given newest first merge into one order', () => {
    const all = key1234Records();
    const older = all.filter((r) => (r.eventTime as string) < '2020-01-01');
    const newer = all.filter((r) => (r.eventTime as string) >= '2020-01-01');
    const times = collect([...newer, ...older]).entries().map((e) => e.time);
    expect(times).toEqual([...times].sort());
    expect(times[0]).toBe('2014-11-04T00:50:30Z');
  });

  it('equal times in the order keys gives them (eventName, eventID...), whatever the input order; unreadable times last', () => {
    const a = derive(pick(K, { eventName: 'DisableKey' }), { eventID: 'a', eventTime: '2024-01-01T00:00:00Z' });
    const b = derive(a, { eventID: 'b' });
    const bad1 = derive(a, { eventID: 'bad1', eventTime: 'not a time' });
    const bad2 = derive(a, { eventID: 'bad2', eventTime: undefined });
    const early = derive(a, { eventID: 'early', eventTime: '2023-12-31 23:59:59' });
    expect(collect([bad1, b, a, bad2, early]).entries().map((e) => e.eventId)).toEqual(['early', 'a', 'b', 'bad1', 'bad2']);
    expect(collect([early, bad2, a, b, bad1]).entries().map((e) => e.eventId)).toEqual(['early', 'a', 'b', 'bad1', 'bad2']);
  });
});

describe('printers', () => {
  const plain = new Chalk({ level: 0 });
  const entries = (): TimelineEntry[] => collect([pick(K, { eventName: 'ScheduleKeyDeletion', eventID: '3c4226b0-1e81-48a8-a333-7fa5f3cbd118' })]).entries();
  const line =
    '{"time":"2021-03-23T18:58:30Z","eventName":"ScheduleKeyDeletion","actor":"Alice","actorArn":"arn:aws:iam::111122223333:user/Alice",' +
    `"key":"${KEY_1234}","errorCode":null,"details":{"pendingWindowInDays":20},"region":"us-east-1","sourceIPAddress":"192.0.2.0",` +
    '"eventID":"3c4226b0-1e81-48a8-a333-7fa5f3cbd118"}';

  it('timeline jsonl and json: fixed keys, null when absent', async () => {
    expect(await printed((out) => TIMELINE_PRINTERS.jsonl(out, entries(), plain))).toBe(`${line}\n`);
    expect(await printed((out) => TIMELINE_PRINTERS.json(out, entries(), plain))).toBe(`[\n${line}\n]\n`);
    expect(await printed((out) => TIMELINE_PRINTERS.json(out, [], plain))).toBe('[]\n');
  });

  it('timeline table: the columns, and log values made terminal-safe', async () => {
    const hostile = derive(pick(K, { eventName: 'DisableKey' }), {
      userIdentity: { type: 'IAMUser', userName: 'evil\u001b[2J\u202e', arn: 'arn:aws:iam::111122223333:user/evil' },
    });
    const text = await printed((out) => TIMELINE_PRINTERS.table(out, collect([hostile]).entries(), plain));
    expect(text).toContain('time (UTC)');
    expect(text).toContain('outcome');
    expect(text).toContain('evil\\x1b[2J\\u202e');
    expect(text).not.toContain('\u001b');
    expect(await printed((out) => TIMELINE_PRINTERS.table(out, [], plain))).toBe('(no matching events)\n');
  });

});
