/**
 * The activity chart for a terminal: one row per time bucket, a bar scaled to the busiest bucket,
 * the count, and the busiest buckets marked. Unicode block characters draw bars to an eighth of a
 * cell; where the terminal may not show them (a locale that is not UTF-8, or --ascii), `#` does.
 * Every row fits in the terminal's width, so a narrow window never wraps a bar onto the next line.
 */
import type { ChalkInstance } from 'chalk';
import { formatInstant, UTC, type TimeZone } from '../util/time-zone.js';
import type { ActivitySeries } from './aggregators/activity.js';

export interface ChartStyle {
  /** Columns of the terminal (80 when unknown). */
  width: number;
  /** Plain ASCII instead of block characters and arrows. */
  ascii: boolean;
  color: ChalkInstance;
  /** The clock bucket starts are shown on (--tz); buckets themselves stay UTC's, so counts never change. */
  zone?: TimeZone;
}

/** The width to draw in when the terminal does not say (stdout is a pipe or a file). */
export const DEFAULT_WIDTH = 80;
/** Below this many cells a bar says too little: rows then exceed a terminal narrower than 37 columns. */
const MIN_BAR = 4;

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `cells` cells for `count` of `max`; a count above zero always shows something. */
export function bar(count: number, max: number, cells: number, ascii: boolean): string {
  if (count <= 0 || max <= 0) return '';
  if (ascii) return '#'.repeat(Math.max(1, Math.round((count / max) * cells)));
  const eighths = Math.max(1, Math.round((count / max) * cells * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/**
 * How a bucket's start is written: the day alone for buckets of a day or more, else to the minute.
 * In another zone, a UTC day starts at some hour of the local clock: that hour is shown too.
 */
export function bucketLabel(start: string, bucketSeconds: number, zone: TimeZone = UTC): string {
  const ms = Date.parse(start);
  const local = zone === UTC || Number.isNaN(ms) ? start : formatInstant(ms, zone);
  const offset = zone === UTC || Number.isNaN(ms) ? 0 : zone.offsetAt(ms);
  const text = local.replace('T', ' ');
  return bucketSeconds >= 86_400 && offset === 0 ? text.slice(0, 10) : text.slice(0, 16);
}

function markers(ascii: boolean): string[] {
  const arrow = ascii ? '<-' : '◀';
  return [` ${arrow} busiest`, ` ${arrow} 2nd`, ` ${arrow} 3rd`];
}

const count = (n: number) => n.toLocaleString('en-US');

/** The chart as lines (no newline at their ends); none when no record has a readable time. */
export function activityChart(series: ActivitySeries, { width, ascii, color, zone = UTC }: ChartStyle): string[] {
  const total = series.timed + series.untimed;
  const heading =
    `activity per ${series.bucket} (${zone.name}), ${count(series.timed)} record${series.timed === 1 ? '' : 's'}` +
    (series.untimed > 0 ? `; ${count(series.untimed)} without a readable eventTime, not drawn` : '');
  if (series.buckets.length === 0) {
    return total === 0 ? [] : [`activity: none of the ${count(total)} records has a readable eventTime`];
  }
  const marks = markers(ascii);
  const rank = new Map(series.busiest.map((start, i) => [start, i]));
  const labels = series.buckets.map((b) => bucketLabel(b.start, series.bucketSeconds, zone));
  const counts = series.buckets.map((b) => count(b.count));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const countWidth = Math.max(...counts.map((c) => c.length));
  const markWidth = Math.max(0, ...series.busiest.map((_, i) => marks[i].length));
  // label, space, bar, space, count, mark; one column spare, as some terminals wrap at the last.
  const cells = Math.max(MIN_BAR, width - 1 - labelWidth - 1 - 1 - countWidth - markWidth);
  const max = Math.max(...series.buckets.map((b) => b.count));
  const lines = [color.bold(heading)];
  series.buckets.forEach((b, i) => {
    const place = rank.get(b.start);
    const drawn = bar(b.count, max, cells, ascii).padEnd(cells);
    const row = `${labels[i].padEnd(labelWidth)} ${place === undefined ? drawn : color.yellow(drawn)} ${counts[i].padStart(countWidth)}`;
    lines.push(place === undefined ? row : row + color.yellow(marks[place]));
  });
  return lines;
}
