/**
 * `--sort time`: every record in eventTime order; with `--limit N`, the earliest N of all the
 * records written, not the first N read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TrailRecord } from '../../../src/reader/trail-record.js';
import type { RecordSink } from '../../../src/sinks/sink.js';
import { sortedByTime } from '../../../src/sinks/sort-records.js';

const record = (id: string, eventTime: unknown): TrailRecord => ({ record: { eventID: id, eventTime }, raw: undefined, file: 'f', offset: 0, line: 1 });

function collect(): { sink: RecordSink; ids: string[]; ended: number } {
  const state = { ids: [] as string[], ended: 0, sink: undefined as unknown as RecordSink };
  state.sink = { write: (r) => void state.ids.push(String(r.record.eventID)), end: () => void state.ended++ };
  return state;
}

const at = (minute: number) => `2024-03-01T10:${String(minute).padStart(2, '0')}:00Z`;

describe('sortedByTime', () => {
  it('in time order, equal times in input order, unreadable times last in input order', () => {
    const out = collect();
    const sink = sortedByTime(out.sink);
    for (const r of [record('c', at(3)), record('x', 'yesterday'), record('a1', at(1)), record('a2', at(1)), record('y', undefined), record('b', at(2))]) sink.write(r);
    expect(out.ids).toEqual([]);
    sink.end({ files: 1, recordsRead: 6 });
    expect(out.ids).toEqual(['a1', 'a2', 'b', 'c', 'x', 'y']);
    expect(out.ended).toBe(1);
  });

  it('with a limit: the earliest N of everything written, for any arrival order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 59 }), { maxLength: 60 }), fc.integer({ min: 1, max: 10 }), (minutes, limit) => {
        const records = minutes.map((m, i) => record(`r${i}`, at(m)));
        const out = collect();
        const sink = sortedByTime(out.sink, limit);
        for (const r of records) sink.write(r);
        sink.end({ files: 1, recordsRead: records.length });
        const expected = records
          .map((r, i) => ({ id: String(r.record.eventID), m: minutes[i], i }))
          .sort((a, b) => a.m - b.m || a.i - b.i)
          .slice(0, limit)
          .map((e) => e.id);
        expect(out.ids).toEqual(expected);
      }),
    );
  });
});
