/**
 * The filter flags every command shares, one entry each, and the FilterSpec they make. Flags stop
 * here: the stages receive the built spec. To add a filter: an entry below, a field in FilterSpec
 * (src/filters/filter-spec.ts) set in `filterSpecOf`, and its check in `buildRecordFilter`.
 */
import { eventNamesOf, knownSources } from '../../cloudtrail/event-names.js';
import { KMS_SOURCE } from '../../cloudtrail/events.js';
import { namesItsZone, parseDuration, parseTimeBound, wallClockIn } from '../../cloudtrail/event-time.js';
import { parseWantedKey, type KeyReference } from '../../cloudtrail/key-reference.js';
import type { FilterSpec } from '../../filters/filter-spec.js';
import { compileAddressPatterns } from '../../filters/source-ip.js';
import type { TimeZone } from '../../util/time-zone.js';
import { UsageError } from '../messages.js';
import { listOf, option, parseOptions, stringValue, switchValue, type OptionValues, type RawValue } from './option-table.js';

const GROUP = 'Filter options (all must hold; a repeated option matches any of its values; a leading ! leaves matching records out):';

/** A `--since` / `--until` value: its instant read as UTC, and whether it is a wall-clock time (no zone written). */
export interface TimeBound {
  ms: number;
  wallClock: boolean;
}

function timeBound(flag: string, raw: RawValue, now: number): TimeBound | undefined {
  const value = stringValue(raw);
  if (value === undefined) return undefined;
  const ms = parseTimeBound(value, now);
  if (ms === undefined && parseDuration(value) !== undefined) throw new UsageError(`option ${flag}: '${value}' reaches back before any time there is`);
  if (ms === undefined) {
    throw new UsageError(`option ${flag}: '${value}' is not a time (use ISO 8601 like 2024-03-01T10:00:00Z, or 90m, 24h, 7d)`);
  }
  return { ms, wallClock: !namesItsZone(value) };
}

/**
 * A bound's instant: a wall-clock time is read on the clock of `--tz` (a time copied from a table
 * printed with `--tz Europe/Paris` means what the table meant), UTC without it.
 */
function instantOf(bound: TimeBound | undefined, zone: TimeZone | undefined): number | undefined {
  if (bound === undefined) return undefined;
  return bound.wallClock && zone ? wallClockIn(bound.ms, (ms) => zone.offsetAt(ms)) : bound.ms;
}

export const FILTER_OPTIONS = {
  event: option({
    flags: '-e, --event <name>',
    help: 'event name; comma list, * globs, any case (repeatable)',
    group: GROUP,
    values: () => eventNamesOf(KMS_SOURCE),
    repeatable: true,
    parse: (raw) => listOf('--event', raw),
  }),
  user: option({
    flags: '-u, --user <principal>',
    help: 'principal: ARN, user name, role, session name, principal ID, access key ID or AWS service (repeatable, * globs)',
    group: GROUP,
    repeatable: true,
    parse: (raw) => listOf('--user', raw),
  }),
  origin: option({
    flags: '--origin <who>',
    help: 'who is behind the session: the identity its credentials lead back to, or any role or session on the way (same forms as --user; * for any; unresolved for sessions that lead nowhere known)',
    group: GROUP,
    repeatable: true,
    parse: (raw) => listOf('--origin', raw),
  }),
  key: option({
    flags: '-k, --key <key>',
    help: 'KMS key ID, key ARN, alias name (alias/x) or alias ARN; * globs and ID prefixes (85b4ab0e) match every key they fit (repeatable)',
    group: GROUP,
    repeatable: true,
    parse: (raw): KeyReference[] =>
      listOf('--key', raw).map((value) => {
        const ref = parseWantedKey(value);
        if (!ref) throw new UsageError(`option --key: '${value}' is not a KMS key ID, ID prefix, key ARN, alias name or alias ARN (* globs allowed)`);
        return ref;
      }),
  }),
  since: option({
    flags: '--since <time>',
    help: 'records at or after this time: ISO 8601 or relative (90m, 24h, 7d); without Z or an offset, a time is on the clock of --tz (UTC by default)',
    group: GROUP,
    parse: (raw, { now }) => timeBound('--since', raw, now),
  }),
  until: option({
    flags: '--until <time>',
    help: 'records before this time: ISO 8601 or relative',
    group: GROUP,
    parse: (raw, { now }) => timeBound('--until', raw, now),
  }),
  region: option({
    flags: '--region <region>',
    help: 'AWS region of the event (repeatable, * globs)',
    group: GROUP,
    repeatable: true,
    parse: (raw) => listOf('--region', raw),
  }),
  account: option({
    flags: '--account <id>',
    help: 'recipient or principal account ID (repeatable)',
    group: GROUP,
    repeatable: true,
    parse: (raw) =>
      listOf('--account', raw).map((value) => {
        const account = value.replace(/^!/, '');
        const glob = /[*?]/.test(account);
        if (glob ? !/^[0-9*?]+$/.test(account) : !/^\d{12}$/.test(account)) {
          throw new UsageError(`option --account: '${account}' is not an account ID (12 digits, * globs allowed)`);
        }
        return value;
      }),
  }),
  sourceIp: option({
    flags: '--source-ip <ip>',
    help: 'source IP address or CIDR block, IPv4 or IPv6 (repeatable)',
    group: GROUP,
    repeatable: true,
    parse: (raw) => {
      const values = listOf('--source-ip', raw);
      const addresses = compileAddressPatterns(values.map((v) => v.replace(/^!/, '')));
      if (typeof addresses !== 'function') throw new UsageError(`option --source-ip: '${addresses.invalid}' is not an IP address or CIDR block`);
      return values;
    },
  }),
  errors: option({
    flags: '--errors',
    help: 'only records with an errorCode',
    group: GROUP,
    negation: { flags: '--no-errors', help: 'only records without an errorCode' },
    parse: switchValue,
  }),
  errorCode: option({
    flags: '--error-code <code>',
    help: 'only records with this errorCode (repeatable, * globs)',
    group: GROUP,
    repeatable: true,
    parse: (raw) => listOf('--error-code', raw),
  }),
  readOnly: option({ flags: '--read-only', help: 'only read-only events (readOnly: true)', group: GROUP, parse: (raw) => raw === true }),
  mutating: option({ flags: '--mutating', help: 'only events that change something (readOnly: false)', group: GROUP, parse: (raw) => raw === true }),
  source: option({
    flags: '--source <service>',
    help: `event source (default ${KMS_SOURCE}); "s3" means s3.amazonaws.com (repeatable)`,
    group: GROUP,
    values: () => knownSources().map((s) => s.replace(/\.amazonaws\.com$/, '')),
    repeatable: true,
    parse: (raw) =>
      listOf('--source', raw).map((value) => {
        const s = value.replace(/^!/, '');
        return (value.startsWith('!') ? '!' : '') + (s.includes('.') || s.includes('*') ? s : `${s}.amazonaws.com`);
      }),
  }),
  allSources: option({ flags: '--all-sources', help: 'every event source, not only KMS', group: GROUP, parse: (raw) => raw === true }),
};

export type FilterValues = OptionValues<typeof FILTER_OPTIONS>;

/** Filter flags as commander collects them, keyed like the table (tests write these by hand). */
export type RawFilterOptions = { [K in keyof typeof FILTER_OPTIONS]?: RawValue };

/** The FilterSpec of checked filter values; throws UsageError for flags that cannot go together. */
export function filterSpecOf(v: FilterValues & { tz?: TimeZone }): FilterSpec {
  const since = instantOf(v.since, v.tz);
  const until = instantOf(v.until, v.tz);
  if (since !== undefined && until !== undefined && since >= until) {
    throw new UsageError('options --since and --until: the window is empty (--since must be before --until)');
  }
  if (v.readOnly && v.mutating) throw new UsageError('options --read-only and --mutating exclude each other');
  if (v.errors === false && v.errorCode.length > 0) throw new UsageError('options --no-errors and --error-code exclude each other');
  if (v.allSources && v.source.length > 0) throw new UsageError('options --all-sources and --source exclude each other');
  return {
    events: v.event,
    users: v.user,
    keys: v.key,
    since,
    until,
    regions: v.region,
    accounts: v.account,
    sourceIps: v.sourceIp,
    errors: v.errors,
    errorCodes: v.errorCode,
    readOnly: v.readOnly ? true : v.mutating ? false : undefined,
    sources: v.allSources ? [] : v.source.length > 0 ? v.source : [KMS_SOURCE],
    origins: v.origin,
  };
}

/** Raw filter flags (as commander collects them) to a FilterSpec: what tests call directly. */
export function filterSpecFromOptions(raw: RawFilterOptions, now: number = Date.now()): FilterSpec {
  return filterSpecOf(parseOptions(FILTER_OPTIONS, raw, { now, stdout: {} }));
}
