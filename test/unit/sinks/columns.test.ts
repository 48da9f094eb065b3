/**
 * The table and csv columns, on real records.
 */
import { describe, expect, it } from 'vitest';
import { errorCode, type JsonObject } from '../../../src/cloudtrail/record.js';
import { COLUMNS, selectColumns } from '../../../src/sinks/columns.js';
import type { TrailRecord } from '../../../src/reader/trail-record.js';
import { pick, K, KEY_0987 } from '../fixtures.js';

describe('columns on real records', () => {
  const origin = { file: 'kms-docs.json' } as TrailRecord;
  const value = (id: string, record: JsonObject) => COLUMNS.find((c) => c.id === id)!.value(record, origin);

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

  it('selectColumns resolves names case-insensitively and reports the unknown one', () => {
    const chosen = selectColumns(['time', 'EVENT']);
    expect(Array.isArray(chosen) && chosen.map((c) => c.id)).toEqual(['time', 'event']);
    expect(selectColumns(['time', 'nope'])).toEqual({ unknown: 'nope' });
  });
});
