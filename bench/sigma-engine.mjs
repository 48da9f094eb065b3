#!/usr/bin/env node
// Times the Sigma engine alone (no CLI, no output): reads a trail with the project's reader (built
// dist/), feeds every record to a SigmaEngine and reports the evaluation time per record, the hits,
// and how many records the hot-field prefilter kept from being parsed.
//   npm run build && node bench/sigma-engine.mjs TRAIL [RULES...]    (default rules: ../shared/sigma/rules)
//   e.g. node ../shared/bench/gen-trail.mjs --mb 256 --out /tmp/x.json && node bench/sigma-engine.mjs /tmp/x.json
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fileInput } from '../dist/sources/local-files.js';
import { readTrail } from '../dist/reader/trail-reader.js';
import { loadSigmaRules, SigmaEngine } from '../dist/rules/sigma/index.js';

const [trail, ...rulePaths] = process.argv.slice(2);
if (!trail) {
  console.error('usage: node bench/sigma-engine.mjs TRAIL [RULE FILES OR DIRS...]');
  process.exit(2);
}
const set = await loadSigmaRules(rulePaths.length > 0 ? rulePaths : [fileURLToPath(new URL('../../shared/sigma/rules', import.meta.url))]);
for (const p of set.problems) console.error(`${p.file}: ${p.message}`);
let hits = 0;
const engine = new SigmaEngine(set.rules, { onHit: () => hits++ });
let parsed = 0;
let seen = 0;
let evalMs = 0;
const options = {
  onFault: (f) => console.error(`${f.file}: ${f.message}`),
  onProgress: (progress) => (seen += progress.records),
};
if (engine.hotFields.length > 0) options.prefilter = { fields: engine.hotFields, accept: engine.acceptsHot };
const start = performance.now();
for await (const batch of readTrail(fileInput(trail, statSync(trail).size), options)) {
  parsed += batch.length;
  const t = performance.now();
  for (const r of batch) engine.feed(r.record, r);
  evalMs += performance.now() - t;
}
const t = performance.now();
engine.end();
evalMs += performance.now() - t;
const total = performance.now() - start;
console.log(
  JSON.stringify(
    {
      rules: set.rules.length,
      hotFields: engine.hotFields,
      records: seen,
      parsed,
      rejectedByPrefilter: seen > 0 ? +(1 - parsed / seen).toFixed(4) : 0,
      totalMs: Math.round(total),
      evalMs: Math.round(evalMs),
      evalMicrosPerParsedRecord: +((evalMs * 1000) / Math.max(parsed, 1)).toFixed(2),
      hits,
      stats: engine.stats,
    },
    null,
    2,
  ),
);
