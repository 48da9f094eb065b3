/**
 * A batch of small files read on the thread that uses its records keeps them parsed: the same
 * records, places and faults as the text a worker sends, with no second JSON.parse to come (the
 * main thread of a tree read used to parse its own batches twice).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyFilterSpec } from '../../../src/filters/filter-spec.js';
import { buildRecordFilter } from '../../../src/filters/record-filter.js';
import { readFileBatch } from '../../../src/pipeline/file-batch.js';
import type { FileResult } from '../../../src/pipeline/protocol.js';
import { FIXTURES } from '../../helpers/run-cli.js';

function filesIn(dir: string): Array<{ id: number; path: string }> {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.json(\.gz)?$/.test(entry.name))
    .map((entry, id) => ({ id, path: join(entry.parentPath, entry.name) }))
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((file, id) => ({ ...file, id }));
}

/** Each file's events, the records as [value, file, offset, line], however they came. */
function flatten(results: FileResult[]): unknown[] {
  return results.map((result) => ({
    id: result.id,
    seen: result.seen,
    events: result.events.map((event) => {
      if ('records' in event) return { records: event.records.map(([text, offset, line]) => [JSON.parse(text), offset, line]) };
      if ('kept' in event) return { records: event.kept.map((r) => [r.record, r.offset, r.line]) };
      return event;
    }),
  }));
}

describe('readFileBatch', () => {
  const files = [...filesIn(join(FIXTURES, 'tree')), ...filesIn(join(FIXTURES, 'shapes')), ...filesIn(join(FIXTURES, 'bad'))];

  it('finds files of every kind', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  for (const [what, spec] of [
    ['every record', { ...emptyFilterSpec(), sources: [] }],
    ['KMS CreateKey', { ...emptyFilterSpec(), events: ['CreateKey'] }],
  ] as const) {
    it(`read here, the records stay parsed, and are what a worker sends as text (${what})`, async () => {
      const filter = buildRecordFilter(spec);
      const asText = await readFileBatch(files, filter);
      const here = await readFileBatch(files, filter, undefined, true);
      const kept = here.flatMap((r) => r.events).filter((e) => 'kept' in e);
      expect(here.flatMap((r) => r.events).some((e) => 'records' in e)).toBe(false);
      expect(asText.flatMap((r) => r.events).some((e) => 'kept' in e)).toBe(false);
      expect(kept.length).toBeGreaterThan(0);
      expect(flatten(here)).toEqual(flatten(asText));
    });
  }
});
