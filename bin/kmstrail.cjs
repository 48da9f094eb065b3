#!/usr/bin/env node
// Thin entry: runs the bundled CLI (dist/bundle/, made by `npm run build`, which `npm install`
// runs) with V8's code cache beside it, so that start-up compiles almost nothing. CommonJS, as
// the ES module loader alone costs a noticeable part of a run over one small file. See
// build/bundle.mjs; with no cache, or one V8 rejects, the bundle just compiles as usual.
'use strict';
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const bundle = join(__dirname, '..', 'dist', 'bundle', 'main.cjs');
const cacheFile = `${bundle}.cache`;
const writeCache = process.env.KMSTRAIL_WRITE_CODE_CACHE === '1';
const cachedData = !writeCache && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
const cli = { exports: {} };
script.runInThisContext()(cli.exports, Module.createRequire(bundle), cli, bundle, dirname(bundle));

cli.exports.main(process.argv).then((code) => {
  process.exitCode = code;
  if (writeCache) writeFileSync(cacheFile, script.createCachedData());
});
