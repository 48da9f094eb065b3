/**
 * Every record of the trail files under a path, read plainly (JSON.parse of whole files, gunzip
 * for .gz), in file-name order: what the Sigma reference evaluator is given, apart from the tool.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export type TrailRecordObject = Record<string, unknown>;

/** Files under `path` (itself when a file), walked in name order as kmstrail walks them. */
export function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

/** Every record of every .json / .json.gz file under `path` (delivery files, bare arrays, single records). */
export function recordsUnder(path: string): TrailRecordObject[] {
  const out: TrailRecordObject[] = [];
  for (const file of filesUnder(path)) {
    if (!/\.json(\.gz)?$/.test(file)) continue;
    let bytes = readFileSync(file);
    if (file.endsWith('.gz')) bytes = gunzipSync(bytes);
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      // traildiscover.cloud has one file written as a JavaScript literal: not JSON, not records.
      continue;
    }
    const list = Array.isArray(value) ? value : ((value as { Records?: unknown[] }).Records ?? [value]);
    for (const r of list) if (typeof r === 'object' && r !== null && !Array.isArray(r)) out.push(r as TrailRecordObject);
  }
  return out;
}
