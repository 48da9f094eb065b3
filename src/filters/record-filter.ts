/**
 * The filter stage: one predicate built once from a FilterSpec, plus a cheap pre-check on the hot
 * fields the splitter reads from raw bytes, so most records are rejected before they are parsed.
 * The pre-check may only say "cannot match": everything it passes still goes through `matches`.
 */
import type { HotField, Prefilter } from '../reader/read-options.js';
import type { HotFields } from '../reader/record-splitter.js';
import { parseEventTime } from '../cloudtrail/event-time.js';
import { keyReferences, keyWanted } from '../cloudtrail/key-reference.js';
import { originNames, originOf } from '../cloudtrail/origins.js';
import { principalAccount, principalNames } from '../cloudtrail/principal.js';
import { SessionIndex } from '../cloudtrail/session-index.js';
import { errorCode, readOnlyFlag, text, type JsonObject } from '../cloudtrail/record.js';
import type { FilterSpec } from './filter-spec.js';
import { compileAddressPatterns } from './source-ip.js';
import type { TextMatcher } from '../util/text-pattern.js';
import { keepsValue, keepsValues, textValueFilter } from '../util/value-filter.js';

/**
 * What a time window saw of the records it judged: the earliest and latest readable eventTime
 * (ms), and how many had none. Kept only when the filter has a window, so that a window matching
 * nothing can say what the inputs covered.
 */
export interface TimesSeen {
  first: number;
  last: number;
  untimed: number;
  /** Judgments that found the time inside the window: then the window is not what left nothing. */
  inside: number;
}

/** `into` widened by what `from` saw. */
export function mergeTimes(into: TimesSeen, from: TimesSeen): void {
  into.first = Math.min(into.first, from.first);
  into.last = Math.max(into.last, from.last);
  into.untimed += from.untimed;
  into.inside += from.inside;
}

export function noTimesSeen(): TimesSeen {
  return { first: Infinity, last: -Infinity, untimed: 0, inside: 0 };
}

export interface RecordFilter {
  /** False when the record cannot match, judging by its hot fields alone. */
  prefilter(hot: HotFields): boolean;
  /** The same judgment one hot field at a time, for a reader; undefined when none can rule a record out. */
  readonly hot: Prefilter | undefined;
  matches(record: JsonObject): boolean;
  /** True when `matches` accepts every record (lets readers skip work). */
  readonly acceptsAll: boolean;
  /** What it was built from, so a worker thread can build the same filter. */
  readonly spec: FilterSpec;
  /** With --since/--until: what the window saw (updated as records are judged). */
  readonly times?: TimesSeen;
}

type Check = (record: JsonObject) => boolean;

/** Source IPs compiled as addresses and blocks (checked valid by the CLI already). */
function addressMatcher(patterns: string[]): TextMatcher {
  const match = compileAddressPatterns(patterns);
  if (typeof match !== 'function') throw new Error(`invalid address ${match.invalid}`);
  return match;
}

export function buildRecordFilter(spec: FilterSpec): RecordFilter {
  const checks: Check[] = [];
  const eventMatch = textValueFilter(spec.events);
  const sourceMatch = textValueFilter(spec.sources);
  const timeBounded = spec.since !== undefined || spec.until !== undefined;
  const times = timeBounded ? noTimesSeen() : undefined;
  const inWindow = (ms: number | undefined) => {
    const inside = ms !== undefined && (spec.since === undefined || ms >= spec.since) && (spec.until === undefined || ms < spec.until);
    if (inside && times) times.inside++;
    return inside;
  };
  /** Notes a judged time (the window's `times`); the span is kept for when nothing matches. */
  const seen = (ms: number | undefined) => {
    if (!times) return ms;
    if (ms === undefined) times.untimed++;
    else {
      if (ms < times.first) times.first = ms;
      if (ms > times.last) times.last = ms;
    }
    return ms;
  };

  const textOf = (value: unknown) => (typeof value === 'string' ? value : undefined);
  if (sourceMatch) checks.push((r) => keepsValue(sourceMatch, textOf(r.eventSource)));
  if (eventMatch) checks.push((r) => keepsValue(eventMatch, textOf(r.eventName)));
  if (timeBounded) checks.push((r) => inWindow(seen(parseEventTime(r.eventTime))));

  const regionMatch = textValueFilter(spec.regions);
  if (regionMatch) checks.push((r) => keepsValue(regionMatch, textOf(r.awsRegion)));

  const accountMatch = textValueFilter(spec.accounts);
  if (accountMatch) {
    // The recipient account or the principal's: either may be the one asked about.
    checks.push((r) => keepsValues(accountMatch, [text(r, 'recipientAccountId'), principalAccount(r)].filter((a): a is string => a !== undefined)));
  }

  const ipMatch = textValueFilter(spec.sourceIps, addressMatcher);
  if (ipMatch) checks.push((r) => keepsValue(ipMatch, textOf(r.sourceIPAddress)));

  if (spec.errors === true) checks.push((r) => errorCode(r) !== undefined);
  if (spec.errors === false) checks.push((r) => errorCode(r) === undefined);
  const codeMatch = textValueFilter(spec.errorCodes);
  if (codeMatch) checks.push((r) => keepsValue(codeMatch, errorCode(r)));

  if (spec.readOnly !== undefined) checks.push((r) => readOnlyFlag(r) === spec.readOnly);

  const userMatch = textValueFilter(spec.users);
  if (userMatch) checks.push((r) => keepsValues(userMatch, principalNames(r)));

  const wantedKeys = spec.keys.filter((k) => !k.exclude);
  const unwantedKeys = spec.keys.filter((k) => k.exclude);
  if (wantedKeys.length > 0) checks.push((r) => keyReferences(r).some((ref) => wantedKeys.some((wanted) => keyWanted(wanted, ref))));
  if (unwantedKeys.length > 0) checks.push((r) => !keyReferences(r).some((ref) => unwantedKeys.some((unwanted) => keyWanted(unwanted, ref))));

  // Last: following a session back is the dearest check, so only records every other check kept.
  const originMatch = textValueFilter(spec.origins ?? []);
  if (originMatch) {
    const issuances = spec.issuances;
    if (issuances) {
      const index = SessionIndex.of(issuances);
      checks.push((r) => keepsValues(originMatch, originNames(originOf(r, index))));
    } else {
      // Without the first pass every role session would quietly match nothing: a command that
      // takes --origin must make it (completeFilter in src/cli/read-run.ts) before reading.
      checks.push(() => {
        throw new Error('--origin needs the issuing calls of a first pass over the inputs');
      });
    }
  }

  const matches = (record: JsonObject) => {
    for (const check of checks) if (!check(record)) return false;
    return true;
  };

  const prefilterField = (field: HotField, value: string) => {
    // `aws:s3`, `aws:dynamodb`: not CloudTrail at all. Let the reader see such a record whole, so it
    // says so, rather than drop it here unnoticed as one of another source.
    if (field === 'eventSource') return !sourceMatch || keepsValue(sourceMatch, value) || value.startsWith('aws:');
    if (field === 'eventName') return !eventMatch || keepsValue(eventMatch, value);
    if (!timeBounded) return true;
    const ms = parseEventTime(value);
    // An unreadable time is left to `matches`, which counts it once.
    if (ms === undefined) return true;
    return inWindow(seen(ms));
  };
  // Absent hot fields prove nothing (the record may be shaped oddly): only present ones reject.
  const prefilter = (hot: HotFields) =>
    (hot.eventSource === undefined || prefilterField('eventSource', hot.eventSource)) &&
    (hot.eventName === undefined || prefilterField('eventName', hot.eventName)) &&
    (hot.eventTime === undefined || prefilterField('eventTime', hot.eventTime));

  const fields: HotField[] = [];
  if (sourceMatch) fields.push('eventSource');
  if (eventMatch) fields.push('eventName');
  if (timeBounded) fields.push('eventTime');
  const hot = fields.length > 0 ? { fields, accept: prefilterField, ...(timeBounded ? { window: { since: spec.since, until: spec.until } } : {}) } : undefined;

  return { prefilter, hot, matches, acceptsAll: checks.length === 0, spec, times };
}
