/**
 * CloudTrail times in the shapes real exports write them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatEventTime, parseEventTime, parseTimeBound } from '../../../src/cloudtrail/event-time.js';
import { fixtureFiles, loadRecords } from '../fixtures.js';

describe('parseEventTime', () => {
  it.each([
    ['2024-03-01T10:00:00Z', Date.UTC(2024, 2, 1, 10)],
    ['2024-01-01 00:00:00.000', Date.UTC(2024, 0, 1)],
    ['2025-03-05 19:48:47.000000000', Date.UTC(2025, 2, 5, 19, 48, 47)],
    ['2025-03-05 21:19:44.123456789', Date.UTC(2025, 2, 5, 21, 19, 44, 123)],
    ['2021-10-19 04:50:27', Date.UTC(2021, 9, 19, 4, 50, 27)],
    ['2023-01-22 16:53:53.000', Date.UTC(2023, 0, 22, 16, 53, 53)],
    ['2024-03-01T10:00:00.5Z', Date.UTC(2024, 2, 1, 10, 0, 0, 500)],
    ['2024-03-01T10:00:00z', Date.UTC(2024, 2, 1, 10)],
    ['2024-03-01t10:00:00Z', Date.UTC(2024, 2, 1, 10)],
    ['2024-03-01T10:00Z', Date.UTC(2024, 2, 1, 10)],
    ['2024-03-01T10:00:00+02:00', Date.UTC(2024, 2, 1, 8)],
    ['2024-03-01T10:00:00+0530', Date.UTC(2024, 2, 1, 4, 30)],
    ['2024-03-01T10:00:00-05:00', Date.UTC(2024, 2, 1, 15)],
    [' 2024-03-01T10:00:00Z ', Date.UTC(2024, 2, 1, 10)],
  ])('%j', (value, expected) => {
    expect(parseEventTime(value)).toBe(expected);
  });

  it.each([
    ['20131102T010628Z'], // basic ISO, sessionContext.attributes.creationDate (elastic)
    ['Oct 8, 2024, 4:15:32 PM'], // STS credentials.expiration
    ['Aug 10, 2022, 10:38:27 PM'], // KMS keyMetadata.creationDate
    ['2024-03-01'],
    [''],
    ['2024-13-01T00:00:00Z'],
    ['2024-03-01T10:00:00 UTC'],
    ['garbage'],
  ])('%j → undefined', (value) => {
    expect(parseEventTime(value)).toBeUndefined();
  });

  it('non-strings → undefined (EC2 createTime is epoch ms)', () => {
    expect(parseEventTime(1415220618876)).toBeUndefined();
    expect(parseEventTime(null)).toBeUndefined();
    expect(parseEventTime(undefined)).toBeUndefined();
    expect(parseEventTime({})).toBeUndefined();
  });

  // Regression guard (found by this suite, fixed): impossible calendar dates are rolled over instead of rejected (Date.parse in V8 accepts day 30 of February): parseEventTime("2024-02-30T00:00:00Z")
  it('an impossible date is not a time', () => {
    expect(parseEventTime('2024-02-30T00:00:00Z')).toBeUndefined();
  });

  // The delivery-file form has a fast path of its own; the same time written with a space instead
  // of the `T` takes the general one, so each is the other's oracle, rolled-over dates and all.
  it('the delivery-file form agrees with the general parser, digit by digit', () => {
    // Mostly near the edges of each range (day 0 and 32, hour 24, second 60), sometimes anything.
    const two = (max: number) => fc.oneof(fc.integer({ min: 0, max }), fc.integer({ min: 0, max: 99 })).map((n) => String(n).padStart(2, '0'));
    const year = fc.oneof(fc.integer({ min: 1896, max: 2104 }), fc.integer({ min: 0, max: 9999 })).map((n) => String(n).padStart(4, '0'));
    const form = fc.tuple(year, two(13), two(32), two(24), two(60), two(60));
    fc.assert(
      fc.property(form, ([y, mo, d, h, mi, s]) => {
        const canonical = `${y}-${mo}-${d}T${h}:${mi}:${s}Z`;
        expect(parseEventTime(canonical)).toBe(parseEventTime(canonical.replace('T', ' ')));
      }),
      { numRuns: 20_000 },
    );
    expect(parseEventTime('2024-02-29T23:59:59Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59));
    expect(parseEventTime('2023-02-29T00:00:00Z')).toBeUndefined();
    expect(parseEventTime('1900-02-29T00:00:00Z')).toBeUndefined();
    expect(parseEventTime('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
    expect(parseEventTime('0099-01-01T00:00:00Z')).toBe(Date.parse('0099-01-01T00:00:00Z'));
  });

  it('every eventTime in the fixtures parses', () => {
    const formats = new Set<string>();
    for (const file of fixtureFiles()) {
      for (const record of loadRecords(file)) {
        if (record.eventTime === undefined) continue;
        expect(parseEventTime(record.eventTime), `${file} ${String(record.eventTime)}`).toBeTypeOf('number');
        formats.add(String(record.eventTime).replace(/\d/g, 'n'));
      }
    }
    // The odd formats really are among them.
    expect(formats).toContain('nnnn-nn-nn nn:nn:nn.nnn');
    expect(formats).toContain('nnnn-nn-nn nn:nn:nn.nnnnnnnnn');
    expect(formats).toContain('nnnn-nn-nn nn:nn:nn');
    expect(formats).toContain('nnnn-nn-nnTnn:nn:nnZ');
  });

  it('parseTimeBound: relative spans and date-only', () => {
    const now = Date.UTC(2024, 2, 1);
    expect(parseTimeBound('90m', now)).toBe(now - 90 * 60_000);
    expect(parseTimeBound('2024-02-01', now)).toBe(Date.UTC(2024, 1, 1));
    expect(parseTimeBound('soon', now)).toBeUndefined();
    // A span back past what a Date holds is no time (it was an internal error at the first use).
    expect(parseTimeBound('9999999999d', now)).toBeUndefined();
    expect(parseTimeBound('99999999d', now)).toBe(now - 99_999_999 * 86_400_000);
  });
});

describe('formatEventTime', () => {
  it('UTC with a space, seconds precision', () => {
    expect(formatEventTime('2024-03-01T10:00:00Z')).toBe('2024-03-01 10:00:00Z');
    expect(formatEventTime('2025-03-05 19:48:47.000000000')).toBe('2025-03-05 19:48:47Z');
    expect(formatEventTime('2024-01-01 00:00:00.000')).toBe('2024-01-01 00:00:00Z');
    expect(formatEventTime('2021-10-19 04:50:27')).toBe('2021-10-19 04:50:27Z');
    expect(formatEventTime('2024-03-01T10:00:00.750Z')).toBe('2024-03-01 10:00:00Z');
  });

  it('offsets are converted to UTC', () => {
    expect(formatEventTime('2024-03-01T10:00:00+02:00')).toBe('2024-03-01 08:00:00Z');
    expect(formatEventTime('2024-03-01T00:30:00+01:00')).toBe('2024-02-29 23:30:00Z');
  });

  it('unparseable strings are shown as they are, non-strings as nothing', () => {
    expect(formatEventTime('Oct 8, 2024, 4:15:32 PM')).toBe('Oct 8, 2024, 4:15:32 PM');
    expect(formatEventTime(1415220618876)).toBe('');
    expect(formatEventTime(undefined)).toBe('');
  });
});
