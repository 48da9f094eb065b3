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
import { eventFingerprintHash } from '../../../src/cloudtrail/fingerprint.js';
import { readFileBatch } from '../../../src/pipeline/file-batch.js';
import type { FileResult } from '../../../src/pipeline/protocol.js';
import { UnparsedRecord } from '../../../src/reader/trail-record.js';
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
      const here = await readFileBatch(files, filter, { here: true });
      const kept = here.flatMap((r) => r.events).filter((e) => 'kept' in e);
      expect(here.flatMap((r) => r.events).some((e) => 'records' in e)).toBe(false);
      expect(asText.flatMap((r) => r.events).some((e) => 'kept' in e)).toBe(false);
      expect(kept.length).toBeGreaterThan(0);
      expect(flatten(here)).toEqual(flatten(asText));
    });
  }

  it('read unparsed (every record, printed as text), the records, places, faults and fingerprints are the same', async () => {
    const filter = buildRecordFilter({ ...emptyFilterSpec(), sources: [] });
    const withFingerprints = (results: FileResult[]) =>
      results.flatMap((result) =>
        result.events.flatMap((event) => {
          if ('records' in event) return event.records.map(([text, offset, line, fingerprint]) => [text, offset, line, fingerprint]);
          if ('kept' in event) return event.kept.map((r) => [r.raw ?? JSON.stringify(r.record), r.offset, r.line, r.fingerprint !== undefined ? r.fingerprint : (eventFingerprintHash(r.record) ?? null)]);
          return [event];
        }),
      );
    const parsed = await readFileBatch(files, filter);
    for (const here of [false, true]) {
      const unparsed = await readFileBatch(files, filter, { here, unparsed: true });
      expect(flatten(unparsed)).toEqual(flatten(parsed));
      expect(withFingerprints(unparsed)).toEqual(withFingerprints(parsed));
    }
    // It was the unparsed path that was taken: records were handed on before a parse.
    const here = await readFileBatch(files, filter, { here: true, unparsed: true });
    const kept = here.flatMap((r) => r.events).flatMap((e) => ('kept' in e ? e.kept : []));
    expect(kept.filter((r) => r instanceof UnparsedRecord).length).toBeGreaterThan(kept.length / 2);
  });
});
