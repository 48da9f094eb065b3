/**
 * The KMS records of the SANS 504 S3 ransomware lab trail (3,872 real delivery files, 6,235 KMS
 * records), read from the shared samples where they live: the collection has no licence, so it is
 * not copied into the repo. Tests that use it are skipped when the folder is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { JsonObject } from '../../src/cloudtrail/record.js';

export const SANS = fileURLToPath(new URL('../../../shared/samples/trees/SANS-504-S3-ransomware-lab', import.meta.url));
export const HAVE_SANS = existsSync(SANS);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

let cache: JsonObject[] | undefined;

/** Every record of the trail whose eventSource is KMS, file by file in path order. */
export function sansKmsRecords(): JsonObject[] {
  cache ??= files(SANS)
    .filter((f) => f.endsWith('.json.gz'))
    .flatMap((f) => (JSON.parse(gunzipSync(readFileSync(f)).toString('utf8')) as { Records: JsonObject[] }).Records)
    .filter((r) => r.eventSource === 'kms.amazonaws.com');
  return cache;
}
