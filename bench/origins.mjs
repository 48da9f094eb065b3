#!/usr/bin/env node
// Measures origins (src/cloudtrail/issuance.ts, session-index.ts, origins.ts) on one trail file:
// the first pass (issuing calls only, prefiltered on hot fields by the real reader), the index's
// size and heap, and the time of issuanceOf and originOf per record on a second pass. Then the heap
// of a full index (the default cap of issued keys), built from copies of the trail's issuances.
// Plain Node ESM over the built dist/ (`npm run build` first), run with --expose-gc:
//   node --expose-gc bench/origins.mjs trail.json [--fill 1000000]
import { fileURLToPath } from 'node:url';
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';

const dist = (p) => fileURLToPath(new URL(`../dist/${p}`, import.meta.url));
const { readTrail } = await import(dist('reader/trail-reader.js'));
const { fileInput } = await import(dist('sources/expand-paths.js'));
const { issuanceOf, mayBeIssuingCall, ISSUING_PREFILTER_FIELDS } = await import(dist('cloudtrail/issuance.js'));
const { SessionIndex, DEFAULT_MAX_ISSUED_KEYS } = await import(dist('cloudtrail/session-index.js'));
const { originOf } = await import(dist('cloudtrail/origins.js'));

const { values, positionals } = parseArgs({ allowPositionals: true, options: { fill: { type: 'string' } } });
const file = positionals[0];
if (!file || typeof globalThis.gc !== 'function') {
  console.error('usage: node --expose-gc bench/origins.mjs trail.json [--fill N]');
  process.exit(2);
}
const fill = Number(values.fill ?? DEFAULT_MAX_ISSUED_KEYS);
const MIB = 1024 * 1024;
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const onFault = (fault) => console.error('fault', fault);

// First pass: issuing calls only.
const before = heap();
const index = new SessionIndex();
let parsed = 0;
let t0 = process.hrtime.bigint();
for await (const batch of readTrail(fileInput(file, statSync(file).size), { prefilter: mayBeIssuingCall, prefilterFields: ISSUING_PREFILTER_FIELDS, onFault })) {
  for (const { record } of batch) {
    parsed++;
    index.addRecord(record);
  }
}
const firstPassMs = Number(process.hrtime.bigint() - t0) / 1e6;
const indexBytes = heap() - before;

// Second pass: every record; time issuanceOf and originOf alone, batch by batch.
let records = 0;
let issuanceNs = 0n;
let originNs = 0n;
let resolved = 0;
const kinds = new Map();
t0 = process.hrtime.bigint();
for await (const batch of readTrail(fileInput(file, statSync(file).size), { onFault })) {
  records += batch.length;
  let t = process.hrtime.bigint();
  for (const { record } of batch) issuanceOf(record);
  issuanceNs += process.hrtime.bigint() - t;
  t = process.hrtime.bigint();
  const origins = batch.map(({ record }) => originOf(record, index));
  originNs += process.hrtime.bigint() - t;
  for (const o of origins) {
    kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
    if (o.kind !== 'unresolved') resolved++;
  }
}
const secondPassMs = Number(process.hrtime.bigint() - t0) / 1e6;

console.log(`trail: ${file}, ${(statSync(file).size / MIB).toFixed(0)} MiB, ${records} records`);
console.log(`first pass: ${parsed} records parsed (the rest skipped on hot fields), ${index.size} issued keys, ${firstPassMs.toFixed(0)} ms`);
console.log(`index heap: ${(indexBytes / 1024).toFixed(0)} KiB, ${(indexBytes / Math.max(1, index.size)).toFixed(0)} B per issued key`);
console.log(`second pass: ${secondPassMs.toFixed(0)} ms in all`);
console.log(`issuanceOf: ${(Number(issuanceNs) / records).toFixed(0)} ns per record; originOf: ${(Number(originNs) / records).toFixed(0)} ns per record`);
console.log(`origins: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);

// A full index: copies of the trail's issuances under new keys, event IDs and session names (fresh strings, as parsing makes).
const samples = [];
for await (const batch of readTrail(fileInput(file, statSync(file).size), { prefilter: mayBeIssuingCall, prefilterFields: ISSUING_PREFILTER_FIELDS, onFault })) {
  for (const { record } of batch) {
    const issuance = issuanceOf(record);
    if (issuance) samples.push(JSON.stringify(record));
    if (samples.length >= 200) break;
  }
}
const baseline = heap();
const full = new SessionIndex(fill);
t0 = process.hrtime.bigint();
for (let i = 0; i < fill; i++) {
  const record = JSON.parse(samples[i % samples.length]);
  const suffix = i.toString(36).toUpperCase().padStart(8, '0');
  record.responseElements.credentials.accessKeyId = `ASIA${'X'.repeat(8)}${suffix}`;
  record.eventID = `${suffix.toLowerCase()}-0000-4000-8000-${String(i).padStart(12, '0')}`;
  if (record.requestParameters?.roleSessionName) record.requestParameters.roleSessionName += `-${i}`;
  full.add(issuanceOf(record));
}
const fillMs = Number(process.hrtime.bigint() - t0) / 1e6;
const fullBytes = heap() - baseline;
console.log(
  `full index: ${full.size} issued keys, ${(fullBytes / MIB).toFixed(0)} MiB heap (${(fullBytes / full.size).toFixed(0)} B per key), built in ${fillMs.toFixed(0)} ms`,
);
