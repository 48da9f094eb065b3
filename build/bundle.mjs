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
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** commander requires child_process (and with it net) when loaded, for subcommands run as executables, which kmstrail has none of. */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (/commander/.test(args.importer) ? { path: 'child_process', namespace: 'lazy' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({ contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });", loader: 'js' }));
  },
};

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
  minifyWhitespace: true,
  plugins: [lazyChildProcess],
});
// One character past ASCII makes V8 hold the whole source as a two-byte string: twice the memory,
// and reading it took 7 ms instead of 4 at every start. esbuild escapes such characters everywhere
// but in tagged templates (escaping would change their raw text) and kept /*! */ comments: write
// those as \u escapes.
for (const file of readdirSync(outdir).filter((name) => name.endsWith('.cjs'))) {
  const text = readFileSync(`${outdir}/${file}`, 'latin1');
  const at = text.search(/[^\x00-\x7f]/);
  if (at >= 0) throw new Error(`dist/bundle/${file}: a character past ASCII at byte ${at} (${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}); see build/bundle.mjs`);
}
execFileSync(process.execPath, [`${root}bin/kmstrail.cjs`, 'filter', '--all-sources', '--format', 'jsonl', `${root}samples`], {
  env: { ...process.env, KMSTRAIL_WRITE_CODE_CACHE: '1' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
