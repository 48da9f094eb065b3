/**
 * --origin in the filter stage: records whose origin, or any link of its chain, matches; judged
 * with the issuing calls a first pass put in the spec. Cases from the hand-made chains of
 * test/fixtures/sessions/role-chains.json (alice → Admin → BreakGlass; bob → Admin → BreakGlass →
 * KeyAdmin), expectations from its README.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/cloudtrail/record.js';
import { SessionIndex } from '../../../src/cloudtrail/session-index.js';
import { emptyFilterSpec } from '../../../src/filters/filter-spec.js';
import { buildRecordFilter } from '../../../src/filters/record-filter.js';
import { issuanceWindow, LOOKBACK_ROLE_HOPS } from '../../../src/pipeline/issuance-pass.js';
import { FIXTURES } from '../../helpers/run-cli.js';

const RECORDS = (JSON.parse(readFileSync(join(FIXTURES, 'sessions', 'role-chains.json'), 'utf8')) as { Records: JsonObject[] }).Records;
const ALICE_DECRYPT = 'a3decr00-0000-4000-8000-000000000008';
const BOB_DECRYPT = 'b4decr00-0000-4000-8000-000000000016';

function matching(origins: string[]): string[] {
  const index = new SessionIndex();
  for (const r of RECORDS) index.addRecord(r);
  const filter = buildRecordFilter({ ...emptyFilterSpec(), sources: [], origins, issuances: index.issuances() });
  return RECORDS.filter((r) => filter.matches(r)).map((r) => String(r.eventID));
}

describe('--origin', () => {
  it('alice: her own calls and everything her sessions did, not bob\'s', () => {
    const ids = matching(['alice']);
    expect(ids).toContain(ALICE_DECRYPT);
    expect(ids).not.toContain(BOB_DECRYPT);
  });

  it('a role on the way matches too (BreakGlass: both Decrypts), and * matches every record', () => {
    const ids = matching(['BreakGlass']);
    expect(ids).toEqual(expect.arrayContaining([ALICE_DECRYPT, BOB_DECRYPT]));
    expect(matching(['*'])).toHaveLength(RECORDS.length);
  });

  it('any case and globs, as --user', () => {
    expect(matching(['ALI*'])).toContain(ALICE_DECRYPT);
  });

  it('a filter built without the first pass refuses to judge rather than match nothing quietly', () => {
    const filter = buildRecordFilter({ ...emptyFilterSpec(), sources: [], origins: ['alice'] });
    expect(() => filter.matches(RECORDS[0])).toThrow(/first pass/);
  });
});

describe('the first pass window', () => {
  it(`reads from ${36 + 12 + LOOKBACK_ROLE_HOPS - 1} hours before --since to 5 minutes past --until (the clocks' slack)`, () => {
    const since = Date.UTC(2024, 2, 5);
    const until = Date.UTC(2024, 2, 6);
    expect(issuanceWindow({ since, until })).toEqual({ since: since - 50 * 3_600_000, until: until + 5 * 60_000 });
    expect(issuanceWindow({})).toEqual({ since: undefined, until: undefined });
  });
});
