/**
 * The report's SVG charts: a column per bucket at heights in proportion to the counts, the busiest
 * marked, round grid steps, bars in proportion, and labels escaped.
 */
import { describe, expect, it } from 'vitest';
import type { ActivitySeries } from '../../../../src/sinks/aggregators/activity.js';
import { activitySvg, barsSvg, niceStep } from '../../../../src/sinks/report/svg-chart.js';

/** The attributes of every element named `tag` with class `cls` (a small reader for our own output). */
function elements(svg: string, tag: string, cls: RegExp): Array<Record<string, string>> {
  const found: Array<Record<string, string>> = [];
  for (const m of svg.matchAll(new RegExp(`<${tag} ([^>]*)>`, 'g'))) {
    const attrs = Object.fromEntries([...m[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    if (cls.test(attrs.class ?? '')) found.push(attrs);
  }
  return found;
}

const series: ActivitySeries = {
  bucket: '1h',
  bucketSeconds: 3600,
  buckets: [
    { start: '2021-07-30T14:00:00Z', count: 362 },
    { start: '2021-07-30T15:00:00Z', count: 0 },
    { start: '2021-07-30T16:00:00Z', count: 2655 },
    { start: '2021-07-30T17:00:00Z', count: 340 },
  ],
  timed: 3357,
  untimed: 0,
  busiest: ['2021-07-30T16:00:00Z', '2021-07-30T14:00:00Z', '2021-07-30T17:00:00Z'],
};

describe('niceStep', () => {
  it('is 1, 2 or 5 times a power of ten, at least a quarter of the maximum', () => {
    expect(niceStep(2655, 4)).toBe(1000);
    expect(niceStep(12, 4)).toBe(5);
    expect(niceStep(4, 4)).toBe(1);
    expect(niceStep(0, 4)).toBe(1);
    expect(niceStep(1_999, 4)).toBe(500);
  });
});

describe('activitySvg', () => {
  const svg = activitySvg(series).text;
  const bars = elements(svg, 'rect', /\bbar\b/);

  it('one bar per bucket, in order, with its start and count', () => {
    expect(bars.map((b) => [b['data-start'], Number(b['data-count'])])).toEqual(series.buckets.map((b) => [b.start, b.count]));
  });

  it('heights in proportion to the counts, on one baseline', () => {
    const heights = bars.map((b) => Number(b.height));
    const perRecord = heights[2] / 2655;
    series.buckets.forEach((b, i) => expect(heights[i]).toBeCloseTo(b.count * perRecord, 1));
    const bottoms = bars.map((b) => Number(b.y) + Number(b.height));
    for (const bottom of bottoms) expect(bottom).toBeCloseTo(bottoms[0], 1);
  });

  it('the busiest buckets in their own class, each with its count written above', () => {
    expect(bars.filter((b) => /\bbusiest\b/.test(b.class)).map((b) => b['data-start']).sort()).toEqual([...series.busiest].sort());
    expect([...svg.matchAll(/<text class="peak"[^>]*>([^<]*)</g)].map((m) => m[1]).sort()).toEqual(['2,655', '340', '362']);
  });

  it('a tooltip per bar, and grid lines at round steps', () => {
    expect(svg).toContain('<title>2021-07-30 16:00 UTC (1h): 2,655 records</title>');
    expect([...svg.matchAll(/<text class="axis"[^>]*text-anchor="end">([\d,]+)</g)].map((m) => m[1])).toEqual(['0', '1,000', '2,000', '3,000']);
  });
});

describe('barsSvg', () => {
  it('bars in proportion to the counts, labels cut and escaped, whole in the tooltip', () => {
    const long = `arn:aws:sts::111122223333:assumed-role/<script>x</script>/${'s'.repeat(80)}`;
    const svg = barsSvg(
      [
        { label: long, count: 200 },
        { label: 'AWS Internal', count: 50 },
      ],
      'principals',
    ).text;
    const bars = elements(svg, 'rect', /\bbar\b/);
    expect(Number(bars[1].width) / Number(bars[0].width)).toBeCloseTo(0.25, 3);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(svg).toContain(`<title>arn:aws:sts::111122223333:assumed-role/&lt;script&gt;x&lt;/script&gt;/${'s'.repeat(80)}: 200</title>`);
    expect(svg).toMatch(/…<\/text>/);
  });
});
