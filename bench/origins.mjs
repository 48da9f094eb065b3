#!/usr/bin/env node
// Measures origins (src/cloudtrail/issuance.ts, session-index.ts, origins.ts) on one trail file:
// the first pass (issuing calls only, prefiltered on hot fields by the real reader), the index's
// size and heap, a plain read for comparison, a second pass with origins, and the time of
// issuanceOf and originOf per record on a sample held in memory. Then the heap
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

// For comparison: reading and parsing every record, nothing more.
t0 = process.hrtime.bigint();
for await (const batch of readTrail(fileInput(file, statSync(file).size), { onFault })) if (batch.length < 0) break;
const plainReadMs = Number(process.hrtime.bigint() - t0) / 1e6;

// Second pass: every record through originOf (kinds counted), and a sample of them kept in memory:
// timing in the read loop would also count the reader's read-ahead on other threads.
let records = 0;
const kinds = new Map();
const sample = [];
const SAMPLE = 50_000;
t0 = process.hrtime.bigint();
for await (const batch of readTrail(fileInput(file, statSync(file).size), { onFault })) {
  for (const { record } of batch) {
    records++;
    issuanceOf(record);
    const { kind } = originOf(record, index);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    // every 4th record, so that the sample spans the trail
    if (records % 4 === 0 && sample.length < SAMPLE) sample.push(record);
  }
}
const secondPassMs = Number(process.hrtime.bigint() - t0) / 1e6;

// Per record, on the sample in memory: the best of 7 rounds of each (the least disturbed by other work).
const best = (fn) => {
  let min = Infinity;
  for (let round = 0; round < 7; round++) {
    const t = process.hrtime.bigint();
    for (const record of sample) fn(record);
    min = Math.min(min, Number(process.hrtime.bigint() - t) / sample.length);
  }
  return min;
};
const issuanceNs = best((record) => issuanceOf(record));
const originNs = best((record) => originOf(record, index));

console.log(`trail: ${file}, ${(statSync(file).size / MIB).toFixed(0)} MiB, ${records} records`);
console.log(`first pass: ${parsed} records parsed (the rest skipped on hot fields), ${index.size} issued keys, ${firstPassMs.toFixed(0)} ms`);
console.log(`index heap: ${(indexBytes / 1024).toFixed(0)} KiB, ${(indexBytes / Math.max(1, index.size)).toFixed(0)} B per issued key`);
console.log(`reading and parsing every record: ${plainReadMs.toFixed(0)} ms; the same with issuanceOf and originOf of each: ${secondPassMs.toFixed(0)} ms`);
console.log(`per record (${sample.length} records in memory, best of 7): issuanceOf ${issuanceNs.toFixed(0)} ns, originOf ${originNs.toFixed(0)} ns`);
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
