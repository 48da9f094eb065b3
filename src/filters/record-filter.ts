/**
 * The filter stage: one predicate built once from a FilterSpec, plus a cheap pre-check on the hot
 * fields the splitter reads from raw bytes, so most records are rejected before they are parsed.
 * The pre-check may only say "cannot match": everything it passes still goes through `matches`.
 */
import type { HotField, Prefilter } from '../reader/read-options.js';
import type { HotFields } from '../reader/record-splitter.js';
import { parseEventTime } from '../cloudtrail/event-time.js';
import { keyReferences, sameKey } from '../cloudtrail/key-reference.js';
import { originNames, originOf } from '../cloudtrail/origins.js';
import { principalAccount, principalNames } from '../cloudtrail/principal.js';
import { SessionIndex } from '../cloudtrail/session-index.js';
import { errorCode, readOnlyFlag, text, type JsonObject } from '../cloudtrail/record.js';
import type { FilterSpec } from './filter-spec.js';
import { compileAddressPatterns } from './source-ip.js';
import { compileTextPatterns, type TextMatcher } from '../util/text-pattern.js';

/**
 * What a time window saw of the records it judged: the earliest and latest readable eventTime
 * (ms), and how many had none. Kept only when the filter has a window, so that a window matching
 * nothing can say what the inputs covered.
 */
export interface TimesSeen {
  first: number;
  last: number;
  untimed: number;
}

/** `into` widened by what `from` saw. */
export function mergeTimes(into: TimesSeen, from: TimesSeen): void {
  into.first = Math.min(into.first, from.first);
  into.last = Math.max(into.last, from.last);
  into.untimed += from.untimed;
}

export function noTimesSeen(): TimesSeen {
  return { first: Infinity, last: -Infinity, untimed: 0 };
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

function optional(patterns: string[]): TextMatcher | undefined {
  return patterns.length > 0 ? compileTextPatterns(patterns) : undefined;
}

export function buildRecordFilter(spec: FilterSpec): RecordFilter {
  const checks: Check[] = [];
  const eventMatch = optional(spec.events);
  const sourceMatch = optional(spec.sources);
  const timeBounded = spec.since !== undefined || spec.until !== undefined;
  const times = timeBounded ? noTimesSeen() : undefined;
  const inWindow = (ms: number | undefined) =>
    ms !== undefined && (spec.since === undefined || ms >= spec.since) && (spec.until === undefined || ms < spec.until);
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

  if (sourceMatch) checks.push((r) => typeof r.eventSource === 'string' && sourceMatch(r.eventSource));
  if (eventMatch) checks.push((r) => typeof r.eventName === 'string' && eventMatch(r.eventName));
  if (timeBounded) checks.push((r) => inWindow(seen(parseEventTime(r.eventTime))));

  const regionMatch = optional(spec.regions);
  if (regionMatch) checks.push((r) => typeof r.awsRegion === 'string' && regionMatch(r.awsRegion));

  const accountMatch = optional(spec.accounts);
  if (accountMatch) {
    checks.push((r) => {
      const recipient = text(r, 'recipientAccountId');
      if (recipient !== undefined && accountMatch(recipient)) return true;
      const principal = principalAccount(r);
      return principal !== undefined && accountMatch(principal);
    });
  }

  if (spec.sourceIps.length > 0) {
    const ipMatch = compileAddressPatterns(spec.sourceIps);
    if (typeof ipMatch !== 'function') throw new Error(`invalid address ${ipMatch.invalid}`);
    checks.push((r) => typeof r.sourceIPAddress === 'string' && ipMatch(r.sourceIPAddress));
  }

  if (spec.errors === true) checks.push((r) => errorCode(r) !== undefined);
  if (spec.errors === false) checks.push((r) => errorCode(r) === undefined);
  const codeMatch = optional(spec.errorCodes);
  if (codeMatch) checks.push((r) => {
    const code = errorCode(r);
    return code !== undefined && codeMatch(code);
  });

  if (spec.readOnly !== undefined) checks.push((r) => readOnlyFlag(r) === spec.readOnly);

  const userMatch = optional(spec.users);
  if (userMatch) checks.push((r) => principalNames(r).some(userMatch));

  if (spec.keys.length > 0) {
    checks.push((r) => keyReferences(r).some((ref) => spec.keys.some((wanted) => sameKey(wanted, ref))));
  }

  // Last: following a session back is the dearest check, so only records every other check kept.
  const originMatch = optional(spec.origins ?? []);
  if (originMatch) {
    const issuances = spec.issuances;
    if (issuances) {
      const index = SessionIndex.of(issuances);
      checks.push((r) => originNames(originOf(r, index)).some(originMatch));
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
    if (field === 'eventSource') return !sourceMatch || sourceMatch(value) || value.startsWith('aws:');
    if (field === 'eventName') return !eventMatch || eventMatch(value);
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
  const hot = fields.length > 0 ? { fields, accept: prefilterField } : undefined;

  return { prefilter, hot, matches, acceptsAll: checks.length === 0, spec, times };
}
