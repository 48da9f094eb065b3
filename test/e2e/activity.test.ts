/**
 * The activity chart of `summary` and `timeline`, end to end through the built binary: the json
 * series and the table's rows against jq's counts per bucket over the real SANS 504 lab trail (its
 * 2021-07-30T16 spike), the width, --ascii and the locale, and records without a time.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jq, JQ_FIRST_COPIES, KMS_DOCS, makeTempDir, removeDir, type Json } from '../helpers/e2e.js';
import { runCli, SHARED } from '../helpers/run-cli.js';

const SANS = join(SHARED, 'samples', 'trees', 'SANS-504-S3-ransomware-lab');
const DAY = ['--since', '2021-07-30', '--until', '2021-07-31'];
/** A UTF-8 locale for the child, whatever this machine's: LC_ALL and LC_CTYPE would win over LANG. */
const UTF8 = { LANG: 'C.UTF-8', LC_ALL: '', LC_CTYPE: '' };

interface Series {
  bucket: string;
  bucketSeconds: number;
  buckets: Array<{ start: string; count: number }>;
  timed: number;
  untimed: number;
  busiest: string[];
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/** The chart of a table: the rows after the `activity per` heading, up to the next blank line. */
function chartRows(stdout: string): { heading: string; rows: string[] } {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith('activity per '));
  expect(at, 'the table has an activity chart').toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > at && l === '');
  return { heading: lines[at], rows: lines.slice(at + 1, end < 0 ? undefined : end) };
}

/** label, bar, count, mark: read back from a row. */
function parseRow(row: string): { label: string; count: number; mark: string } {
  const m = /^(\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?) (.*?) +([\d,]+)(?: (◀|<-) (busiest|2nd|3rd))?$/.exec(row);
  expect(m, `a chart row: ${row}`).not.toBeNull();
  return { label: m![1], count: Number(m![3].replace(/,/g, '')), mark: m![5] ?? '' };
}

async function summaryJson(args: string[]): Promise<Json & { records: number; activity: Series }> {
  const result = await runCli(['summary', '--format', 'json', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Json & { records: number; activity: Series };
}

describe.skipIf(!existsSync(SANS))('on the SANS 504 lab trail', () => {
  /**
   * jq over every record of the trail, copies dropped as kmstrail drops them: records per hour of
   * 2021-07-30 (all sources), and KMS records per 6 hours (the hour floored in jq: hour - hour % 6).
   */
  let hours: Record<string, number>;
  let quarters: Record<string, number>;
  /** summary json and table of the spike's day, all sources; summary json of the whole trail, KMS. */
  let day: Json & { records: number; activity: Series };
  let dayTable: string;
  let whole: Json & { records: number; activity: Series };

  beforeAll(async () => {
    // The runs go on in child processes while jq counts here.
    const runs = Promise.all([
      summaryJson(['--all-sources', ...DAY, SANS]),
      runCli(['summary', '--format', 'table', '--all-sources', ...DAY, SANS], { env: UTF8 }),
      summaryJson([SANS]),
    ]);
    const bytes = Buffer.concat(files(SANS).filter((f) => f.endsWith('.json.gz')).map((f) => gunzipSync(readFileSync(f))));
    const counts = (key: string) => `group_by(${key}) | map({key: (.[0] | ${key}), value: length}) | from_entries`;
    const sixHours = '.eventTime[0:11] + ((.eventTime[11:13] | tonumber) - ((.eventTime[11:13] | tonumber) % 6) | tostring | if length == 1 then "0" + . else . end) + ":00:00Z"';
    [hours, quarters] = jq(
      `${JQ_FIRST_COPIES} [inputs | .Records[]] | [firstcopies]
       | (map(select(.eventTime >= "2021-07-30T00:00:00Z" and .eventTime < "2021-07-31T00:00:00Z")) | ${counts('.eventTime[0:13] + ":00:00Z"')}),
         (map(select(.eventSource == "kms.amazonaws.com")) | ${counts(sixHours)})`,
      { bytes },
      ['-n'],
    ) as [Record<string, number>, Record<string, number>];
    let table;
    [day, table, whole] = await runs;
    expect(table.code).toBe(0);
    dayTable = table.stdout;
  });

  it('the day of the spike, all sources: 24 hourly buckets, each as jq counts it, 16:00 the busiest', () => {
    const doc = day;
    const a = doc.activity;
    expect(a.bucket).toBe('1h');
    expect(a.bucketSeconds).toBe(3600);
    expect(a.buckets.map((b) => [b.start, b.count])).toEqual(Object.entries(hours).sort());
    expect(a.buckets).toHaveLength(24);
    // The spike the issue names: some 2,655 events in one hour (copies dropped here) against ~340.
    expect(a.buckets.find((b) => b.start === '2021-07-30T16:00:00Z')?.count).toBe(hours['2021-07-30T16:00:00Z']);
    expect(hours['2021-07-30T16:00:00Z']).toBeGreaterThan(5 * hours['2021-07-30T15:00:00Z']);
    expect(a.busiest[0]).toBe('2021-07-30T16:00:00Z');
    expect(a.timed + a.untimed).toBe(doc.records);
    expect(a.untimed).toBe(0);
  });

  it('the whole trail, KMS: 6-hour buckets from the first record to the last, each as jq counts it', () => {
    const doc = whole;
    const a = doc.activity;
    expect(a.bucket).toBe('6h');
    expect(a.buckets.filter((b) => b.count > 0).map((b) => [b.start, b.count])).toEqual(Object.entries(quarters).sort());
    expect(a.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(doc.records);
    expect(a.buckets.length).toBeLessThanOrEqual(48);
  });

  it('the table draws the json series: one row per bucket, the same counts, within 80 columns, the busiest marked', () => {
    const doc = day;
    const { heading, rows } = chartRows(dayTable);
    expect(heading).toBe(`activity per 1h (UTC), ${doc.records.toLocaleString('en-US')} records`);
    const parsed = rows.map(parseRow);
    expect(parsed.map((r) => r.count)).toEqual(doc.activity.buckets.map((b) => b.count));
    expect(parsed.map((r) => `${r.label.replace(' ', 'T')}:00Z`)).toEqual(doc.activity.buckets.map((b) => b.start));
    const marked = Object.fromEntries(parsed.filter((r) => r.mark !== '').map((r) => [`${r.label.replace(' ', 'T')}:00Z`, r.mark]));
    expect(marked).toEqual(Object.fromEntries(doc.activity.busiest.map((start, i) => [start, ['busiest', '2nd', '3rd'][i]])));
    expect(marked['2021-07-30T16:00:00Z']).toBe('busiest');
    // stdout is a pipe: the chart is drawn for 80 columns.
    for (const row of [heading, ...rows]) expect([...row].length).toBeLessThanOrEqual(80);
    expect(rows.join('')).toMatch(/[█▏▎▍▌▋▊▉]/);
    // The spike's bar is the longest.
    const spike = rows.find((r) => r.startsWith('2021-07-30 16:00'))!;
    expect(spike.replace(/[^█]/g, '').length).toBe(Math.max(...rows.map((r) => r.replace(/[^█]/g, '').length)));
  });
});

describe('the character set', () => {
  it('--ascii, or a locale that is not UTF-8: # bars and <- marks, nothing but ASCII; block bars in UTF-8', async () => {
    const [ascii, cLocale, unset, utf8] = await Promise.all([
      runCli(['summary', '--format', 'table', '--ascii', KMS_DOCS], { env: UTF8 }),
      runCli(['summary', '--format', 'table', KMS_DOCS], { env: { LANG: 'C', LC_ALL: '', LC_CTYPE: '' } }),
      runCli(['summary', '--format', 'table', KMS_DOCS], { env: { LANG: '', LC_ALL: '', LC_CTYPE: '' } }),
      runCli(['summary', '--format', 'table', KMS_DOCS], { env: { LANG: 'C', LC_ALL: 'en_US.UTF-8', LC_CTYPE: '' } }),
    ]);
    for (const result of [ascii, cLocale, unset]) {
      expect(result.code).toBe(0);
      const { rows } = chartRows(result.stdout);
      expect(rows.length).toBeGreaterThan(1);
      for (const row of rows) expect(row).toMatch(/^[\x20-\x7e]+$/);
      expect(rows.filter((r) => / #+ +[\d,]+ <- busiest$/.test(r))).toHaveLength(1);
    }
    expect(cLocale.stdout).toBe(ascii.stdout);
    expect(unset.stdout).toBe(ascii.stdout);
    // LC_ALL wins over LANG.
    const { rows } = chartRows(utf8.stdout);
    expect(rows.filter((r) => / █[█▏▎▍▌▋▊▉]* +[\d,]+ ◀ busiest$/.test(r))).toHaveLength(1);
    expect(rows.map((r) => parseRow(r).count)).toEqual(chartRows(ascii.stdout).rows.map((r) => parseRow(r).count));
  });
});

describe('timeline', () => {
  it('draws its own events: the counts of summary json with the same options, adding up to its lines', async () => {
    const args = ['--key', '1234abcd-12ab-34cd-56ef-1234567890ab', KMS_DOCS];
    const [doc, table, lines] = await Promise.all([
      summaryJson(args),
      runCli(['timeline', '--format', 'table', ...args], { env: UTF8 }),
      runCli(['timeline', '--format', 'jsonl', ...args]),
    ]);
    expect(table.code).toBe(0);
    const events = lines.stdout.split('\n').filter((l) => l !== '').length;
    expect(events).toBe(46);
    const { heading, rows } = chartRows(table.stdout);
    expect(heading).toBe(`activity per ${doc.activity.bucket} (UTC), ${events} records`);
    const parsed = rows.map(parseRow);
    expect(parsed.map((r) => r.count)).toEqual(doc.activity.buckets.map((b) => b.count));
    expect(parsed.map((r) => r.label)).toEqual(doc.activity.buckets.map((b) => b.start.slice(0, 10)));
    expect(parsed.reduce((sum, r) => sum + r.count, 0)).toBe(events);
    expect(doc.records).toBe(events);
    for (const row of rows) expect([...row].length).toBeLessThanOrEqual(80);
    // json and jsonl stay one entry per event: no chart there.
    expect(lines.stdout).not.toContain('activity');
  });
});

describe('records without a readable eventTime', () => {
  let dir: string | undefined;
  afterAll(() => removeDir(dir));

  it('are counted apart, in json and in the table heading, and drawn in no bucket', async () => {
    dir = makeTempDir();
    const records = (JSON.parse(readFileSync(KMS_DOCS, 'utf8')) as { Records: Json[] }).Records.map((r, i) => {
      // Every fifth record loses its time; two others get one that names no day.
      if (i % 5 === 0) return { ...r, eventTime: undefined };
      if (i === 1 || i === 2) return { ...r, eventTime: '2024-02-30T10:00:00Z' };
      return r;
    });
    const file = join(dir, 'untimed.json');
    writeFileSync(file, JSON.stringify({ Records: records }));
    const untimed = jq(
      `${JQ_FIRST_COPIES} [.Records | firstcopies | select(.eventSource == "kms.amazonaws.com") | select((.eventTime | type) != "string" or (.eventTime | test("-02-30")))] | length`,
      { file },
    )[0] as number;
    expect(untimed).toBeGreaterThan(0);
    const doc = await summaryJson([file]);
    expect(doc.activity.untimed).toBe(untimed);
    expect(doc.activity.timed).toBe(doc.records - untimed);
    expect(doc.activity.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(doc.records - untimed);
    const table = await runCli(['summary', '--format', 'table', file], { env: UTF8 });
    expect(chartRows(table.stdout).heading).toBe(
      `activity per ${doc.activity.bucket} (UTC), ${doc.records - untimed} records; ${untimed} without a readable eventTime, not drawn`,
    );
  });
});
