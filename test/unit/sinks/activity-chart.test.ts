/**
 * The terminal activity chart: bars in eighths of a cell (or whole `#`), rows that fit the width,
 * the busiest buckets marked, ASCII when asked, and the records without a time said.
 */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { activityChart, bar, bucketLabel } from '../../../src/sinks/activity-chart.js';
import type { ActivitySeries } from '../../../src/sinks/aggregators/activity.js';

const plain = new Chalk({ level: 0 });

function series(counts: number[], untimed = 0, bucketSeconds = 3600): ActivitySeries {
  const buckets = counts.map((count, i) => ({ start: new Date(Date.UTC(2021, 6, 30, i)).toISOString().replace('.000Z', 'Z'), count }));
  const busiest = buckets
    .filter((b) => b.count > 0)
    .sort((a, b) => b.count - a.count || (a.start < b.start ? -1 : 1))
    .slice(0, 3)
    .map((b) => b.start);
  return { bucket: '1h', bucketSeconds, buckets, timed: counts.reduce((a, b) => a + b, 0), untimed, busiest };
}

/** The bar of a chart row, in eighths of a cell, read back from its characters. */
function eighthsOf(row: string): number {
  const partial = ' ▏▎▍▌▋▊▉';
  let n = 0;
  for (const ch of row) {
    if (ch === '█') n += 8;
    else if (partial.indexOf(ch) > 0) n += partial.indexOf(ch);
  }
  return n;
}

describe('bar', () => {
  it('draws count/max of the cells, to the eighth', () => {
    expect(bar(10, 10, 5, false)).toBe('█████');
    expect(bar(5, 10, 5, false)).toBe('██▌');
    expect(bar(1, 10, 5, false)).toBe('▌');
    expect(bar(1, 80, 5, false)).toBe('▏');
    // 3/80 of 40 eighths is 1.5: rounded to 2.
    expect(bar(3, 80, 5, false)).toBe('▎');
  });

  it('shows any count above zero, and nothing for zero', () => {
    expect(bar(1, 1_000_000, 10, false)).toBe('▏');
    expect(bar(1, 1_000_000, 10, true)).toBe('#');
    expect(bar(0, 10, 10, false)).toBe('');
    expect(bar(0, 10, 10, true)).toBe('');
  });

  it('in ASCII, whole cells of #', () => {
    expect(bar(10, 10, 8, true)).toBe('########');
    expect(bar(5, 10, 8, true)).toBe('####');
  });
});

describe('activityChart', () => {
  const spike = series([340, 0, 377, 2655, 331, 12]);

  it('one row per bucket, after a heading with the size, the count and the time zone', () => {
    const lines = activityChart(spike, { width: 80, ascii: false, color: plain });
    expect(lines[0]).toBe('activity per 1h (UTC), 3,715 records');
    expect(lines).toHaveLength(1 + 6);
    expect(lines.slice(1).map((l) => l.slice(0, 16))).toEqual(spike.buckets.map((b) => b.start.replace('T', ' ').slice(0, 16)));
    // The counts close each row (before the marks), as printed with thousands separators.
    expect(lines.slice(1).map((l) => /(\d[\d,]*)(?: ◀ \S+)?$/.exec(l)?.[1])).toEqual(['340', '0', '377', '2,655', '331', '12']);
  });

  for (const width of [38, 60, 80, 132, 200]) {
    it(`every row fits in ${width} columns, and the busiest bar takes the room there is`, () => {
      const lines = activityChart(spike, { width, ascii: false, color: plain });
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(width);
      const rows = lines.slice(1);
      const longest = Math.max(...rows.map(eighthsOf));
      expect(eighthsOf(rows[3])).toBe(longest);
      // The room: width less label, count, the widest mark (with its space), two spaces and a spare column.
      expect(longest / 8).toBe(width - 16 - 5 - ' ◀ busiest'.length - 2 - 1);
      expect(Math.max(...lines.map((l) => [...l].length))).toBe(width - 1);
    });
  }

  it('bars are in proportion to the counts, within an eighth of a cell', () => {
    const rows = activityChart(spike, { width: 80, ascii: false, color: plain }).slice(1);
    const full = eighthsOf(rows[3]);
    spike.buckets.forEach((b, i) => {
      const wanted = (b.count / 2655) * full;
      expect(Math.abs(eighthsOf(rows[i]) - Math.max(b.count > 0 ? 1 : 0, wanted))).toBeLessThanOrEqual(0.5);
    });
  });

  it('marks the three busiest buckets, busiest first', () => {
    const rows = activityChart(spike, { width: 80, ascii: false, color: plain }).slice(1);
    expect(rows[3].endsWith('2,655 ◀ busiest')).toBe(true);
    expect(rows[2].endsWith('377 ◀ 2nd')).toBe(true);
    expect(rows[0].endsWith('340 ◀ 3rd')).toBe(true);
    expect(rows.filter((r) => r.includes('◀'))).toHaveLength(3);
  });

  it('in ASCII: only ASCII characters, # bars and <- marks, the same layout', () => {
    const lines = activityChart(spike, { width: 80, ascii: true, color: plain });
    for (const line of lines) expect(line).toMatch(/^[\x20-\x7e]*$/);
    expect(lines[4]).toMatch(/^2021-07-30 03:00 #+ 2,655 <- busiest$/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('says how many records have no readable time, and draws none for them', () => {
    expect(activityChart(series([1, 2], 4), { width: 80, ascii: false, color: plain })[0]).toBe(
      'activity per 1h (UTC), 3 records; 4 without a readable eventTime, not drawn',
    );
    expect(activityChart(series([], 4), { width: 80, ascii: false, color: plain })).toEqual(['activity: none of the 4 records has a readable eventTime']);
    expect(activityChart(series([]), { width: 80, ascii: false, color: plain })).toEqual([]);
  });

  it('colour (when on) paints the busiest bars and marks, and costs no columns', () => {
    const color = new Chalk({ level: 1 });
    const lines = activityChart(spike, { width: 80, ascii: false, color });
    // eslint-disable-next-line no-control-regex
    const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
    expect(lines[4]).toContain('\x1b[33m');
    for (const line of lines) expect([...visible(line)].length).toBeLessThanOrEqual(80);
  });
});

describe('bucketLabel', () => {
  it('to the minute below a day, the day alone from a day up', () => {
    expect(bucketLabel('2021-07-30T16:00:00Z', 3600)).toBe('2021-07-30 16:00');
    expect(bucketLabel('2021-07-30T00:00:00Z', 86_400)).toBe('2021-07-30');
    expect(bucketLabel('2021-07-26T00:00:00Z', 7 * 86_400)).toBe('2021-07-26');
  });
});
