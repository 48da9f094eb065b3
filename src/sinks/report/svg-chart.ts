/**
 * The report's charts, as inline SVG: a column per time bucket for activity, a bar per value for
 * the top tables. A few dozen rectangles and labels each, so a small renderer of our own does it in
 * a few kilobytes of output, with nothing to load: the page must open offline, and a charting
 * library would add a script (which the page's content security policy forbids) or hundreds of
 * kilobytes of code to draw what plain <rect> elements draw.
 */
import type { ActivitySeries } from '../aggregators/activity.js';
import { UTC, type TimeZone } from '../../util/time-zone.js';
import { bucketLabel } from '../activity-chart.js';
import { count, html, shorten, type Html } from './html.js';

const WIDTH = 960;

/** A round step for `ticks` grid lines reaching `max`: 1, 2 or 5 times a power of ten. */
export function niceStep(max: number, ticks: number): number {
  if (max <= 0) return 1;
  const rough = max / ticks;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  return Math.max(1, step);
}

const fixed = (n: number) => Number(n.toFixed(2));

/** Activity: one column per bucket (empty buckets too, at height 0), the busiest in another colour with their counts. */
export function activitySvg(series: ActivitySeries, zone: TimeZone = UTC): Html {
  const height = 260;
  const margin = { left: 64, right: 16, top: 28, bottom: 44 };
  const plotWidth = WIDTH - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const n = series.buckets.length;
  const max = Math.max(1, ...series.buckets.map((b) => b.count));
  const step = niceStep(max, 4);
  const top = Math.ceil(max / step) * step;
  const y = (value: number) => margin.top + plotHeight - (value / top) * plotHeight;
  const slot = plotWidth / Math.max(1, n);
  const busiest = new Set(series.busiest);

  const grid = [];
  for (let value = 0; value <= top; value += step) {
    grid.push(html`<line class="grid" x1="${margin.left}" x2="${WIDTH - margin.right}" y1="${fixed(y(value))}" y2="${fixed(y(value))}"/>
<text class="axis" x="${margin.left - 6}" y="${fixed(y(value) + 4)}" text-anchor="end">${count(value)}</text>`);
  }
  const bars = series.buckets.map((b, i) => {
    const x = margin.left + i * slot + slot * 0.1;
    const barHeight = (b.count / top) * plotHeight;
    const label = `${bucketLabel(b.start, series.bucketSeconds, zone)} ${zone.name} (${series.bucket}): ${count(b.count)} record${b.count === 1 ? '' : 's'}`;
    const hot = busiest.has(b.start);
    return html`<rect class="${hot ? 'bar busiest' : 'bar'}" x="${fixed(x)}" y="${fixed(y(b.count))}" width="${fixed(Math.max(1, slot * 0.8))}" height="${fixed(barHeight)}" data-start="${b.start}" data-count="${b.count}"><title>${label}</title></rect>${
      hot ? html`<text class="peak" x="${fixed(x + slot * 0.4)}" y="${fixed(y(b.count) - 5)}" text-anchor="middle">${count(b.count)}</text>` : ''
    }`;
  });
  // About six time labels, whatever the number of buckets.
  const every = Math.max(1, Math.ceil(n / 6));
  const labels = series.buckets.flatMap((b, i) =>
    i % every === 0
      ? [html`<text class="axis" x="${fixed(margin.left + i * slot + slot / 2)}" y="${height - margin.bottom + 16}" text-anchor="middle">${bucketLabel(b.start, series.bucketSeconds, zone)}</text>`]
      : [],
  );
  const described = `Records per ${series.bucket} bucket, ${n} buckets, busiest ${count(max)}`;
  return html`<svg class="chart activity" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${described}" xmlns="http://www.w3.org/2000/svg">
${grid}
${bars}
${labels}
<text class="axis" x="${WIDTH - margin.right}" y="${height - 6}" text-anchor="end">${zone.name}, ${series.bucket} buckets</text>
</svg>`;
}

export interface BarRow {
  label: string;
  count: number;
}

/** Horizontal bars, one per row, scaled to the largest; labels cut to fit, whole in a tooltip. */
export function barsSvg(rows: readonly BarRow[], name: string): Html {
  const rowHeight = 22;
  const labelWidth = 380;
  const countWidth = 80;
  const height = rows.length * rowHeight + 8;
  const max = Math.max(1, ...rows.map((r) => r.count));
  const barSpace = WIDTH - labelWidth - countWidth - 16;
  const bars = rows.map((r, i) => {
    const y = 4 + i * rowHeight;
    const width = Math.max(r.count > 0 ? 1 : 0, (r.count / max) * barSpace);
    return html`<g><title>${r.label}: ${count(r.count)}</title>
<text class="label" x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${shorten(r.label, 54)}</text>
<rect class="bar" x="${labelWidth}" y="${y + 3}" width="${fixed(width)}" height="${rowHeight - 6}" data-count="${r.count}"/>
<text class="axis" x="${fixed(labelWidth + width + 6)}" y="${y + 15}">${count(r.count)}</text></g>`;
  });
  return html`<svg class="chart bars" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${name}" xmlns="http://www.w3.org/2000/svg">
${bars}
</svg>`;
}
