/**
 * The filter flags every command shares: declared once (the table below feeds commander, so help
 * and parsing cannot drift apart), then turned into a FilterSpec by a pure function that tests call
 * directly. Flags stop here; the stages receive the built spec.
 */
import type { Command } from 'commander';
import { parseTimeBound } from '../cloudtrail/event-time.js';
import { parseKeyReference, type KeyReference } from '../cloudtrail/key-reference.js';
import { KMS_SOURCE } from '../cloudtrail/events.js';
import type { FilterSpec } from '../filters/filter-spec.js';
import { compileAddressPatterns } from '../filters/source-ip.js';
import { emptyOption, splitList } from '../util/text-pattern.js';
import { UsageError } from './messages.js';

/** Raw option values as commander hands them over. */
export interface RawFilterOptions {
  event?: string[];
  user?: string[];
  key?: string[];
  since?: string;
  until?: string;
  region?: string[];
  account?: string[];
  sourceIp?: string[];
  errors?: boolean;
  errorCode?: string[];
  readOnly?: boolean;
  mutating?: boolean;
  source?: string[];
  allSources?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface FlagDefinition {
  flags: string;
  description: string;
  repeatable?: boolean;
}

export const FILTER_FLAGS: readonly FlagDefinition[] = [
  { flags: '-e, --event <name>', description: 'event name; comma list, * globs, any case (repeatable)', repeatable: true },
  {
    flags: '-u, --user <principal>',
    description: 'principal: ARN, user name, role, session name, principal ID, access key ID or AWS service (repeatable, * globs)',
    repeatable: true,
  },
  { flags: '-k, --key <key>', description: 'KMS key ID, key ARN, alias name (alias/x) or alias ARN (repeatable)', repeatable: true },
  { flags: '--since <time>', description: 'records at or after this time: ISO 8601 or relative (90m, 24h, 7d)' },
  { flags: '--until <time>', description: 'records before this time: ISO 8601 or relative' },
  { flags: '--region <region>', description: 'AWS region of the event (repeatable, * globs)', repeatable: true },
  { flags: '--account <id>', description: 'recipient or principal account ID (repeatable)', repeatable: true },
  { flags: '--source-ip <ip>', description: 'source IP address or CIDR block, IPv4 or IPv6 (repeatable)', repeatable: true },
  { flags: '--errors', description: 'only records with an errorCode' },
  { flags: '--no-errors', description: 'only records without an errorCode' },
  { flags: '--error-code <code>', description: 'only records with this errorCode (repeatable, * globs)', repeatable: true },
  { flags: '--read-only', description: 'only read-only events (readOnly: true)' },
  { flags: '--mutating', description: 'only events that change something (readOnly: false)' },
  { flags: '--source <service>', description: `event source (default ${KMS_SOURCE}); "s3" means s3.amazonaws.com (repeatable)`, repeatable: true },
  { flags: '--all-sources', description: 'every event source, not only KMS' },
];

export function addFilterOptions(command: Command): Command {
  command.optionsGroup('Filter options (all must hold; a repeated option matches any of its values):');
  for (const flag of FILTER_FLAGS) {
    if (flag.repeatable) command.option(flag.flags, flag.description, collect);
    else command.option(flag.flags, flag.description);
  }
  return command;
}

function timeBound(option: string, value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseTimeBound(value, now);
  if (ms === undefined) {
    throw new UsageError(`option ${option}: '${value}' is not a time (use ISO 8601 like 2024-03-01T10:00:00Z, or 90m, 24h, 7d)`);
  }
  return ms;
}

/** Builds the FilterSpec; throws UsageError naming the option for any malformed value. */
export function filterSpecFromOptions(raw: RawFilterOptions, now: number = Date.now()): FilterSpec {
  const lists: Array<[string, string[] | undefined]> = [
    ['--event', raw.event], ['--user', raw.user], ['--key', raw.key], ['--region', raw.region], ['--account', raw.account],
    ['--source-ip', raw.sourceIp], ['--error-code', raw.errorCode], ['--source', raw.source],
  ];
  for (const [option, values] of lists) {
    if (emptyOption(values)) throw new UsageError(`option ${option}: empty value`);
  }
  const since = timeBound('--since', raw.since, now);
  const until = timeBound('--until', raw.until, now);
  if (since !== undefined && until !== undefined && since >= until) {
    throw new UsageError('options --since and --until: the window is empty (--since must be before --until)');
  }

  const keys: KeyReference[] = [];
  for (const value of splitList(raw.key)) {
    const ref = parseKeyReference(value);
    if (!ref) throw new UsageError(`option --key: '${value}' is not a KMS key ID, key ARN, alias name or alias ARN`);
    keys.push(ref);
  }

  const sourceIps = splitList(raw.sourceIp);
  const addresses = compileAddressPatterns(sourceIps);
  if (typeof addresses !== 'function') {
    throw new UsageError(`option --source-ip: '${addresses.invalid}' is not an IP address or CIDR block`);
  }

  const accounts = splitList(raw.account);
  for (const account of accounts) {
    const glob = /[*?]/.test(account);
    if (glob ? !/^[0-9*?]+$/.test(account) : !/^\d{12}$/.test(account)) {
      throw new UsageError(`option --account: '${account}' is not an account ID (12 digits, * globs allowed)`);
    }
  }

  if (raw.readOnly && raw.mutating) throw new UsageError('options --read-only and --mutating exclude each other');
  const errorCodes = splitList(raw.errorCode);
  if (raw.errors === false && errorCodes.length > 0) {
    throw new UsageError('options --no-errors and --error-code exclude each other');
  }

  const named = splitList(raw.source).map((s) => (s.includes('.') || s.includes('*') ? s : `${s}.amazonaws.com`));
  if (raw.allSources && named.length > 0) throw new UsageError('options --all-sources and --source exclude each other');

  return {
    events: splitList(raw.event),
    users: splitList(raw.user),
    keys,
    since,
    until,
    regions: splitList(raw.region),
    accounts,
    sourceIps,
    errors: raw.errors,
    errorCodes,
    readOnly: raw.readOnly ? true : raw.mutating ? false : undefined,
    sources: raw.allSources ? [] : named.length > 0 ? named : [KMS_SOURCE],
  };
}
