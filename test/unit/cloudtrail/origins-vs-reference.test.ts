/**
 * Differential test: the origin of every record of a generated trail, from src/, equals what a
 * plain script written apart from src/ (test/helpers/origin-reference.mjs) computes over the same
 * file, with the records in file order and in reverse (issuing calls then come after their uses).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isIssuingCall } from '../../../src/cloudtrail/issuance.js';
import { originOf, type Origin } from '../../../src/cloudtrail/origins.js';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { SessionIndex } from '../../../src/cloudtrail/session-index.js';
import { SHARED } from '../../helpers/run-cli.js';

const GENERATOR = join(SHARED, 'bench', 'gen-trail.mjs');
const REFERENCE = fileURLToPath(new URL('../../helpers/origin-reference.mjs', import.meta.url));

/** The reference's line for one record, from an Origin. */
function line(record: JsonObject, origin: Origin): string {
  const chain = origin.chain.map((l) => `${l.principal}[${l.via ?? ''}@${l.eventID ?? ''}]`).join(' > ');
  return `${String(record.eventID)}\t${origin.kind}:${origin.identity}\t${chain}`;
}

function origins(records: readonly JsonObject[], order: readonly JsonObject[]): string[] {
  const index = new SessionIndex();
  for (const record of order) {
    if (isIssuingCall(record.eventSource as string | undefined, record.eventName as string | undefined)) index.addRecord(record);
  }
  return records.map((record) => line(record, originOf(record, index)));
}

describe('origins of a generated trail vs the reference script', () => {
  let dir: string;
  let records: JsonObject[];
  let expected: string[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kmstrail-origins-'));
    const trail = join(dir, 'trail.json');
    execFileSync(process.execPath, [GENERATOR, '--mb', '5', '--seed', '11', '--out', trail], { stdio: 'pipe' });
    records = (JSON.parse(readFileSync(trail, 'utf8')) as { Records: JsonObject[] }).Records;
    expected = execFileSync(process.execPath, [REFERENCE, trail], { encoding: 'utf8', maxBuffer: 64 << 20 }).trimEnd().split('\n');
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the trail holds what the comparison is about: sessions of every kind, chains of three role hops', () => {
    expect(expected).toHaveLength(records.length);
    const kinds = new Set(expected.map((l) => l.split('\t')[1].split(':')[0]));
    for (const kind of ['iam-user', 'root', 'aws-service', 'saml-user', 'web-identity-user']) expect(kinds).toContain(kind);
    const hops = expected.map((l) => l.split('\t')[2].split(' > ').length - 1);
    expect(hops.filter((h) => h >= 3).length).toBeGreaterThan(0);
    expect(hops.filter((h) => h === 2).length).toBeGreaterThan(0);
    // every session of a generated trail was issued inside it
    expect(expected.filter((l) => l.split('\t')[1].startsWith('unresolved:'))).toEqual([]);
  });

  it('every record, in file order', () => {
    const actual = origins(records, records);
    const differing = actual.map((l, i) => [l, expected[i]]).filter(([a, e]) => a !== e);
    expect(differing.slice(0, 5)).toEqual([]);
    expect(actual).toEqual(expected);
  });

  it('every record, with the first pass over the records in reverse order', () => {
    const reversed = [...records].reverse();
    expect(origins(records, reversed)).toEqual(expected);
    // and the origins asked for in reverse order too
    expect(origins(reversed, reversed)).toEqual([...expected].reverse());
  });
});
