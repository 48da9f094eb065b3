/**
 * `--event` names that would quietly match nothing: typos, another service's events. Judged on the
 * names of real trails (none of which may be called unknown) and on typed mistakes.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AWS_EVENT_NAMES } from '../../../src/cloudtrail/aws-event-names.js';
import { editDistance, eventNameAdvice } from '../../../src/cloudtrail/event-names.js';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { fixtureFiles, loadRecords } from '../fixtures.js';

const KMS = ['kms.amazonaws.com'];
const TREES = fileURLToPath(new URL('../../../../shared/samples/trees/', import.meta.url));

describe('editDistance', () => {
  it('insertions, deletions, substitutions and swapped neighbours cost one each', () => {
    expect(editDistance('createkeys', 'createkey')).toBe(1);
    expect(editDistance('decrpyt', 'decrypt')).toBe(1);
    expect(editDistance('encrypt', 'decrypt')).toBe(2);
    expect(editDistance('scheduledeletion', 'schedulekeydeletion')).toBe(3);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('gives up (Infinity) past the limit', () => {
    expect(editDistance('decrypt', 'generatedatakey', 2)).toBe(Infinity);
    expect(editDistance('createkeys', 'createkey', 1)).toBe(1);
  });
});

describe('eventNameAdvice', () => {
  it('a near miss of a KMS name: did you mean', () => {
    expect(eventNameAdvice('CreateKeys', KMS)).toMatchObject({ kind: 'did-you-mean', suggestions: ['CreateKey'] });
    expect(eventNameAdvice('ScheduleDeletion', KMS)).toMatchObject({ kind: 'did-you-mean', suggestions: ['ScheduleKeyDeletion'] });
    expect(eventNameAdvice('decrpyt', KMS)).toMatchObject({ kind: 'did-you-mean', suggestions: ['Decrypt'] });
  });

  it('a known name in any case, or a glob: nothing to say', () => {
    for (const name of ['CreateKey', 'createkey', 'GENERATEDATAKEY', 'Create*', 'Decrypt?', '*']) expect(eventNameAdvice(name, KMS)).toBeUndefined();
  });

  it("another service's event, when only KMS is read: whose it is", () => {
    expect(eventNameAdvice('ConsoleLogin', KMS)).toMatchObject({ kind: 'other-source', belongsTo: ['signin.amazonaws.com'] });
    expect(eventNameAdvice('GetObject', KMS)).toMatchObject({ kind: 'other-source', belongsTo: ['s3.amazonaws.com'] });
    expect(eventNameAdvice('GetObject', ['s3.amazonaws.com'])).toBeUndefined();
    expect(eventNameAdvice('ConsoleLogin', [])).toBeUndefined();
  });

  it('nothing close to a KMS name: unknown, since every KMS name is known', () => {
    expect(eventNameAdvice('Foo', KMS)).toMatchObject({ kind: 'unknown' });
  });

  it('every source read: one-letter misses of any known name; unknown names are not judged', () => {
    expect(eventNameAdvice('GetObjct', [])).toMatchObject({ kind: 'did-you-mean', suggestions: ['GetObject'] });
    expect(eventNameAdvice('CreateKeys', [])).toMatchObject({ kind: 'did-you-mean', suggestions: ['CreateKey'] });
    // Three edits from ScheduleKeyDeletion: a name of a service kmstrail does not know could be that close.
    expect(eventNameAdvice('ScheduleDeletion', [])).toBeUndefined();
    expect(eventNameAdvice('SomethingNoServiceCalls', [])).toBeUndefined();
  });

  it('services not known completely: a one-letter miss is pointed out, an unknown name is not judged', () => {
    expect(eventNameAdvice('GetBukcetPolicyStatus', ['s3.amazonaws.com'])).toMatchObject({ kind: 'did-you-mean', suggestions: ['GetBucketPolicyStatus'] });
    expect(eventNameAdvice('ConsoleLogin', ['s3.amazonaws.com'])).toBeUndefined();
    // Real S3 event names that are IAM action names, not API operations.
    expect(eventNameAdvice('GetBucketPublicAccessBlock', ['s3.amazonaws.com'])).toBeUndefined();
    // A service kmstrail knows no names of.
    expect(eventNameAdvice('ListWorkGroups', ['athena.amazonaws.com'])).toBeUndefined();
    expect(eventNameAdvice('CreateKeys', ['kms.amazonaws.com', 'athena.amazonaws.com'])).toMatchObject({ kind: 'did-you-mean' });
    expect(eventNameAdvice('Foo', ['kms.amazonaws.com', 'athena.amazonaws.com'])).toBeUndefined();
  });

  it('Lambda operations: the spelling with the API version is pointed out', () => {
    expect(eventNameAdvice('CreateFunction', ['lambda.amazonaws.com'])).toEqual({ kind: 'versioned', name: 'CreateFunction', dated: 'CreateFunction20150331' });
    expect(eventNameAdvice('CreateFunction', [])).toMatchObject({ kind: 'versioned' });
    // Also a KMS operation: nothing to say about Lambda's spelling.
    expect(eventNameAdvice('CreateAlias', [])).toBeUndefined();
    expect(eventNameAdvice('CreateFunction20150331', ['lambda.amazonaws.com'])).toBeUndefined();
    expect(eventNameAdvice('UpdateFunctionCode20150331v2', ['lambda.amazonaws.com'])).toBeUndefined();
  });
});

/** Every (eventSource, eventName) of the trails at hand: the fixtures and the shared sample trees. */
function realNames(): Array<[string, string]> {
  const pairs = new Set<string>();
  const add = (records: unknown) => {
    for (const r of Array.isArray(records) ? (records as JsonObject[]) : []) {
      if (typeof r?.eventSource === 'string' && typeof r.eventName === 'string') pairs.add(`${r.eventSource} ${r.eventName}`);
    }
  };
  for (const file of fixtureFiles()) add(loadRecords(file));
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
  // The plain JSON trees (the SANS tree is gzip and KMS-only here: its names are in kms-docs too).
  for (const tree of ['invictus-ir', 'stratus-red-team.cloud', 'traildiscover.cloud']) {
    for (const file of walk(join(TREES, tree)).filter((f) => f.endsWith('.json'))) {
      let doc: { Records?: unknown } | unknown[];
      try {
        doc = JSON.parse(readFileSync(file, 'utf8')) as typeof doc;
      } catch {
        continue; // one traildiscover sample is not JSON
      }
      add(Array.isArray(doc) ? doc : (doc.Records ?? [doc]));
    }
  }
  return [...pairs].map((pair) => pair.split(' ') as [string, string]);
}

describe('on the names of real trails', () => {
  const names = realNames();

  it('reads enough of them to mean something', () => {
    expect(names.length).toBeGreaterThan(200);
    expect(new Set(names.map(([source]) => source)).size).toBeGreaterThan(15);
  });

  it('no real event name gets a warning, with its own source read or every source', () => {
    const warned = names.flatMap(([source, name]) => {
      const own = eventNameAdvice(name, [source]);
      const all = eventNameAdvice(name, []);
      return (own && own.kind !== 'versioned') || all ? [`${source} ${name}: ${JSON.stringify(own ?? all)}`] : [];
    });
    expect(warned).toEqual([]);
  });

  it('every KMS event name of the real trails is in the KMS list', () => {
    const kms = new Set(AWS_EVENT_NAMES['kms.amazonaws.com'].trim().split(/\s+/));
    for (const [source, name] of names) if (source === 'kms.amazonaws.com') expect(kms).toContain(name);
  });
});
