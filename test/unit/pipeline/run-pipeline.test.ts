/**
 * The one loop: which read strategy it picks for which inputs, and what it owns whatever the
 * strategy (--limit, --strict, the sink's end, the counts of --stats). Real files; the built code
 * in dist/ (the parallel strategies start worker threads, which load compiled modules).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../helpers/run-cli.js';

type Json = { [key: string]: unknown };
interface Stats {
  notes: string[];
  files: number;
  records: number;
  matched: number;
  strategy: string;
  skipped: Map<string, number>;
}

const dist = (path: string) => import(join(FIXTURES, '..', '..', 'dist', path));
const { runPipeline } = (await dist('pipeline/run-pipeline.js')) as {
  runPipeline: (paths: string[], filter: unknown, sink: unknown, settings: unknown) => Promise<{ stats: Stats; sink: Json }>;
};
const { buildRecordFilter } = (await dist('filters/record-filter.js')) as { buildRecordFilter: (spec: unknown) => unknown };
const { emptyFilterSpec } = (await dist('filters/filter-spec.js')) as { emptyFilterSpec: () => Json };

const SHAPES = join(FIXTURES, 'shapes');
const BAD = join(FIXTURES, 'bad');
const DELIVERY = join(SHAPES, 'delivery.json');
const DOCS = join(FIXTURES, 'records', 'kms-docs.json');

interface Run {
  ids: string[];
  ends: Json[];
  faults: string[];
  problems: string[];
  stats: Stats;
}

async function run(paths: string[], spec: Json = {}, settings: Json = {}): Promise<Run> {
  const result: Partial<Run> = { ids: [], ends: [], faults: [], problems: [] };
  const sink = {
    write: (record: { record: Json }) => result.ids?.push(String(record.record.eventID)),
    end: (totals: Json) => void result.ends?.push(totals),
  };
  const { stats } = await runPipeline(paths, buildRecordFilter({ ...emptyFilterSpec(), ...spec }), sink, {
    jobs: 2,
    // Workers at once, unless a test says otherwise: fixtures are read before they would start.
    workersAfterMs: 0,
    strict: false,
    reader: 'fast',
    s3: {},
    report: { fault: (f: { message: string }) => result.faults?.push(f.message), problem: (p: { message: string }) => result.problems?.push(p.message) },
    ...settings,
  });
  return { ...(result as Run), stats };
}

describe('the read strategy', () => {
  it.each([
    ['one file, several jobs: a big plain file could be split', [DOCS], {}, {}, 'split-file'],
    ['two local files, several jobs: shared out over workers', [DOCS, DELIVERY], {}, {}, 'parallel-files'],
    ['--jobs 1: read in batches all the same, with no worker', [DOCS, DELIVERY], {}, { jobs: 1 }, 'parallel-files'],
    ['--strict: nothing after a fault may be read', [DOCS, DELIVERY], {}, { strict: true }, 'sequential'],
    ['--reader stream-json stays independent', [DOCS, DELIVERY], {}, { reader: 'stream-json' }, 'sequential'],
    ['every record matches: nothing to gain from a split', [DOCS], { sources: [] }, {}, 'sequential'],
  ])('%s', async (_name, paths, spec, settings, strategy) => {
    const got = await run(paths, spec, settings);
    expect(got.stats.strategy).toBe(strategy);
  });

  it('every strategy gives the same records, in input order, and the same counts', async () => {
    const paths = [DOCS, DELIVERY, join(SHAPES, 'records.jsonl'), join(SHAPES, 'bare-array.json')];
    const runs = await Promise.all([{ jobs: 1, strict: true }, { jobs: 1 }, { jobs: 2 }, { jobs: 2, reader: 'stream-json' }].map((s) => run(paths, { sources: [], events: ['*Key*', 'Decrypt'] }, s)));
    expect(runs.map((r) => r.stats.strategy)).toEqual(['sequential', 'parallel-files', 'parallel-files', 'sequential']);
    for (const other of runs.slice(1)) {
      expect(other.ids).toEqual(runs[0].ids);
      expect(other.stats.matched).toBe(runs[0].stats.matched);
      expect(other.stats.files).toBe(4);
    }
    expect(runs[0].ids.length).toBeGreaterThan(20);
  });

  it('workers start only once this thread has read some files alone, and the output is the same', async () => {
    // Enough files that, after a first batch, four times 5 ms is surely left to read even on a
    // fast machine (when exactly is smallFilesPay's, tested on its own).
    const paths = Array.from({ length: 600 }, (_, k) => (k % 2 ? DOCS : DELIVERY));
    const spec = { sources: [], events: ['*Key*', 'Decrypt'] };
    const [one, soon, late] = await Promise.all([run(paths, spec, { jobs: 1 }), run(paths, spec, { workersAfterMs: 5 }), run(paths, spec, { workersAfterMs: 60_000 })]);
    expect(soon.stats.notes.join()).toMatch(/^1 worker thread from \d+ ms of reading on$/);
    expect(late.stats.notes).toEqual(['no worker thread: too little to read for one to pay (one joins when 240000 ms of reading is left)']);
    for (const other of [soon, late]) {
      expect(other.ids).toEqual(one.ids);
      expect(other.stats.records).toBe(one.stats.records);
    }
    expect(one.stats.records).toBeGreaterThan(600 * 5);
  });

  it('a file too big for a batch starts the workers at once', async () => {
    const docs = JSON.parse(readFileSync(DOCS, 'utf8')) as { Records: Json[] };
    const dir = mkdtempSync(join(tmpdir(), 'kmstrail-big-'));
    const big = join(dir, 'big.json');
    writeFileSync(big, JSON.stringify({ Records: Array.from({ length: 20 }, () => docs.Records).flat() }, null, 1));
    const got = await run([big, DOCS], { sources: [] }, { workersAfterMs: 60_000 });
    expect(got.stats.notes).toEqual(['1 worker thread from 0 ms of reading on']);
    expect(got.ids.length).toBeGreaterThan(0);
  });

  it('--jobs 1 reads a file too big for a batch, and damaged ones, in their turn, as two jobs do', async () => {
    // Over 1 MiB: read alone and streamed, between batches of small files.
    const docs = JSON.parse(readFileSync(DOCS, 'utf8')) as { Records: Json[] };
    const records = Array.from({ length: 30 }, (_, copy) => docs.Records.map((r) => ({ ...r, eventID: `${String(r.eventID)}-${copy}` }))).flat();
    const dir = mkdtempSync(join(tmpdir(), 'kmstrail-jobs1-'));
    const big = join(dir, 'big.json');
    writeFileSync(big, JSON.stringify({ Records: records }, null, 1));
    expect(statSync(big).size).toBeGreaterThan(1 << 20);
    const paths = [DOCS, join(BAD, 'truncated.json.gz'), big, join(BAD, 'malformed-middle.json'), DELIVERY, big];
    const runs = await Promise.all([{ jobs: 1 }, { jobs: 2 }, { jobs: 1, reader: 'stream-json' }].map((s) => run(paths, { sources: [] }, s)));
    expect(runs.map((r) => r.stats.strategy)).toEqual(['parallel-files', 'parallel-files', 'sequential']);
    expect(runs[0].stats.notes).toContain('no worker thread (--jobs 1)');
    for (const other of runs.slice(1)) expect(other.ids).toEqual(runs[0].ids);
    expect(runs[1].faults).toEqual(runs[0].faults);
    expect(runs[0].faults.length).toBeGreaterThanOrEqual(2);
    expect(runs[0].ids.length).toBeGreaterThan(records.length);
    expect(runs[0].stats.records).toBe(runs[1].stats.records);

    // The same files in a folder: a walk does not stat them, so the big one goes into a batch,
    // is found too big there, and must still be read in its turn.
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    paths.forEach((path, k) => copyFileSync(path, join(tree, `${k}-${basename(path)}`)));
    const walked = await Promise.all([{ jobs: 1 }, { jobs: 2 }, { jobs: 1, reader: 'stream-json' }].map((s) => run([tree], { sources: [] }, s)));
    for (const other of walked) expect(other.ids).toEqual(runs[0].ids);
    expect(walked[1].faults).toEqual(walked[0].faults);
    expect(walked[0].stats.records).toBe(runs[0].stats.records);
  });
});

describe('what the loop owns', () => {
  it('--limit: exactly N records, then reading stops; the sink is ended once with the totals', async () => {
    for (const jobs of [1, 2]) {
      const got = await run([DOCS, DELIVERY], { sources: [] }, { jobs, limit: 7 });
      expect(got.ids).toHaveLength(7);
      expect(got.stats.matched).toBe(7);
      expect(got.ends).toEqual([{ files: got.stats.files, recordsRead: got.stats.records, duplicates: got.stats.duplicates }]);
    }
  });

  it('--strict: the records before the first fault, nothing of the inputs after it', async () => {
    const got = await run([join(BAD, 'malformed-middle.json'), DELIVERY], { sources: [] }, { strict: true });
    expect(got.faults).toHaveLength(1);
    expect(got.faults[0]).toMatch(/stopped here \(--strict\)$/);
    expect(got.ids).toHaveLength(2);
    expect(got.ends).toHaveLength(1);
  });

  it('faults and unreadable paths are counted by reason, and the run goes on', async () => {
    const got = await run([join(BAD, 'records-non-objects.json'), join(BAD, 'missing.json'), DELIVERY], { sources: [] }, { jobs: 1 });
    expect(got.problems).toEqual(['no such file or directory']);
    expect(got.stats.skipped.get('unreadable input')).toBe(1);
    expect(got.stats.skipped.get('not an object')).toBe(got.faults.length);
    expect(got.ids.length).toBeGreaterThan(0);
  });

  it('a closed output stops the reading', async () => {
    const closing = async (paths: string[], reader: string) => {
      let writes = 0;
      const output = { ready: async () => {}, get stopped() { return writes >= 3; } };
      const sink = { write: () => void writes++, end: () => {} };
      const { stats } = await runPipeline(paths, buildRecordFilter({ ...emptyFilterSpec(), sources: [] }), sink, {
        jobs: 1, strict: false, reader, s3: {}, output, report: { fault() {}, problem() {} },
      });
      return stats;
    };
    // One input after the other: it stops after the batch in which the output closed, never a second file.
    const one = await closing([DOCS, DOCS, DOCS], 'stream-json');
    expect(one.strategy).toBe('sequential');
    expect(one.files).toBeLessThanOrEqual(2);
    expect(one.matched).toBeLessThan(3 * 67);
    // Small files in batches: it stops after the batch in hand (48 files at most), not at the end.
    // (Files are counted as walked, and the walk runs ahead: records read tell what was read.)
    const many = await closing(Array.from({ length: 120 }, () => DOCS), 'fast');
    expect(many.strategy).toBe('parallel-files');
    expect(many.records).toBeGreaterThanOrEqual(67);
    expect(many.records).toBeLessThanOrEqual(48 * 67);
  });
});
