/**
 * The CLI as shipped: two CommonJS bundles (the command line, and the read worker) and a V8 code
 * cache for the first. Start-up is most of a run over one small file; a hundred ES modules to
 * resolve and compile were most of start-up. `bin/kmstrail.cjs` runs the bundle with the cache.
 *
 * The cache is made by running one ordinary command over a bundled sample, so that the functions
 * a run compiles lazily are in it too. V8 rejects a cache made by another V8 or for other source,
 * and the bundle then compiles as usual: a stale cache costs time, never correctness.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts', 'src/pipeline/read-worker.ts'],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir,
  entryNames: '[name]',
  outExtension: { '.js': '.cjs' },
  // Loaded only for s3:// paths, and big: required when needed, from node_modules.
  external: ['@aws-sdk/*'],
  // import() becomes require(): the bundle runs as a script, where import() needs a loader.
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__kmstrailUrl', KMSTRAIL_READ_WORKER: '"./read-worker.cjs"' },
  banner: { js: "const __kmstrailUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
execFileSync(process.execPath, [`${root}bin/kmstrail.cjs`, 'filter', '--all-sources', '--format', 'jsonl', `${root}samples`], {
  env: { ...process.env, KMSTRAIL_WRITE_CODE_CACHE: '1' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
