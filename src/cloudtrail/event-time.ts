/**
 * CloudTrail times. Delivery files use `2024-03-01T10:00:00Z`, but exports and other tools write
 * `2024-01-01 00:00:00.000`, nanosecond fractions, or no zone at all (meaning UTC).
 */
import { formatInstant, UTC, type TimeZone } from '../util/time-zone.js';

const EVENT_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Milliseconds since the epoch, or undefined when the text is not a recognisable time. */
export function parseEventTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
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
  if (span !== undefined) return now - span;
  if (DATE_ONLY.test(text)) return parseEventTime(`${text}T00:00:00Z`);
  return parseEventTime(text);
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
