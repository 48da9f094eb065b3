/** Printing a timeline: table (the human view), json (one array) or jsonl (one entry per line). */
import type { ChalkInstance } from 'chalk';
import { formatEventTime, parseEventTime } from '../cloudtrail/event-time.js';
import { ActivityHistogram } from './aggregators/activity.js';
import { activityChart, DEFAULT_WIDTH } from './activity-chart.js';
import { DESTRUCTIVE_OR_POLICY_EVENTS } from '../cloudtrail/events.js';
import { UTC, type TimeZone } from '../util/time-zone.js';
import { Timeline, type TimelineEntry } from './aggregators/timeline.js';
import { zonedHeader } from './columns.js';
import type { Output } from './output.js';
import { defineFormats, type FormatContext, type RecordSink } from './sink.js';
import { wrappedTable } from './wrapped-table.js';
import { jsonText } from '../util/deep-json.js';

/** A table cell holds at most this much of the details; json and jsonl give them all, structured. */
const MAX_DETAILS = 500;
/** Fitted to a screen, at most this many lines of them: a key policy's digest is 30 lines in 20 columns. */
const DETAILS_LINES = 4;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Fixed keys in a fixed order, null when absent, so scripts can rely on the shape. */
export function timelineEntryJson(e: TimelineEntry): string {
  return jsonText({
    time: e.time,
    eventName: e.eventName,
    actor: e.actor,
    actorArn: e.actorArn ?? null,
    key: e.key || null,
    errorCode: e.errorCode ?? null,
    details: e.parameters,
    region: e.region ?? null,
    sourceIPAddress: e.sourceIp ?? null,
    eventID: e.eventId ?? null,
  });
}

export interface TimelineSettings {
  /** What the timeline follows (`--key` or `--user`): the same on every line, so its column is the first to leave a narrow screen. */
  follows?: 'key' | 'user';
}

export interface TimelineView extends TimelineSettings {
  zone?: TimeZone;
}

/** The timeline's printers, one per format: entries in time order to text. */
export const TIMELINE_PRINTERS = {
  table(out: Output, entries: readonly TimelineEntry[], color: ChalkInstance, { zone = UTC, follows }: TimelineView = {}) {
    const table = wrappedTable(
      out,
      [
        { header: zonedHeader('time', zone), min: Number.MAX_SAFE_INTEGER },
        // 10: a zoned time (25 wide) at 80 columns leaves room for the actor beside the details.
        { header: 'actor', wrap: 28, min: 10, drop: follows === 'user' ? 9 : 1 },
        // An event name whole when there is room (GenerateData/Key on two lines reads badly), but
        // not at the cost of the actor: a wider minimum pushed it out with a zoned time at 80 columns.
        { header: 'action', wrap: true, min: 12, whole: true },
        { header: 'key', wrap: 36, min: 13, drop: follows === 'key' ? 9 : 2 },
        { header: 'outcome', wrap: 24, min: 12, drop: 3, foldInto: 2, usual: 'ok' },
        { header: 'details', wrap: 100, min: 20, lines: DETAILS_LINES },
      ],
      color,
    );
    for (const e of entries) {
      const paint = e.errorCode ? color.red : DESTRUCTIVE_OR_POLICY_EVENTS.has(e.eventName) ? color.yellow : undefined;
      table.row([formatEventTime(e.time, zone), e.actor, e.eventName, e.key, e.errorCode ?? 'ok', cut(e.details, MAX_DETAILS)], paint);
    }
    if (table.end() === 0) out.write(color.dim('(no matching events)') + '\n');
  },
  json(out: Output, entries: readonly TimelineEntry[]) {
    if (entries.length === 0) return out.write('[]\n');
    entries.forEach((e, i) => out.write((i === 0 ? '[\n' : ',\n') + timelineEntryJson(e)));
    out.write('\n]\n');
  },
  jsonl(out: Output, entries: readonly TimelineEntry[]) {
    for (const e of entries) out.write(timelineEntryJson(e) + '\n');
  },
} satisfies Record<string, (out: Output, entries: readonly TimelineEntry[], color: ChalkInstance, view?: TimelineView) => void>;

type TimelinePrinter = (typeof TIMELINE_PRINTERS)[keyof typeof TIMELINE_PRINTERS];

/**
 * Collects the events as short lines; prints them in time order at the end. The table ends with
 * the activity chart of the same events; json and jsonl stay one entry per event (the series is in
 * `summary --format json` with the same options, which matches the same records).
 */
function timelineSink(print: TimelinePrinter, chart = false) {
  return ({ out, color, zone, columns, ascii }: FormatContext, { follows }: TimelineSettings): RecordSink => {
    const timeline = new Timeline();
    const activity = chart ? new ActivityHistogram() : undefined;
    return {
      write(record) {
        timeline.add(record.record);
        activity?.add(parseEventTime(record.record.eventTime));
      },
      end() {
        print(out, timeline.entries(), color, { zone, follows });
        if (activity) {
          const lines = activityChart(activity.series(), { width: columns ?? DEFAULT_WIDTH, ascii: ascii === true, color, zone });
          if (lines.length > 0) out.write(`\n${lines.join('\n')}\n`);
        }
        return { stats: [`timeline: ${timeline.size} events`] };
      },
    };
  };
}

export const TIMELINE_FORMATS = defineFormats<TimelineSettings>()({
  table: timelineSink(TIMELINE_PRINTERS.table, true),
  jsonl: timelineSink(TIMELINE_PRINTERS.jsonl),
  json: timelineSink(TIMELINE_PRINTERS.json),
});

export type TimelineFormat = keyof typeof TIMELINE_FORMATS;
