/**
 * `--sort time`: records in eventTime order, handed to the format at the end. With `--limit N`
 * only the earliest N are kept as they stream by (a heap of N), so the answer is the earliest N of
 * all matches, not the first N read, in memory bounded by N. Equal times keep input order; records
 * without a readable time go last, in input order.
 */
import { parseEventTime } from '../cloudtrail/event-time.js';
import type { TrailRecord } from '../reader/trail-record.js';
import { Heap } from '../util/heap.js';
import type { RecordSink } from './sink.js';

interface Held {
  record: TrailRecord;
  time: number;
  seq: number;
}

const earlier = (a: Held, b: Held) => a.time < b.time || (a.time === b.time && a.seq < b.seq);

export function sortedByTime(inner: RecordSink, limit = Infinity): RecordSink {
  let seq = 0;
  // The latest of those kept is on top, so it is the one a new, earlier record pushes out.
  const kept = new Heap<Held>((a, b) => earlier(b, a));
  return {
    write(record) {
      const held = { record, time: parseEventTime(record.record.eventTime) ?? Infinity, seq: seq++ };
      if (kept.size < limit) kept.push(held);
      else if (earlier(held, kept.peek() as Held)) {
        kept.pop();
        kept.push(held);
      }
    },
    end(totals) {
      for (const held of kept.drain().sort((a, b) => (earlier(a, b) ? -1 : 1))) inner.write(held.record);
      return inner.end(totals);
    },
  };
}
