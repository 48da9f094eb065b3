#!/usr/bin/env node
// kmstrail benchmark (`npm run bench`). Plain Node ESM, built-ins only.
//
// Generates synthetic CloudTrail input with ../shared/bench/gen-trail.mjs, then times kmstrail
// side by side with jq, zcat and a plain stream-json pipeline on the same machine in one run,
// checks that kmstrail prints the same records as jq, and prints a table of wall time,
// throughput, peak RSS and the goals of the performance issue. Results also go to OUT/results.json.
//
// Exit code: 0 when every output check passed or was skipped (a missed goal or a failing command
// is reported, not fatal: this is a report); 1 when some output differs; 2 on usage errors.
//
// Run `node bench/run.mjs --help` for the options.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const MIB = 1024 * 1024;
const RSS_LIMIT_MB = 200;
const ALL_SCENARIOS = ['startup', 'event-plain', 'event-gz', 'all-jsonl', 'big-rss', 'two-cores', 'tree-jobs', 'small-files', 'sans-tree', 'many-files', 'sigma'];
/**
 * One CPU-bound job with no shared state (gunzip in a loop): run alone, and two copies at once,
 * for what this machine's cores give work that is parallel by construction, the ceiling of any
 * `--jobs 2` figure measured beside it.
 */
const CPU_JOB = `const z=require('zlib');const g=z.gzipSync(Buffer.alloc(1<<20,'abcdefghij'));for(let i=0;i<500;i++)z.gunzipSync(g)`;
/** The real tree of many small files the tree goals are stated for (skipped when absent). */
const SANS_TREE = fileURLToPath(new URL('../../shared/samples/trees/SANS-504-S3-ransomware-lab', import.meta.url));
/** SigmaHQ's 57 CloudTrail rules, beside the repo like the generator (read, never shipped). */
const SIGMA_RULES = fileURLToPath(new URL('../../shared/sigma/rules', import.meta.url));
/** A small file for the start-up figure: the bundled real delivery file. */
const SMALL_FILE = fileURLToPath(new URL('../samples/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz', import.meta.url));
const REPO = fileURLToPath(new URL('..', import.meta.url));
let KMSTRAIL = path.join(REPO, 'bin', 'kmstrail.cjs'); // --kmstrail overrides
const STREAMJSON = fileURLToPath(new URL('./streamjson-baseline.mjs', import.meta.url));
const JQ_CREATEKEY = '.Records[] | select(.eventName=="CreateKey")';

const USAGE = `usage: node bench/run.mjs [options]

  --mb N             size of the plain trail in MiB (default 256)
  --big-mb N         size of the big trail for the constant-memory check (default 0 = skip; e.g. 2048)
  --tree-mb N        uncompressed size of the AWSLogs tree of .json.gz files (default 512: large enough that start-up costs do not hide the parallel speed-up)
  --small-files N    files in the tree of small files (20 records each; default 10000)
  --many-files N     files in the tree of one-record files for the bounded-memory check (default 300000, a year of
                     deliveries; 0 = skip): peak RSS over all of them against one day folder of them
  --out DIR          where inputs, outputs and results.json go (default bench/out, gitignored)
  --gen PATH         gen-trail.mjs to use (default ../shared/bench/gen-trail.mjs next to the repo)
  --kmstrail PATH    kmstrail entry point to benchmark (default bin/kmstrail.cjs), e.g. an older build
  --sigma-rules PATH Sigma rules for the sigma scenario (default ../shared/sigma/rules: SigmaHQ's CloudTrail rules)
  --reuse            keep inputs already generated in DIR instead of generating them again
  --only a,b         run only these scenarios: ${ALL_SCENARIOS.join(', ')}
  --skip-streamjson  leave out the (slow) stream-json baseline
  --runs N           run each timed command N times, the commands of a scenario in turns, and report the medians (default 1)
  -h, --help         show this help`;

// ---------------------------------------------------------------- options

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

function numberOption(values, name, fallback, { min = 0, integer = false } = {}) {
  if (values[name] === undefined) return fallback;
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) fail(`--${name} wants a number >= ${min}, got "${values[name]}"`);
  return n;
}

function parseOptions(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        mb: { type: 'string' }, 'big-mb': { type: 'string' }, 'tree-mb': { type: 'string' }, 'small-files': { type: 'string' }, 'many-files': { type: 'string' },
        out: { type: 'string' }, gen: { type: 'string' }, kmstrail: { type: 'string' }, 'sigma-rules': { type: 'string' }, reuse: { type: 'boolean' },
        only: { type: 'string' }, 'skip-streamjson': { type: 'boolean' }, runs: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    fail(`${err.message}\n${USAGE}`);
  }
  const v = parsed.values;
  if (v.help) { console.log(USAGE); process.exit(0); }
  const opts = {
    mb: numberOption(v, 'mb', 256, { min: 1 }),
    bigMb: numberOption(v, 'big-mb', 0),
    treeMb: numberOption(v, 'tree-mb', 512, { min: 1 }),
    smallFiles: numberOption(v, 'small-files', 10000, { min: 1, integer: true }),
    manyFiles: numberOption(v, 'many-files', 300000, { min: 0, integer: true }),
    runs: numberOption(v, 'runs', 1, { min: 1, integer: true }),
    // Default output lives next to this script so `npm run bench` works from any cwd.
    out: path.resolve(v.out ?? fileURLToPath(new URL('./out', import.meta.url))),
    gen: v.gen ? path.resolve(v.gen) : fileURLToPath(new URL('../../shared/bench/gen-trail.mjs', import.meta.url)),
    sigmaRules: v['sigma-rules'] ? path.resolve(v['sigma-rules']) : SIGMA_RULES,
    reuse: Boolean(v.reuse),
    skipStreamjson: Boolean(v['skip-streamjson']),
  };
  if (v.kmstrail) KMSTRAIL = path.resolve(v.kmstrail);
  opts.kmstrail = KMSTRAIL;
  opts.scenarios = selectScenarios(v.only, opts.bigMb, opts.sigmaRules, opts.manyFiles);
  return opts;
}

function selectScenarios(only, bigMb, sigmaRules, manyFiles) {
  let names = ALL_SCENARIOS;
  if (only) {
    const wanted = only.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = wanted.filter((n) => !ALL_SCENARIOS.includes(n));
    if (unknown.length) fail(`unknown scenario(s) in --only: ${unknown.join(', ')} (known: ${ALL_SCENARIOS.join(', ')})`);
    names = ALL_SCENARIOS.filter((n) => wanted.includes(n)); // canonical order, so reports line up across runs
  }
  if (!fs.existsSync(SANS_TREE) && names.includes('sans-tree')) {
    console.error(`bench: sans-tree skipped: ${SANS_TREE} not found`);
    names = names.filter((n) => n !== 'sans-tree');
  }
  if (!fs.existsSync(sigmaRules) && names.includes('sigma')) {
    console.error(`bench: sigma skipped: ${sigmaRules} not found (--sigma-rules PATH)`);
    names = names.filter((n) => n !== 'sigma');
  }
  if (manyFiles === 0 && names.includes('many-files')) {
    if (only) console.error('bench: many-files skipped because --many-files is 0');
    names = names.filter((n) => n !== 'many-files');
  }
  if (bigMb === 0 && names.includes('big-rss')) {
    if (only) console.error('bench: big-rss skipped because --big-mb is 0 (try --big-mb 2048)');
    names = names.filter((n) => n !== 'big-rss');
  }
  return names;
}

// ---------------------------------------------------------------- environment

function tryExec(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

// GNU time gives peak RSS of the child (and, through wait4, of its descendants: for a shell
// pipeline that is the largest single process, not the sum). Node cannot measure a child's
// RSS itself, so without GNU time we only report wall time.
function detectTimeTool(scratchDir) {
  const bin = '/usr/bin/time';
  if (!fs.existsSync(bin)) return null;
  const probe = path.join(scratchDir, '.time-probe');
  const ok = tryExec(bin, ['-f', TIME_FORMAT, '-o', probe, 'true']) !== null && parseTimeFile(probe) !== null;
  fs.rmSync(probe, { force: true });
  return ok ? bin : null;
}

/** Wall seconds, peak RSS in KB, user and system CPU seconds (the process and its children). */
const TIME_FORMAT = '%e %M %U %S';

function parseTimeFile(file) {
  let text;
  try { text = fs.readFileSync(file, 'utf8'); } catch { return null; }
  // On failure GNU time writes "Command exited with non-zero status N" before the format line.
  const line = text.trim().split('\n').reverse().find((l) => /^\d+(\.\d+)? \d+ \d+(\.\d+)? \d+(\.\d+)?$/.test(l));
  if (!line) return null;
  const [elapsed, maxKb, user, system] = line.split(' ').map(Number);
  return { elapsed, rssMB: maxKb / 1024, cpuS: user + system };
}

function machineInfo(timeTool) {
  const cpuinfo = (() => { try { return fs.readFileSync('/proc/cpuinfo', 'utf8'); } catch { return ''; } })();
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const head = tryExec('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']);
  const dirty = head && tryExec('git', ['-C', REPO, 'status', '--porcelain']) ? '+dirty' : '';
  return {
    nproc: Number(tryExec('nproc', [])) || os.availableParallelism(),
    cpu: model,
    memoryMiB: Math.round(os.totalmem() / MIB),
    node: process.version,
    jq: tryExec('jq', ['--version']) ?? 'not found',
    time: timeTool ?? 'not found (wall time only)',
    commit: head ? head + dirty : 'unknown',
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

// ---------------------------------------------------------------- inputs

function runGenerator(genPath, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [genPath, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`gen-trail.mjs ${args.join(' ')} exited with ${code}`))));
  });
}

// Generate into a temporary name and rename at the end, so an interrupted run never leaves a
// truncated file that a later --reuse would silently benchmark.
async function ensureInput(opts, target, genArgs, outFlag = '--out') {
  if (opts.reuse && fs.existsSync(target)) {
    console.error(`bench: reusing ${showPath(target)}`);
    return;
  }
  const base = path.basename(target);
  const tmp = path.join(path.dirname(target), `.tmp-${base}`); // keeps the .gz suffix gen-trail.mjs looks at
  fs.rmSync(tmp, { recursive: true, force: true });
  console.error(`bench: generating ${showPath(target)} ...`);
  await runGenerator(opts.gen, [...genArgs, outFlag, tmp]);
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(tmp, target);
}

function listTreeFiles(dir) {
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.json.gz')) files.push(p);
    }
  };
  walk(dir);
  return files.sort();
}

/**
 * The folders of a tree that hold its files, in two halves of about as many files each (each
 * folder to the half with fewer files so far, the biggest first): for two processes at once, each
 * over one half (the `halves` command of a tree scenario). Undefined when the folders cannot be
 * handed out so: a folder inside another would be read by both halves, and a tree of one folder
 * has no second half.
 */
function treeHalves(tree) {
  const byFolder = new Map();
  for (const file of listTreeFiles(tree)) byFolder.set(path.dirname(file), (byFolder.get(path.dirname(file)) ?? 0) + 1);
  const folders = [...byFolder.keys()];
  if (folders.length < 2 || folders.some((a) => folders.some((b) => b.startsWith(a + path.sep)))) return undefined;
  const halves = [{ folders: [], files: 0 }, { folders: [], files: 0 }];
  for (const [folder, count] of [...byFolder].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    const lighter = halves[0].files <= halves[1].files ? halves[0] : halves[1];
    lighter.folders.push(folder);
    lighter.files += count;
  }
  return halves.map((half) => half.folders.sort());
}

/** The first day folder (AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD) of a generated tree. */
function firstDayFolder(tree) {
  let dir = tree;
  for (let depth = 0; depth < 7; depth++) {
    const sub = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    if (sub.length === 0) break;
    dir = path.join(dir, sub[0]);
  }
  return dir;
}

// The gzip trailer (ISIZE) holds the uncompressed size mod 2^32: exact for the single-member
// files gen-trail.mjs writes as long as each is under 4 GiB, and far cheaper than gunzipping.
function gzipUncompressedSize(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    fs.readSync(fd, buf, 0, 4, fs.fstatSync(fd).size - 4);
    return buf.readUInt32LE(0);
  } finally {
    fs.closeSync(fd);
  }
}

function uncompressedMiB(p) {
  if (fs.statSync(p).isDirectory()) return listTreeFiles(p).reduce((s, f) => s + gzipUncompressedSize(f), 0) / MIB;
  return (p.endsWith('.gz') ? gzipUncompressedSize(p) : fs.statSync(p).size) / MIB;
}

// Read every input once before timing, so the first command of a scenario does not pay for a
// cold page cache that the commands after it get for free.
async function warmPageCache(p) {
  if (fs.statSync(p).isDirectory()) {
    // cat reads a tree of 300,000 files in seconds; a stream per file took minutes.
    execFileSync('bash', ['-c', `find ${shq(p)} -type f -print0 | xargs -0 cat > /dev/null`]);
    return;
  }
  for await (const _chunk of fs.createReadStream(p, { highWaterMark: 4 * MIB })) { /* discard */ }
}

async function prepareInputs(opts) {
  const want = new Set(opts.scenarios);
  const inputs = {
    plain: path.join(opts.out, `trail-${opts.mb}.json`),
    gz: path.join(opts.out, `trail-${opts.mb}.json.gz`),
    big: path.join(opts.out, `trail-${opts.bigMb}.json`),
    // The size is in the name so that --reuse never picks up a tree made with another --tree-mb.
    tree: path.join(opts.out, `tree-${opts.treeMb}`),
    smallFiles: path.join(opts.out, `small-files-${opts.smallFiles}`),
    manyFiles: path.join(opts.out, `many-files-${opts.manyFiles}`),
    sans: SANS_TREE,
  };
  if (['event-plain', 'all-jsonl', 'big-rss', 'sigma'].some((s) => want.has(s))) await ensureInput(opts, inputs.plain, ['--mb', String(opts.mb)]);
  if (want.has('event-gz')) await ensureInput(opts, inputs.gz, ['--mb', String(opts.mb)]);
  if (want.has('big-rss')) await ensureInput(opts, inputs.big, ['--mb', String(opts.bigMb)]);
  if (want.has('tree-jobs')) await ensureInput(opts, inputs.tree, ['--mb', String(opts.treeMb)], '--tree');
  // 20 records per file, about 1.1 KiB each: the MiB that make the number of files asked for.
  if (want.has('small-files')) await ensureInput(opts, inputs.smallFiles, ['--mb', String(Math.ceil((opts.smallFiles * 20 * 1.1) / 1024)), '--per-file', '20'], '--tree');
  // One record per file: the most files for the bytes, so that what is kept per file would show.
  if (want.has('many-files')) await ensureInput(opts, inputs.manyFiles, ['--mb', String(Math.ceil((opts.manyFiles * 1.15) / 1024)), '--per-file', '1'], '--tree');
  return inputs;
}

// ---------------------------------------------------------------- commands

const shq = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`);

// A command is either argv (run directly) or a bash pipeline (pipefail, so a failing zcat is not
// hidden behind a succeeding jq). `stdout: 'file'` keeps the output for the correctness check.
const argvCmd = (id, label, argv, stdout = 'file') => ({ id, label, argv, stdout });
const shellCmd = (id, label, script, stdout = 'file') => ({ id, label, argv: ['bash', '-o', 'pipefail', '-c', script], display: script, stdout });
const kmstrail = (id, label, ...args) => argvCmd(id, label, [process.execPath, KMSTRAIL, ...args]);
// Paths under the cwd are shown relative (short table/log lines), others absolute.
const showPath = (p) => {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
};
const displayOf = (cmd) => cmd.display ?? cmd.argv.map((a) => (a === process.execPath ? 'node' : shq(path.isAbsolute(a) ? showPath(a) : a))).join(' ');

function runOnce(cmd, outFile, timeTool, scratchDir) {
  return new Promise((resolve) => {
    const timeFile = path.join(scratchDir, '.time-out');
    fs.rmSync(timeFile, { force: true });
    const argv = timeTool ? [timeTool, '-f', TIME_FORMAT, '-o', timeFile, ...cmd.argv] : cmd.argv;
    const outFd = cmd.stdout === 'file' ? fs.openSync(outFile, 'w') : 'ignore';
    let stderr = '';
    const start = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { cwd: REPO, stdio: ['ignore', outFd, 'pipe'] });
    // Keep only the tail of stderr: enough to explain a failure without holding a flood in memory.
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    const finish = (code, spawnError) => {
      // Wall time is measured here (ns resolution) rather than taken from time's %e (10 ms steps).
      const wallS = Number(process.hrtime.bigint() - start) / 1e9;
      if (typeof outFd === 'number') fs.closeSync(outFd);
      const timed = timeTool ? parseTimeFile(timeFile) : null;
      fs.rmSync(timeFile, { force: true });
      const error = spawnError ? spawnError.message : code !== 0 ? `exit ${code}: ${errorSummary(stderr)}` : null;
      resolve({ wallS, rssMB: timed?.rssMB ?? null, cpuS: timed?.cpuS ?? null, exitCode: code, error, stderrTail: stderr });
    };
    child.on('error', (err) => finish(null, err));
    child.on('close', (code) => finish(code, null));
  });
}

// One line that explains a failure: a Node crash ends with "}" and "Node.js vX", so prefer the
// first line that names an error, else the last non-empty line.
function errorSummary(stderr) {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^Node\.js v/.test(l) && !/^[{}]$/.test(l));
  const line = lines.find((l) => /error|not found|no such|unknown|invalid/i.test(l)) ?? lines.at(-1);
  return line ? line.slice(0, 200) : '(no stderr)';
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * A command's runs summed up: median wall time and peak RSS. The runs of a scenario's commands are
 * taken in turns (see runScenario), so a machine whose speed drifts (this VM's does, by 30% within
 * minutes) slows every command alike instead of whichever ran during a slow spell.
 */
function commandResult(cmd, runs, outFile, scenario) {
  const failed = runs.find((r) => r.error);
  const result = {
    id: cmd.id, label: cmd.label, command: displayOf(cmd),
    output: cmd.stdout === 'file' ? outFile : null,
    runs: runs.map(({ wallS, rssMB, cpuS, exitCode }) => ({ wallS, rssMB, cpuS, exitCode })),
    error: failed?.error ?? null,
    wallS: failed ? null : median(runs.map((r) => r.wallS)),
    rssMB: failed || runs.some((r) => r.rssMB === null) ? null : median(runs.map((r) => r.rssMB)),
    cpuS: failed || runs.some((r) => r.cpuS === null) ? null : median(runs.map((r) => r.cpuS)),
  };
  result.mbPerS = result.wallS ? scenario.inputMiB / result.wallS : null;
  const shown = result.error ? `error (${result.error})` : `${result.wallS.toFixed(2)} s${result.rssMB !== null ? `, ${result.rssMB.toFixed(1)} MB RSS` : ''}`;
  console.error(`bench:   ${cmd.label.padEnd(20)} ${shown}`);
  return result;
}

// ---------------------------------------------------------------- output comparison

// Key order and number/escape spelling differ between jq and JSON.stringify, so outputs are
// compared as parsed JSON re-serialized with sorted keys.
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

async function* canonicalLines(file) {
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (!line.trim()) continue;
    try {
      yield { n, text: canonical(JSON.parse(line)) };
    } catch {
      yield { n, text: null, raw: line.slice(0, 120) };
    }
  }
}

// The two canonical records from a little before the first differing character.
function aroundDiff(a, b) {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 40);
  const cut = (t) => `${from ? '…' : ''}${t.slice(from, i + 60)}${t.length > i + 60 ? '…' : ''}`;
  return `${cut(a)} vs ${cut(b)}`;
}

// Same records in the same order; streams both files so large outputs (all-jsonl) stay cheap.
async function compareOrdered(fileA, fileB) {
  const a = canonicalLines(fileA);
  const b = canonicalLines(fileB);
  for (let records = 0; ; records++) {
    const [x, y] = await Promise.all([a.next(), b.next()]);
    if (x.done && y.done) return { identical: true, records };
    if (x.done || y.done) return { identical: false, records, detail: `${x.done ? 'first' : 'second'} output ends after ${records} records, the other goes on` };
    if (x.value.text === null || y.value.text === null) return { identical: false, records, detail: `not JSON: line ${(x.value.text === null ? x : y).value.n}: ${(x.value.text === null ? x : y).value.raw}` };
    if (x.value.text !== y.value.text) return { identical: false, records, detail: `record ${records + 1} differs (line ${x.value.n} vs ${y.value.n}): ${aroundDiff(x.value.text, y.value.text)}` };
  }
}

// Same records, any order (a multi-file run with --jobs need not keep file order).
// Hashes keep memory small however many records there are.
// `unique`: each distinct record once (kmstrail drops copies of one event; jq does not).
async function compareMultiset(fileA, fileB, unique = false) {
  const digests = async (file) => {
    const out = [];
    for await (const { n, text, raw } of canonicalLines(file)) {
      if (text === null) throw new Error(`not JSON: ${path.basename(file)} line ${n}: ${raw}`);
      out.push(createHash('sha1').update(text).digest('base64'));
    }
    return (unique ? [...new Set(out)] : out).sort();
  };
  try {
    const [a, b] = await Promise.all([digests(fileA), digests(fileB)]);
    if (a.length !== b.length) return { identical: false, records: Math.min(a.length, b.length), detail: `${a.length} vs ${b.length} records` };
    const diff = a.findIndex((d, i) => d !== b[i]);
    return diff < 0 ? { identical: true, records: a.length } : { identical: false, records: a.length, detail: 'same count, different records' };
  } catch (err) {
    return { identical: false, records: 0, detail: err.message };
  }
}

async function runCheck(check, results) {
  const a = results[check.a];
  const b = results[check.b];
  const base = { a: a.label, b: b.label, mode: check.mode };
  if (a.error || b.error) return { ...base, status: 'SKIP', detail: `${a.error ? a.label : b.label} failed` };
  const r = check.mode === 'ordered' ? await compareOrdered(a.output, b.output) : await compareMultiset(a.output, b.output, check.unique);
  return { ...base, status: r.identical ? 'PASS' : 'FAIL', records: r.records, detail: r.detail ?? (r.records === 0 ? 'both empty: nothing compared' : null) };
}

// ---------------------------------------------------------------- scenarios

// Each scenario: the input it reads, the commands timed side by side, the goals of the
// performance issue (as ratios between two commands of the scenario) and the output checks.
//   goal kinds: speedup = base wall / cmd wall >= limit; time = cmd wall / base wall <= limit;
//               rss = cmd peak RSS < limit MB (ratio shown: cmd RSS / base RSS);
//               cores = the cores cmd kept busy (CPU time / wall time), and so the most that all
//               the machine's cores can speed it up: every thread's work (V8's compiler and
//               collector run beside the reading thread even with --jobs 1) is still to do.
//               parallel = cmd runs base's work twice at once: 2 x base wall / cmd wall, what
//               the machine's cores give work parallel by construction (two-cores scenario).
//   limit null = informational ratio, no goal.
function defineScenarios(opts, inputs) {
  const event = ['filter', '--event', 'CreateKey', '--format', 'jsonl'];
  // The tree goals, as one scenario over any tree: the default run against zcat | jq and against
  // decompression alone, --jobs 1 for the two-core gain.
  // With `everyRecord`, also every record of the tree out, for its peak RSS: each record then
  // crosses from a worker to the main thread and lives until printed.
  // `halves`: the work of `--jobs 1` split in two by construction, two processes at once, each over
  // half the tree's folders (and each paying its own start-up): what the two cores give this very
  // work, the ceiling of `--jobs 2` on it.
  const halvesCommand = (halves) => {
    if (!halves) return [];
    const one = (folders) => [process.execPath, KMSTRAIL, ...event, '--jobs', '1', ...folders].map(shq).join(' ');
    // Fails when either half fails (a bare `wait` would say 0 whatever happened).
    return [shellCmd('halves', 'two --jobs 1, a half each', `${one(halves[0])} > /dev/null & a=$!; ${one(halves[1])} > /dev/null; b=$?; wait $a && exit $b`, 'ignore')];
  };
  const treeScenario = (input, { everyRecord = false } = {}, halves = treeHalves(input)) => ({
    input,
    commands: [
      kmstrail('kmstrail', 'kmstrail', ...event, input),
      kmstrail('jobs1', 'kmstrail --jobs 1', ...event, '--jobs', '1', input),
      ...halvesCommand(halves),
      shellCmd('zcat', 'find|zcat >/dev/null', `find ${shq(input)} -name '*.json.gz' -print0 | sort -z | xargs -0 zcat`, 'ignore'),
      shellCmd('jq', 'find|zcat|jq', `find ${shq(input)} -name '*.json.gz' -print0 | sort -z | xargs -0 zcat | jq -c ${shq(JQ_CREATEKEY)}`),
      ...(everyRecord ? [argvCmd('every', 'kmstrail --all-sources', [process.execPath, KMSTRAIL, 'filter', '--all-sources', '--format', 'jsonl', input], 'ignore')] : []),
    ],
    goals: [
      { cmd: 'kmstrail', base: 'jq', kind: 'speedup', limit: 2.5 },
      { cmd: 'kmstrail', base: 'zcat', kind: 'time', limit: 1.6 },
      { cmd: 'kmstrail', base: 'jobs1', kind: 'speedup', limit: 1.7 },
      { cmd: 'kmstrail', base: null, kind: 'rss', limit: RSS_LIMIT_MB },
      { cmd: 'jobs1', base: null, kind: 'cores', limit: null },
      ...(halves ? [{ cmd: 'halves', base: 'jobs1', kind: 'speedup', limit: null }] : []),
      ...(everyRecord ? [{ cmd: 'every', base: null, kind: 'rss', limit: RSS_LIMIT_MB }] : []),
    ],
    // Copies of one event are dropped by kmstrail (the SANS tree holds many): jq's side too.
    checks: [
      { a: 'kmstrail', b: 'jq', mode: 'multiset', unique: true },
      { a: 'jobs1', b: 'jq', mode: 'multiset', unique: true },
    ],
  });
  const defs = {
    startup: () => ({
      input: SMALL_FILE,
      // Start-up is a few tens of milliseconds, so each command runs many times (median).
      runs: Math.max(15, opts.runs),
      commands: [
        kmstrail('kmstrail', 'kmstrail (small file)', ...event, SMALL_FILE),
        argvCmd('node', 'node -e 0', [process.execPath, '-e', '0'], 'ignore'),
      ],
      goals: [{ cmd: 'kmstrail', base: 'node', kind: 'time', limit: 1.6 }],
      checks: [],
    }),
    'small-files': () => treeScenario(inputs.smallFiles, { everyRecord: true }),
    'sans-tree': () => treeScenario(inputs.sans),
    'event-plain': () => ({
      input: inputs.plain,
      commands: [
        kmstrail('kmstrail', 'kmstrail', ...event, inputs.plain),
        argvCmd('jq', 'jq', ['jq', '-c', JQ_CREATEKEY, inputs.plain]),
        ...(opts.skipStreamjson ? [] : [argvCmd('streamjson', 'stream-json', [process.execPath, STREAMJSON, inputs.plain])]),
      ],
      goals: [
        { cmd: 'kmstrail', base: 'jq', kind: 'speedup', limit: 15 },
        { cmd: 'kmstrail', base: null, kind: 'rss', limit: RSS_LIMIT_MB },
        ...(opts.skipStreamjson ? [] : [{ cmd: 'kmstrail', base: 'streamjson', kind: 'speedup', limit: 25 }]),
      ],
      checks: [
        { a: 'kmstrail', b: 'jq', mode: 'ordered' },
        // Not a kmstrail check, but a baseline that disagrees with jq would make its timing meaningless.
        ...(opts.skipStreamjson ? [] : [{ a: 'streamjson', b: 'jq', mode: 'ordered' }]),
      ],
    }),
    'event-gz': () => ({
      input: inputs.gz,
      commands: [
        kmstrail('kmstrail', 'kmstrail', ...event, inputs.gz),
        shellCmd('zcat', 'zcat >/dev/null', `zcat ${shq(inputs.gz)}`, 'ignore'),
        shellCmd('jq', 'zcat | jq', `zcat ${shq(inputs.gz)} | jq -c ${shq(JQ_CREATEKEY)}`),
      ],
      goals: [
        { cmd: 'kmstrail', base: 'zcat', kind: 'time', limit: 1.0 },
        { cmd: 'kmstrail', base: 'jq', kind: 'speedup', limit: null },
        { cmd: 'kmstrail', base: null, kind: 'rss', limit: RSS_LIMIT_MB },
      ],
      checks: [{ a: 'kmstrail', b: 'jq', mode: 'ordered' }],
    }),
    'all-jsonl': () => ({
      input: inputs.plain,
      commands: [
        kmstrail('kmstrail', 'kmstrail', 'filter', '--all-sources', '--format', 'jsonl', inputs.plain),
        argvCmd('jq', 'jq', ['jq', '-c', '.Records[]', inputs.plain]),
      ],
      goals: [
        { cmd: 'kmstrail', base: 'jq', kind: 'speedup', limit: 6 },
        { cmd: 'kmstrail', base: null, kind: 'rss', limit: RSS_LIMIT_MB },
      ],
      checks: [{ a: 'kmstrail', b: 'jq', mode: 'ordered' }],
    }),
    // Sigma: every SigmaHQ CloudTrail rule over every record, against printing every record. The
    // goal is for the Sigma rules alone; with the built-in rules beside them it is shown for
    // information. Four of the 57 rules name no event name or source (userIdentity.type, userAgent),
    // so every record is parsed, as in the baseline.
    sigma: () => ({
      input: inputs.plain,
      commands: [
        kmstrail('sigma', 'detect --sigma', 'detect', '--no-builtin', '--sigma', opts.sigmaRules, '--format', 'jsonl', inputs.plain),
        kmstrail('both', 'detect --sigma +built-in', 'detect', '--sigma', opts.sigmaRules, '--format', 'jsonl', inputs.plain),
        argvCmd('all', 'filter all-jsonl', [process.execPath, KMSTRAIL, 'filter', '--all-sources', '--format', 'jsonl', inputs.plain], 'ignore'),
      ],
      goals: [
        { cmd: 'sigma', base: 'all', kind: 'time', limit: 2.5 },
        { cmd: 'both', base: 'all', kind: 'time', limit: null },
      ],
      checks: [],
    }),
    // Constant memory: peak RSS on the big trail should stay under the limit and close to the
    // RSS of the same command on the --mb trail (run again here so the scenario stands alone).
    'big-rss': () => ({
      input: inputs.big,
      inputsByCmd: { small: inputs.plain },
      commands: [
        kmstrail('big', `kmstrail ${opts.bigMb} MiB`, ...event, inputs.big),
        kmstrail('small', `kmstrail ${opts.mb} MiB`, ...event, inputs.plain),
      ],
      goals: [
        { cmd: 'big', base: 'small', kind: 'rss', limit: RSS_LIMIT_MB },
        { cmd: 'small', base: null, kind: 'rss', limit: RSS_LIMIT_MB },
      ],
      checks: [],
    }),
    // Bounded memory on a year of deliveries: nothing kept per file may grow with their number, so
    // the whole tree peaks about as high as one day folder of it (a hundredth of the files).
    'many-files': () => {
      const day = firstDayFolder(inputs.manyFiles);
      return {
        input: inputs.manyFiles,
        inputsByCmd: { day },
        commands: [
          kmstrail('all', `kmstrail ${opts.manyFiles} files`, ...event, inputs.manyFiles),
          kmstrail('day', `kmstrail one day (${listTreeFiles(day).length} files)`, ...event, day),
        ],
        goals: [
          { cmd: 'all', base: 'day', kind: 'rss', limit: RSS_LIMIT_MB },
          { cmd: 'day', base: null, kind: 'rss', limit: RSS_LIMIT_MB },
        ],
        checks: [],
      };
    },
    'two-cores': () => ({
      input: null,
      commands: [
        argvCmd('one', 'one CPU-bound job', [process.execPath, '-e', CPU_JOB], 'ignore'),
        shellCmd('two', 'two copies at once', `${shq(process.execPath)} -e ${shq(CPU_JOB)} & ${shq(process.execPath)} -e ${shq(CPU_JOB)}; wait`, 'ignore'),
      ],
      goals: [{ cmd: 'two', base: 'one', kind: 'parallel', limit: null }],
      checks: [],
    }),
    // No --sort time here, so kmstrail may print files in any order: compare as multisets.
    'tree-jobs': () => ({
      input: inputs.tree,
      commands: [
        kmstrail('jobs1', 'kmstrail --jobs 1', ...event, '--jobs', '1', inputs.tree),
        kmstrail('jobs2', 'kmstrail --jobs 2', ...event, '--jobs', '2', inputs.tree),
        shellCmd('jq', 'find|zcat|jq', `find ${shq(inputs.tree)} -name '*.json.gz' -print0 | sort -z | xargs -0 zcat | jq -c ${shq(JQ_CREATEKEY)}`),
      ],
      goals: [
        { cmd: 'jobs2', base: 'jobs1', kind: 'speedup', limit: 1.7 },
        { cmd: 'jobs1', base: 'jq', kind: 'speedup', limit: null },
        { cmd: 'jobs1', base: null, kind: 'cores', limit: null },
        { cmd: 'jobs2', base: null, kind: 'rss', limit: RSS_LIMIT_MB },
      ],
      checks: [
        { a: 'jobs1', b: 'jq', mode: 'multiset' },
        { a: 'jobs2', b: 'jq', mode: 'multiset' },
      ],
    }),
  };
  return opts.scenarios.map((name) => ({ name, ...defs[name]() }));
}

function evaluateGoal(goal, results, nproc) {
  const cmd = results[goal.cmd];
  const base = goal.base ? results[goal.base] : null;
  const out = { cmd: cmd.label, base: base?.label ?? null, kind: goal.kind, limit: goal.limit, ratio: null, met: null };
  if (goal.kind === 'cores') {
    out.goal = '(info)';
    out.met = '-';
    const busy = cmd.wallS && cmd.cpuS ? cmd.cpuS / cmd.wallS : null;
    out.cores = busy;
    if (busy !== null) out.ratio = nproc / busy;
    out.ratioText = busy === null ? '-' : `${busy.toFixed(2)} cores busy: ${nproc} give <= ${out.ratio.toFixed(2)}x`;
    return out;
  }
  if (goal.kind === 'rss') {
    out.goal = `RSS < ${goal.limit} MB`;
    if (cmd.rssMB !== null && base?.rssMB) out.ratio = cmd.rssMB / base.rssMB;
    out.ratioText = out.ratio === null ? '-' : `${out.ratio.toFixed(2)}x ${base.label} RSS`;
    out.met = cmd.error ? 'error' : cmd.rssMB === null ? 'n/a' : cmd.rssMB < goal.limit ? 'yes' : 'no';
    return out;
  }
  if (goal.kind === 'parallel') {
    // Twice the work in `cmd`: its speed-up over doing it twice in a row.
    out.goal = '(info: the ceiling of two jobs here)';
    out.met = '-';
    if (cmd.wallS && base.wallS) out.ratio = (2 * base.wallS) / cmd.wallS;
    out.ratioText = out.ratio === null ? '-' : `${out.ratio.toFixed(2)}x one after the other`;
    return out;
  }
  if (goal.kind === 'speedup') {
    out.goal = goal.limit === null ? '(info)' : `>= ${goal.limit}x faster`;
    if (cmd.wallS && base.wallS) out.ratio = base.wallS / cmd.wallS;
    out.ratioText = out.ratio === null ? '-' : `${out.ratio.toFixed(2)}x vs ${base.label}`;
  } else {
    out.goal = goal.limit === null ? '(info)' : `<= ${goal.limit}x ${base.label} time`;
    if (cmd.wallS && base.wallS) out.ratio = cmd.wallS / base.wallS;
    out.ratioText = out.ratio === null ? '-' : `${out.ratio.toFixed(2)}x ${base.label} time`;
  }
  if (goal.limit === null) out.met = '-';
  else if (cmd.error || base.error) out.met = 'error';
  else out.met = (goal.kind === 'speedup' ? out.ratio >= goal.limit : out.ratio <= goal.limit) ? 'yes' : 'no';
  return out;
}

async function runScenario(scenario, ctx) {
  // A scenario with no input (two-cores) times the machine, not kmstrail.
  scenario.inputMiB = scenario.input ? uncompressedMiB(scenario.input) : 0;
  console.error(`bench: ${scenario.name} (${scenario.inputMiB.toFixed(1)} MiB uncompressed input)`);
  if (scenario.input) await warmPageCache(scenario.input);
  for (const p of Object.values(scenario.inputsByCmd ?? {})) await warmPageCache(p);
  const runs = new Map(scenario.commands.map((cmd) => [cmd, []]));
  const outFileOf = (cmd) => path.join(ctx.outputsDir, `${scenario.name}--${cmd.id}.jsonl`);
  for (let i = 0; i < (scenario.runs ?? ctx.opts.runs); i++) {
    for (const cmd of scenario.commands) {
      const done = runs.get(cmd);
      // A failing command will fail again: no more runs of it.
      if (done.some((r) => r.error)) continue;
      done.push(await runOnce(cmd, outFileOf(cmd), ctx.timeTool, ctx.opts.out));
    }
  }
  const results = {};
  for (const cmd of scenario.commands) {
    // A command on another input (big-rss's small run) gets MB/s for its own input size.
    const own = scenario.inputsByCmd?.[cmd.id];
    results[cmd.id] = commandResult(cmd, runs.get(cmd), outFileOf(cmd), own ? { ...scenario, inputMiB: uncompressedMiB(own) } : scenario);
  }
  const goals = scenario.goals.map((g) => ({ ...evaluateGoal(g, results, ctx.nproc), cmdId: g.cmd }));
  const checks = [];
  for (const c of scenario.checks) checks.push(await runCheck(c, results));
  const statuses = checks.map((c) => c.status);
  const outputIdentical = !checks.length ? 'n/a' : statuses.includes('FAIL') ? 'FAIL' : statuses.includes('PASS') ? 'PASS' : 'SKIP';
  return { name: scenario.name, input: scenario.input, inputMiB: scenario.inputMiB, commands: Object.values(results), goals, checks, outputIdentical };
}

// ---------------------------------------------------------------- report

function tableRows(scenarios) {
  const header = ['scenario', 'command', 'wall s', 'MB/s', 'peak RSS MB', 'ratio vs baseline', 'goal', 'met'];
  const rows = [];
  for (const s of scenarios) {
    for (const c of s.commands) {
      const goals = s.goals.filter((g) => g.cmdId === c.id);
      const isBase = s.goals.some((g) => g.base === c.label);
      const first = goals[0];
      rows.push([
        s.name, c.label,
        c.error ? 'error' : c.wallS.toFixed(2),
        c.error ? '-' : c.mbPerS.toFixed(1),
        c.error || c.rssMB === null ? (c.error ? '-' : 'n/a') : c.rssMB.toFixed(1),
        first ? first.ratioText : isBase ? '(baseline)' : '-',
        first ? first.goal : '-',
        first ? first.met : '-',
      ]);
      // Further goals of the same command go on continuation lines under it.
      for (const g of goals.slice(1)) rows.push(['', '', '', '', '', g.ratioText, g.goal, g.met]);
    }
  }
  return [header, ...rows];
}

function formatTable(rows) {
  const numeric = new Set([2, 3, 4]); // right-align the number columns
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((cell, i) => (numeric.has(i) ? String(cell).padStart(widths[i]) : String(cell).padEnd(widths[i]))).join('  ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function printReport(machine, scenarios, opts) {
  const m = machine;
  console.log('');
  console.log(`machine: ${m.nproc} CPUs (nproc), ${m.cpu}, ${(m.memoryMiB / 1024).toFixed(1)} GiB RAM, ${m.platform}`);
  console.log(`tools:   node ${m.node}, ${m.jq}, GNU time: ${m.time}, kmstrail commit ${m.commit}`);
  console.log(`runs:    ${opts.runs} per command (median); MB = MiB of uncompressed input; RSS = peak resident set of the process (largest process for pipelines)`);
  console.log('');
  console.log(formatTable(tableRows(scenarios)));
  console.log('');
  console.log('output identical:');
  for (const s of scenarios) {
    console.log(`  ${s.name.padEnd(12)} ${s.outputIdentical}`);
    for (const c of s.checks) {
      const what = `${c.a} vs ${c.b} (${c.mode})`;
      const count = c.records === undefined ? '' : c.status === 'PASS' ? `, ${c.records} records` : c.mode === 'ordered' ? `, first ${c.records} records agree` : '';
      console.log(`    ${c.status.padEnd(4)} ${what}${count}${c.detail ? `: ${c.detail}` : ''}`);
    }
  }
  const errors = scenarios.flatMap((s) => s.commands.filter((c) => c.error).map((c) => ({ s, c })));
  if (errors.length) {
    console.log('');
    console.log('errors:');
    for (const { s, c } of errors) console.log(`  ${s.name} / ${c.label}: ${c.command}\n      ${c.error}`);
    if (!fs.existsSync(KMSTRAIL)) console.log(`  note: ${showPath(KMSTRAIL)} does not exist (yet?)`);
  }
}

// ---------------------------------------------------------------- main

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  if (!fs.existsSync(opts.gen)) fail(`trail generator not found at ${opts.gen}\n  (expected ../shared/bench/gen-trail.mjs next to the repo; pass --gen PATH)`);
  if (!opts.scenarios.length) fail('no scenario selected');
  const ctx = { opts, outputsDir: path.join(opts.out, 'outputs') };
  fs.mkdirSync(ctx.outputsDir, { recursive: true });

  ctx.timeTool = detectTimeTool(opts.out);
  if (!ctx.timeTool) console.error('bench: GNU time not found at /usr/bin/time: peak RSS will not be measured (install it, e.g. `apt-get install -y time`)');
  const machine = machineInfo(ctx.timeTool);
  ctx.nproc = machine.nproc;

  const inputs = await prepareInputs(opts);
  const scenarios = [];
  for (const s of defineScenarios(opts, inputs)) scenarios.push(await runScenario(s, ctx));

  printReport(machine, scenarios, opts);
  const exitCode = scenarios.some((s) => s.outputIdentical === 'FAIL') ? 1 : 0;
  const resultsFile = path.join(opts.out, 'results.json');
  const { scenarios: names, ...shownOpts } = opts;
  fs.writeFileSync(resultsFile, JSON.stringify({ date: new Date().toISOString(), machine, options: { ...shownOpts, scenarios: names }, scenarios, exitCode }, null, 2) + '\n');
  console.log(`\nresults: ${showPath(resultsFile)}`);
  process.exitCode = exitCode;
}

main().catch((err) => {
  console.error(`bench: ${err.stack ?? err}`);
  process.exit(2);
});
