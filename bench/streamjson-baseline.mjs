#!/usr/bin/env node
// Baseline for `npm run bench`: the "obvious" streaming approach with stream-json v3,
// i.e. what kmstrail is measured against. Prints each record of a CloudTrail file
// whose eventName matches, one JSON.stringify(record) per line (same shape as `jq -c`).
//
// Usage: node bench/streamjson-baseline.mjs FILE [--event NAME]   (NAME defaults to CreateKey)
import fs from 'node:fs';
import { parser } from 'stream-json/parser.js';
import { pick } from 'stream-json/filters/pick.js';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import chain from 'stream-chain';

const argv = process.argv.slice(2);
const file = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--event');
const eventIdx = argv.indexOf('--event');
const eventName = eventIdx >= 0 ? argv[eventIdx + 1] : 'CreateKey';
if (!file) {
  console.error('usage: node bench/streamjson-baseline.mjs FILE [--event NAME]');
  process.exit(2);
}

const pipeline = chain([
  fs.createReadStream(file),
  parser(),
  pick({ filter: 'Records' }),
  streamArray(),
  // Returning chain.none drops the item; piping the strings to stdout keeps backpressure.
  ({ value }) => (value.eventName === eventName ? JSON.stringify(value) + '\n' : chain.none),
]);

pipeline.on('error', (err) => {
  console.error(`streamjson-baseline: ${err.message}`);
  process.exit(1);
});
pipeline.pipe(process.stdout);
