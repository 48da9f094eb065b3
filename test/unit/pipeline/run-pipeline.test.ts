/**
 * The one loop: which read strategy it picks for which inputs, and what it owns whatever the
 * strategy (--limit, --strict, the sink's end, the counts of --stats). Real files; the built code
 * in dist/ (the parallel strategies start worker threads, which load compiled modules).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../helpers/run-cli.js';

type Json = { [key: string]: unknown };
interface Stats {
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
    ['--jobs 1', [DOCS, DELIVERY], {}, { jobs: 1 }, 'sequential'],
    ['--strict: nothing after a fault may be read', [DOCS, DELIVERY], {}, { strict: true }, 'sequential'],
    ['--reader stream-json stays independent', [DOCS, DELIVERY], {}, { reader: 'stream-json' }, 'sequential'],
    ['every record matches: nothing to gain from a split', [DOCS], { sources: [] }, {}, 'sequential'],
  ])('%s', async (_name, paths, spec, settings, strategy) => {
    const got = await run(paths, spec, settings);
    expect(got.stats.strategy).toBe(strategy);
  });

  it('every strategy gives the same records, in input order, and the same counts', async () => {
    const paths = [DOCS, DELIVERY, join(SHAPES, 'records.jsonl'), join(SHAPES, 'bare-array.json')];
    const runs = await Promise.all([{ jobs: 1 }, { jobs: 2 }, { jobs: 2, reader: 'stream-json' }].map((s) => run(paths, { sources: [], events: ['*Key*', 'Decrypt'] }, s)));
    expect(runs.map((r) => r.stats.strategy)).toEqual(['sequential', 'parallel-files', 'sequential']);
    for (const other of runs.slice(1)) {
      expect(other.ids).toEqual(runs[0].ids);
      expect(other.stats.matched).toBe(runs[0].stats.matched);
      expect(other.stats.files).toBe(4);
    }
    expect(runs[0].ids.length).toBeGreaterThan(20);
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
    let writes = 0;
    const output = { ready: async () => {}, get stopped() { return writes >= 3; } };
    const sink = { write: () => void writes++, end: () => {} };
    const { stats } = await runPipeline([DOCS, DOCS, DOCS], buildRecordFilter({ ...emptyFilterSpec(), sources: [] }), sink, {
      jobs: 1, strict: false, reader: 'fast', s3: {}, output, report: { fault() {}, problem() {} },
    });
    // It stops after the batch in which the output closed: never a second file.
    expect(stats.files).toBeLessThanOrEqual(2);
    expect(stats.matched).toBeLessThan(3 * 67);
  });
});
