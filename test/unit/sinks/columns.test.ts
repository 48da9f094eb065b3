/**
 * The table and csv columns, on real records.
 */
import { describe, expect, it } from 'vitest';
import { errorCode, type JsonObject } from '../../../src/cloudtrail/record.js';
import { COLUMNS, DEFAULT_COLUMNS, isoTime, selectColumns, tableTime } from '../../../src/sinks/columns.js';
import { layoutColumns } from '../../../src/sinks/wrapped-table.js';
import { timeZoneNamed } from '../../../src/util/time-zone.js';
import type { TrailRecord } from '../../../src/reader/trail-record.js';
import { pick, K, KEY_0987 } from '../fixtures.js';

describe('a source IP on a narrow screen', () => {
  it('is shown whole (an IPv4 address) or not at all: a cut address passes for another', () => {
    const columns = DEFAULT_COLUMNS.map((id) => COLUMNS.find((c) => c.id === id)!);
    const ip = DEFAULT_COLUMNS.indexOf('source-ip');
    // Natural widths of a table of real-looking values: time, event, principal ARN, key ID, region, '255.255.255.255', error.
    const natural = [20, 19, 44, 36, 14, 15, 24];
    for (let screen = 60; screen <= 200; screen++) {
      const widths = layoutColumns(columns.map((c) => ({ header: c.header, ...c.fit })), natural, natural.map(() => 1), screen);
      if (widths[ip] !== undefined) expect(widths[ip], `${screen} columns`).toBeGreaterThanOrEqual(15);
    }
  });
});

describe('the origin column on a narrow screen', () => {
  it('stays before the user agent does, with a zoned time at 80 columns (the agent leaves first)', () => {
    const ids = ['time', 'event', 'principal', 'origin', 'user-agent'];
    const columns = ids.map((id) => COLUMNS.find((c) => c.id === id)!);
    // time (Europe/Paris) 25 wide, GenerateDataKey, cloudtrail.amazonaws.com twice, a long agent.
    const natural = [25, 15, 24, 24, 60];
    const widths = layoutColumns(columns.map((c) => ({ header: c.header, ...c.fit })), natural, natural.map(() => 1), 80);
    expect(widths[ids.indexOf('origin')]).toBeGreaterThanOrEqual(12);
    expect(widths[ids.indexOf('user-agent')]).toBeUndefined();
  });
});

describe('columns on real records', () => {
  const origin = { file: 'kms-docs.json' } as TrailRecord;
  const value = (id: string, record: JsonObject, time = tableTime()) => COLUMNS.find((c) => c.id === id)!.value(record, origin, time);

  it('default columns of the failed Decrypt', () => {
    const failed = pick(K, { eventID: 'b79603d5-4cde-46fc-819c-a7cf547b9df4', and: (r) => r.errorCode !== undefined });
    expect(['time', 'event', 'principal', 'key', 'region', 'source-ip', 'error'].map((id) => value(id, failed))).toEqual([
      '2022-11-24 00:26:58Z',
      'Decrypt',
      'Alice',
      KEY_0987,
      'us-west-2',
      'AWS Internal',
      'KMSInvalidStateException',
    ]);
    expect(value('file', failed)).toBe('kms-docs.json');
  });

  it('the time column: the table spelling or ISO 8601 (csv), in the zone asked for', () => {
    const failed = pick(K, { eventID: 'b79603d5-4cde-46fc-819c-a7cf547b9df4', and: (r) => r.errorCode !== undefined });
    expect(failed.eventTime).toBe('2022-11-24T00:26:58Z');
    expect(value('time', failed, isoTime())).toBe('2022-11-24T00:26:58Z');
    // Paris is on UTC+1 in November; Kathmandu on UTC+5:45 all year.
    expect(value('time', failed, tableTime(timeZoneNamed('Europe/Paris')))).toBe('2022-11-24 01:26:58+01:00');
    expect(value('time', failed, isoTime(timeZoneNamed('Asia/Kathmandu')))).toBe('2022-11-24T06:11:58+05:45');
  });

  it('selectColumns resolves names case-insensitively and reports the unknown one', () => {
    const chosen = selectColumns(['time', 'EVENT']);
    expect(Array.isArray(chosen) && chosen.map((c) => c.id)).toEqual(['time', 'event']);
    expect(selectColumns(['time', 'nope'])).toEqual({ unknown: 'nope' });
  });
});
