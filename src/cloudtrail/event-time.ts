/**
 * CloudTrail times. Delivery files use `2024-03-01T10:00:00Z`, but exports and other tools write
 * `2024-01-01 00:00:00.000`, nanosecond fractions, or no zone at all (meaning UTC).
 */
import { formatInstant, UTC, type TimeZone } from '../util/time-zone.js';

const EVENT_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The digits of `text` from `from` to `to` as a number, or -1 when one is not a digit. */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * `2024-03-01T10:00:00Z`, the form delivery files write, with every part in its ordinary range:
 * its time without a regular expression or a Date (detection parses one per event). Undefined for
 * anything else, which the general parser then decides.
 */
function canonicalTime(value: string): number | undefined {
  if (value.length !== 20 || value[4] !== '-' || value[7] !== '-' || value[10] !== 'T' || value[13] !== ':' || value[16] !== ':' || value[19] !== 'Z') {
    return undefined;
  }
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 7);
  const day = digits(value, 8, 10);
  const hour = digits(value, 11, 13);
  const minute = digits(value, 14, 16);
  const second = digits(value, 17, 19);
  // Date.UTC reads years below 100 as 19xx.
  if (year < 100 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** Milliseconds since the epoch, or undefined when the text is not a recognisable time. */
export function parseEventTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const canonical = canonicalTime(value);
  if (canonical !== undefined) return canonical;
  const m = EVENT_TIME.exec(value.trim());
  if (!m) return undefined;
  const fraction = m[3] ? m[3].slice(0, 4).padEnd(4, '0') : '';
  const zone = m[4] && m[4].toUpperCase() !== 'Z' ? m[4] : 'Z';
  const ms = Date.parse(`${m[1]}T${m[2]}${fraction}${zone}`);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2024-02-30 over to March; a time that names no real day is not a time.
  const [year, month, day] = m[1].split('-').map(Number);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  return ms;
}

const RELATIVE = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/i;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** The furthest a JavaScript Date reaches either side of 1970. */
const MAX_TIME_MS = 8.64e15;

/** A span such as `90s`, `5m`, `24h`, `7d`, `1w` in milliseconds; undefined when it is not one. */
export function parseDuration(value: string): number | undefined {
  const rel = RELATIVE.exec(value.trim());
  return rel ? Number(rel[1]) * UNIT_MS[rel[2].toLowerCase()] : undefined;
}

/**
 * A `--since` / `--until` value: ISO 8601 (a date alone means its midnight UTC), or a span back
 * from `now` such as `90m`, `24h`, `7d`. Undefined when it is neither.
 */
export function parseTimeBound(value: string, now: number): number | undefined {
  const text = value.trim();
  const span = parseDuration(text);
  // Beyond ±8.64e15 ms a Date is invalid: such a span is no time at all.
  if (span !== undefined) return Math.abs(now - span) <= MAX_TIME_MS ? now - span : undefined;
  if (DATE_ONLY.test(text)) return parseEventTime(`${text}T00:00:00Z`);
  return parseEventTime(text);
}

/**
 * Whether a `--since` / `--until` value names its instant whatever the zone: a span back from now,
 * or a time with `Z` or an offset. A date alone, or a time without either, is a wall-clock time.
 */
export function namesItsZone(value: string): boolean {
  const text = value.trim();
  return parseDuration(text) !== undefined || /(?:z|[+-]\d{2}(?::?\d{2})?)$/i.test(text.slice(10));
}

/**
 * The instant at which a zone's clocks read the wall-clock time `wall` (written as if in UTC): in
 * a spring-forward gap, the instant after it; in a repeated autumn hour, the first.
 */
export function wallClockIn(wall: number, offsetAt: (ms: number) => number): number {
  // Zones change offset at most once in a day or so: the offsets a day either side are the two
  // the wall-clock time may be read with.
  const before = offsetAt(wall - 86_400_000);
  const after = offsetAt(wall + 86_400_000);
  const readings = [wall - before, wall - after].filter((ms) => offsetAt(ms) === wall - ms);
  return readings.length > 0 ? Math.min(...readings) : wall - before;
}

/**
 * `2024-03-01 10:00:00Z` (UTC), or `2024-03-01 11:00:00+01:00` in another zone, for tables.
 * Unparseable times are shown as they are.
 */
export function formatEventTime(value: unknown, zone: TimeZone = UTC): string {
  const ms = parseEventTime(value);
  if (ms === undefined) return typeof value === 'string' ? value : '';
  return formatInstant(ms, zone, ' ');
}

/**
 * `2024-03-01T10:00:00Z` (milliseconds only when not zero), or with the zone's offset, for JSON
 * and csv; unparseable times as they are.
 */
export function isoEventTime(value: unknown, zone: TimeZone = UTC): string {
  const ms = parseEventTime(value);
  if (ms === undefined) return typeof value === 'string' ? value : '';
  return formatInstant(ms, zone);
}
