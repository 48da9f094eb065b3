/**
 * Time zones for the times people read (tables, csv): UTC unless asked, any IANA zone, or the
 * system's. An instant is always printed with its offset, so a time in a repeated hour (the autumn
 * clock change) is never ambiguous, and `Z` is kept for UTC itself.
 */

export interface TimeZone {
  /** As shown in table headers: `UTC`, `Europe/Paris`. */
  readonly name: string;
  /** Milliseconds to add to an instant to get the wall-clock time of the zone. */
  offsetAt(ms: number): number;
}

export const UTC: TimeZone = { name: 'UTC', offsetAt: () => 0 };

/** Offsets are looked up once per minute of time (zones change offset on whole minutes). */
const MINUTE = 60_000;
const CACHE_LIMIT = 100_000;

class IanaZone implements TimeZone {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(
    readonly name: string,
    id: string,
  ) {
    this.format = new Intl.DateTimeFormat('en-US', { timeZone: id, timeZoneName: 'longOffset' });
  }

  offsetAt(ms: number): number {
    const minute = Math.floor(ms / MINUTE);
    let offset = this.offsets.get(minute);
    if (offset === undefined) {
      if (this.offsets.size >= CACHE_LIMIT) this.offsets.clear();
      offset = parseGmtOffset(this.format.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT');
      this.offsets.set(minute, offset);
    }
    return offset;
  }
}

/** `GMT+05:45`, `GMT-03:00`, `GMT+00:09:21` (old local mean times), `GMT` → milliseconds. */
function parseGmtOffset(text: string): number {
  const m = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m) return 0;
  const sign = m[1] === '-' ? -1 : 1;
  return sign * ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4] ?? 0)) * 1000;
}

/** The zone's IANA identifier as this runtime resolves it, or undefined when it knows none. */
function resolvedId(id?: string): string | undefined {
  try {
    const resolved = new Intl.DateTimeFormat('en-US', id === undefined ? {} : { timeZone: id }).resolvedOptions().timeZone;
    // An empty or unreadable TZ makes the system zone ICU's `Etc/Unknown`, which no formatter takes.
    new Intl.DateTimeFormat('en-US', { timeZone: resolved });
    return resolved;
  } catch {
    return undefined;
  }
}

/**
 * `local` (the system's zone: TZ, else /etc/localtime), `UTC`, or an IANA name in any case
 * (`europe/paris`). Undefined when the name is not a zone, or when `local` cannot be found.
 */
export function timeZoneNamed(text: string): TimeZone | undefined {
  const given = text.trim();
  const local = given.toLowerCase() === 'local';
  const id = resolvedId(local ? undefined : given);
  if (id === undefined) return undefined;
  if (id === 'UTC') return UTC;
  // ICU spells some zones by older names (Asia/Kolkata is Asia/Calcutta): show the one asked for.
  const name = local || id.toLowerCase() === given.toLowerCase() ? id : given;
  return new IanaZone(name, id);
}

function offsetText(offset: number): string {
  if (offset === 0) return '+00:00';
  const sign = offset < 0 ? '-' : '+';
  const seconds = Math.abs(offset) / 1000;
  const hh = String(Math.floor(seconds / 3600)).padStart(2, '0');
  const mm = String(Math.floor(seconds / 60) % 60).padStart(2, '0');
  const ss = seconds % 60;
  return `${sign}${hh}:${mm}${ss ? `:${String(ss).padStart(2, '0')}` : ''}`;
}

/**
 * An instant as ISO 8601 in the zone: `2021-07-29T23:53:36Z`, `2021-07-30T01:53:36+02:00`;
 * milliseconds only when there are some. `separator: ' '` gives the tables' spelling, without
 * milliseconds.
 */
export function formatInstant(ms: number, zone: TimeZone, separator: 'T' | ' ' = 'T'): string {
  const offset = zone === UTC ? 0 : zone.offsetAt(ms);
  const wall = new Date(ms + offset).toISOString(); // 2021-07-30T01:53:36.000Z
  const fraction = separator === ' ' || wall.endsWith('.000Z') ? '' : wall.slice(19, 23);
  return `${wall.slice(0, 10)}${separator}${wall.slice(11, 19)}${fraction}${zone === UTC ? 'Z' : offsetText(offset)}`;
}
