#!/usr/bin/env node
// Thin entry: runs the bundled CLI (dist/bundle/, made by `npm run build`, which `npm install`
// runs) with V8's code cache beside it, so that start-up compiles almost nothing. See
// build/bundle.mjs; with no cache, or one V8 rejects, the bundle just compiles as usual.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const bundle = fileURLToPath(new URL('../dist/bundle/main.cjs', import.meta.url));
const cacheFile = `${bundle}.cache`;
const writeCache = process.env.KMSTRAIL_WRITE_CODE_CACHE === '1';
const cachedData = !writeCache && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));

process.exitCode = await module.exports.main(process.argv);
if (writeCache) writeFileSync(cacheFile, script.createCachedData());
