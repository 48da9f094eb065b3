import { parseEventTime } from '../cloudtrail/event-time.js';
import type { TrailRecord } from '../reader/trail-reader.js';

/**
 * Records in eventTime order; a stable sort, so equal times keep input order. Records without a
 * readable time go last, in input order.
 */
export function sortByEventTime(records: readonly TrailRecord[]): TrailRecord[] {
  const keyed = records.map((record, index) => ({ record, index, time: parseEventTime(record.record.eventTime) ?? Infinity }));
  keyed.sort((a, b) => a.time - b.time || a.index - b.index);
  return keyed.map((k) => k.record);
}
