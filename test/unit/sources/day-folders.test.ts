/**
 * Day folders of the AWSLogs layout against a time window: which folders a window reads, where a
 * key-ordered S3 listing goes on after a key outside the window (listAfter), and where in the
 * layout a local walk starts (placeOf).
 */
import { describe, expect, it } from 'vitest';
import { placeOf } from '../../../src/sources/local-files.js';
import { dayFolderName, dayFolders, deliveryDays, listAfter } from '../../../src/sources/pruning.js';

const DAY = 86_400_000;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;
const region = 'AWSLogs/111122223333/CloudTrail/eu-west-1/';

describe('day folders', () => {
  it('names the folder of a day, zero-padded', () => {
    expect(dayFolderName(day('2024-03-02'))).toBe('2024/03/02/');
    expect(dayFolderName(day('1999-12-31'))).toBe('1999/12/31/');
  });

  it('reads the day of --since to the day after the day of --until (late deliveries)', () => {
    expect(dayFolders(Date.parse('2024-02-28T13:00:00Z'), Date.parse('2024-03-01T10:00:00Z'))).toEqual(['2024/02/28/', '2024/02/29/', '2024/03/01/', '2024/03/02/']);
    // An --until at midnight ends the day before.
    expect(dayFolders(Date.parse('2024-03-01T00:00:00Z'), Date.parse('2024-03-02T00:00:00Z'))).toEqual(['2024/03/01/', '2024/03/02/']);
  });
});

describe('listAfter', () => {
  const window = deliveryDays({ since: Date.parse('2024-03-02T00:00:00Z'), until: Date.parse('2024-03-03T00:00:00Z') }) as { first: number; last: number };

  it('takes a key in a day folder of the window', () => {
    expect(listAfter(`${region}2024/03/02/a.json.gz`, window)).toBeUndefined();
    expect(listAfter(`o-abc123/${region}2024/03/03/a.json.gz`, window)).toBeUndefined();
  });

  it('goes on at the window when a key is before it, in the same region', () => {
    const after = listAfter(`${region}2023/11/30/a.json.gz`, window);
    expect(after).toBe(`${region}2024/03/02`);
    // Every key of the window's first day sorts after it, every earlier one before it.
    expect(`${region}2024/03/02/a.json.gz` > (after as string)).toBe(true);
    expect(`${region}2024/03/01/z.json.gz` < (after as string)).toBe(true);
    // Deeper in a day folder is in that day, as a local walk leaves the whole folder out.
    expect(listAfter(`${region}2023/11/30/deeper/a.json.gz`, window)).toBe(after);
  });

  it('goes on past the year folder when a key is after the window', () => {
    const after = listAfter(`${region}2024/03/04/a.json.gz`, window) as string;
    expect(after.startsWith(`${region}2024/`)).toBe(true);
    // Past every key of 2024, as S3 orders keys (UTF-8 bytes); not past 2025 or another region.
    const bytes = (key: string) => Buffer.from(key, 'utf8');
    expect(Buffer.compare(bytes(`${region}2024/12/31/z.json.gz`), bytes(after))).toBe(-1);
    expect(Buffer.compare(bytes(`${region}2025/01/01/a.json.gz`), bytes(after))).toBe(1);
    expect(Buffer.compare(bytes('AWSLogs/111122223333/CloudTrail/eu-west-2/2020/01/01/a.json.gz'), bytes(after))).toBe(1);
  });

  it('with --until alone nothing is before the window', () => {
    const until = deliveryDays({ until: Date.parse('2024-03-03T00:00:00Z') }) as { first: number; last: number };
    expect(listAfter(`${region}2001/01/01/a.json.gz`, until)).toBeUndefined();
    expect(listAfter(`${region}2024/03/03/a.json.gz`, until)).toBeUndefined();
    expect(listAfter(`${region}2024/03/04/a.json.gz`, until)).toBe(`${region}2024/\u{10FFFF}`);
  });

  it('takes keys outside the day folders of the layout', () => {
    for (const key of [
      `${region}notes.json`,
      `${region}2024/03/notes.json`,
      `${region}2024/13/01/a.json.gz`,
      'exports/2020/01/01/a.json.gz',
    ]) {
      expect(listAfter(key, window), key).toBeUndefined();
    }
  });
});

describe('placeOf: where a walk starts, in the layout', () => {
  it('follows the names of the folder and its parents', () => {
    expect(placeOf('/data/AWSLogs/111122223333/CloudTrail/us-east-1/2024/03')).toEqual({ level: 'month', dates: [2024, 3] });
    expect(placeOf('/data/AWSLogs/o-abc123/111122223333/CloudTrail/us-east-1/2024/03/02/')).toEqual({ level: 'day', dates: [2024, 3, 2] });
    expect(placeOf('/data/AWSLogs/111122223333/CloudTrail')).toEqual({ level: 'trail', dates: [] });
    // A region folder copied without the levels above it, as trees are shared.
    expect(placeOf('/cases/lab/us-west-1/2021')).toEqual({ level: 'year', dates: [2021] });
  });

  it('is outside the layout where the names are', () => {
    expect(placeOf('/data/2024/03')).toEqual({ level: 'other', dates: [] });
    expect(placeOf('/data/AWSLogs/111122223333/CloudTrail/us-east-1/2024/notes')).toEqual({ level: 'other', dates: [] });
  });
});
