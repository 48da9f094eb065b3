/**
 * Time zones for the times people read. Expected values are worked out by hand from the zones'
 * rules (Paris: UTC+1, UTC+2 from the last Sunday of March 01:00 UTC to the last Sunday of October
 * 01:00 UTC; Kathmandu: UTC+5:45; New York: UTC-5, UTC-4 in summer).
 */
import { describe, expect, it } from 'vitest';
import { formatInstant, timeZoneNamed, UTC } from '../../../src/util/time-zone.js';

const at = (iso: string) => Date.parse(iso);

describe('timeZoneNamed', () => {
  it('IANA names in any case, UTC and its aliases, local', () => {
    expect(timeZoneNamed('Europe/Paris')?.name).toBe('Europe/Paris');
    expect(timeZoneNamed('europe/paris')?.name).toBe('Europe/Paris');
    expect(timeZoneNamed('UTC')).toBe(UTC);
    expect(timeZoneNamed('Etc/UTC')).toBe(UTC);
    expect(timeZoneNamed('local')).toBeDefined();
  });

  it('local with an empty or unreadable TZ is no zone (ICU would say Etc/Unknown), never a crash', () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ['', ':', 'Etc/Unknown']) {
        process.env.TZ = tz;
        const zone = timeZoneNamed('local');
        // Whatever the runtime makes of it, the zone given back must format times.
        if (zone !== undefined) expect(formatInstant(0, zone)).toMatch(/^1970-01-01T|^1969-12-31T/);
        expect(zone?.name).not.toBe('Etc/Unknown');
      }
      process.env.TZ = 'Europe/Paris';
      expect(timeZoneNamed('local')?.name).toBe('Europe/Paris');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('a zone ICU spells by an older name keeps the name asked for', () => {
    expect(timeZoneNamed('Asia/Kolkata')?.name).toBe('Asia/Kolkata');
  });

  it('not a zone: undefined', () => {
    for (const bad of ['Mars/Olympus_Mons', '', 'Europe', '+25:00']) expect(timeZoneNamed(bad)).toBeUndefined();
  });
});

describe('formatInstant', () => {
  it('UTC keeps Z; milliseconds only when there are some; the table spelling has neither T nor them', () => {
    expect(formatInstant(at('2021-07-29T23:53:36Z'), UTC)).toBe('2021-07-29T23:53:36Z');
    expect(formatInstant(at('2021-07-29T23:53:36.250Z'), UTC)).toBe('2021-07-29T23:53:36.250Z');
    expect(formatInstant(at('2021-07-29T23:53:36.250Z'), UTC, ' ')).toBe('2021-07-29 23:53:36Z');
  });

  it('another zone: the wall clock there and its offset, across midnight and the clock changes', () => {
    const paris = timeZoneNamed('Europe/Paris')!;
    expect(formatInstant(at('2021-07-29T23:53:36Z'), paris)).toBe('2021-07-30T01:53:36+02:00');
    expect(formatInstant(at('2021-01-15T12:00:00Z'), paris, ' ')).toBe('2021-01-15 13:00:00+01:00');
    // 2021-10-31: 01:00 UTC is when Paris goes back to +01:00; the hour 02:xx happens twice.
    expect(formatInstant(at('2021-10-31T00:30:00Z'), paris)).toBe('2021-10-31T02:30:00+02:00');
    expect(formatInstant(at('2021-10-31T01:30:00Z'), paris)).toBe('2021-10-31T02:30:00+01:00');
    const newYork = timeZoneNamed('America/New_York')!;
    expect(formatInstant(at('2021-07-29T02:00:00Z'), newYork)).toBe('2021-07-28T22:00:00-04:00');
    expect(formatInstant(at('2021-07-29T02:00:00.5Z'), timeZoneNamed('Asia/Kathmandu')!)).toBe('2021-07-29T07:45:00.500+05:45');
  });
});
