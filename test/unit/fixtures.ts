/**
 * Loads the real CloudTrail records in test/fixtures/records/ (see test/fixtures/README.md) and
 * picks single records out of them. eventIDs are not unique in these files (doc examples reuse
 * them, panther uses "1" and "1111" everywhere), so `pick` insists on exactly one match unless
 * told which of several to take.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject } from '../../src/cloudtrail/record.js';
import { CopyFilter } from '../../src/pipeline/copies.js';

export const RECORDS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'records');

export type FixtureFile =
  | 'kms-docs.json'
  | 'panther-labs__panther-analysis.json'
  | 'flosell__trailscraper.json'
  | 'awsdocs__aws-cloudtrail-user-guide.json'
  | 'awsdocs__amazon-dynamodb-developer-guide.json'
  | 'awsdocs__aws-secrets-manager-docs.json'
  | 'zmallen__cloudtrail2sightings.json'
  | 'aws__aws-cli.json';

const cache = new Map<string, JsonObject[]>();

export function loadRecords(file: string): JsonObject[] {
  let records = cache.get(file);
  if (!records) {
    const parsed = JSON.parse(readFileSync(join(RECORDS_DIR, file), 'utf8')) as { Records: JsonObject[] };
    records = parsed.Records;
    cache.set(file, records);
  }
  return records;
}

export function fixtureFiles(): string[] {
  return readdirSync(RECORDS_DIR).filter((f) => f.endsWith('.json')).sort();
}

export interface Where {
  eventID?: string;
  eventName?: string;
  eventTime?: string;
  /** Any further condition. */
  and?: (record: JsonObject) => boolean;
  /** Which of several matches (0-based), when the others are not wanted or are identical. */
  nth?: number;
}

/** The one record of `file` that fits `where`; throws when none or (without nth) several fit. */
export function pick(file: FixtureFile, where: Where): JsonObject {
  const found = loadRecords(file).filter(
    (r) =>
      (where.eventID === undefined || r.eventID === where.eventID) &&
      (where.eventName === undefined || r.eventName === where.eventName) &&
      (where.eventTime === undefined || r.eventTime === where.eventTime) &&
      (where.and === undefined || where.and(r)),
  );
  if (found.length === 0) throw new Error(`no record in ${file} fits ${JSON.stringify(where)}`);
  // Identical duplicates (trailscraper and panther ship some records twice) are one record.
  if (where.nth === undefined && found.every((r) => JSON.stringify(r) === JSON.stringify(found[0]))) return found[0];
  if (where.nth !== undefined) {
    const chosen = found[where.nth];
    if (!chosen) throw new Error(`only ${found.length} records in ${file} fit ${JSON.stringify(where)}`);
    return chosen;
  }
  if (found.length > 1) throw new Error(`${found.length} records in ${file} fit ${JSON.stringify(where)}; say nth`);
  return found[0];
}

/** A deep copy of a real record with some fields replaced or (value undefined) removed. */
export function derive(record: JsonObject, changes: Record<string, unknown>): JsonObject {
  const copy = structuredClone(record);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete copy[key];
    else copy[key] = value;
  }
  return copy;
}

/** A fixed shuffle (a linear congruential generator), so out-of-order input is the same every run. */
export function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Fixture files of test/fixtures/records/, by short name. */
export const K = 'kms-docs.json' as const;
export const P = 'panther-labs__panther-analysis.json' as const;
export const UG = 'awsdocs__aws-cloudtrail-user-guide.json' as const;
export const DDB = 'awsdocs__amazon-dynamodb-developer-guide.json' as const;
export const TS = 'flosell__trailscraper.json' as const;
export const ZM = 'zmallen__cloudtrail2sightings.json' as const;
export const SM = 'awsdocs__aws-secrets-manager-docs.json' as const;

/** The example keys the KMS documentation uses throughout. */
export const KEY_1234 = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_0987 = '0987dcba-09fe-87dc-65ba-ab0987654321';
export const ARN_1234 = `arn:aws:kms:us-west-2:111122223333:key/${KEY_1234}`;
export const ARN_0987 = `arn:aws:kms:us-west-2:111122223333:key/${KEY_0987}`;
export const MRK = 'mrk-1234abcd12ab34cd56ef1234567890ab';

/** The records as the pipeline hands them to every sink: copies of one event dropped (src/pipeline/copies.ts). */
export function withoutCopies(records: readonly JsonObject[]): JsonObject[] {
  const copies = new CopyFilter();
  return records.filter((record) => !copies.isCopy({ record, raw: undefined, file: 'fixture', offset: 0, line: 1 }));
}

/**
 * web-identity.json (a GitHub Actions token's AssumeRoleWithWebIdentity, then a Decrypt with its
 * key) and the same two records again through another OIDC provider with the same subject.
 */
export function webIdentityTwice(): JsonObject[] {
  const records = (JSON.parse(readFileSync(join(RECORDS_DIR, '..', 'sessions', 'web-identity.json'), 'utf8')) as { Records: JsonObject[] }).Records;
  const other = JSON.parse(
    JSON.stringify(records)
      .replaceAll('oidc-provider/token.actions.githubusercontent.com', 'oidc-provider/gitlab.example.com')
      .replaceAll('ASIAWEBIDEXAMPLE0001', 'ASIAWEBIDEXAMPLE0002'),
  ) as JsonObject[];
  other.forEach((r, i) => (r.eventID = `${String(r.eventID)}-gitlab-${i}`));
  return [...records, ...other];
}
