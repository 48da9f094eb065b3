/**
 * Trees laid out as CloudTrail lays them out, from a generated trail: each record in the folder of
 * its recipient account, its region and its delivery day (ten minutes after its eventTime, so a
 * record of 23:55 sits in the next day's folder). `gen-trail.mjs --tree` files records in folders
 * at random, which is what a tree that does not keep the layout looks like.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Json } from './e2e.js';
import { SHARED } from './run-cli.js';

/** Records of a generated trail (`gen-trail.mjs --out`), with these arguments. */
export function generatedRecords(out: string, args: string[]): Json[] {
  const gen = spawnSync(process.execPath, [join(SHARED, 'bench/gen-trail.mjs'), ...args, '--out', out], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`gen-trail.mjs failed: ${gen.stderr}`);
  return (JSON.parse(readFileSync(out, 'utf8')) as { Records: Json[] }).Records;
}

/** Writes `records` under `tree/AWSLogs/...` as CloudTrail would have delivered them; the files written. */
export function layOutTree(records: Json[], tree: string): string[] {
  const folders = new Map<string, Json[]>();
  for (const r of records) {
    if (typeof r.recipientAccountId !== 'string' || typeof r.awsRegion !== 'string' || typeof r.eventTime !== 'string') continue;
    const delivered = new Date(Date.parse(r.eventTime) + 10 * 60_000).toISOString();
    const folder = join(tree, 'AWSLogs', r.recipientAccountId, 'CloudTrail', r.awsRegion, delivered.slice(0, 4), delivered.slice(5, 7), delivered.slice(8, 10));
    folders.set(folder, [...(folders.get(folder) ?? []), r]);
  }
  const files: string[] = [];
  for (const [folder, held] of folders) {
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `${String(held[0].recipientAccountId)}_CloudTrail_${String(held[0].awsRegion)}_x.json.gz`);
    writeFileSync(file, gzipSync(JSON.stringify({ Records: held })));
    files.push(file);
  }
  return files;
}
