/**
 * Who is behind a role session is only known by following its temporary key back to the STS call
 * that issued it, and that call may lie in any file, before or after the session's records. So a
 * first pass over the same inputs collects the issuing calls (and nothing else: the reader rejects
 * every other record on its eventSource and eventName, unparsed) into a SessionIndex, before the
 * real pass asks for origins.
 *
 * The window is wider than the real pass's: a session's key can have been issued up to 36 h before
 * the session's first record, and each hop of a role chain further back adds its caller's lifetime
 * (issuanceLookbackMs). Region and account folders are not pruned: STS calls to the global
 * endpoint are logged in us-east-1, and a cross-account AssumeRole in the caller's account too.
 */
import { issuanceLookbackMs, STS_ISSUING_EVENTS, STS_SOURCE } from '../cloudtrail/issuance.js';
import { CLOCK_SLACK_MS } from '../cloudtrail/origins.js';
import { SessionIndex } from '../cloudtrail/session-index.js';
import { emptyFilterSpec, type FilterSpec } from '../filters/filter-spec.js';
import { buildRecordFilter } from '../filters/record-filter.js';
import type { RecordSink } from '../sinks/sink.js';
import { readableTwice } from './alias-pass.js';
import { firstPassSettings, pruningOf, runPipeline, type PipelineSettings } from './run-pipeline.js';

/** Role hops the first pass looks back for: chains of three roles from a long-term identity. */
export const LOOKBACK_ROLE_HOPS = 3;

/**
 * Issued keys the index holds at most. About 600 bytes of heap each (bench/origins.mjs), so the
 * index stays within the memory a run is allowed; past it new keys are refused, and the run says so.
 */
export const MAX_ISSUED_KEYS = 150_000;

export interface IssuancePass {
  index: SessionIndex;
  /** Set when the index was full: which sessions may stay unresolved for want of room. */
  warning?: string;
}

/**
 * The window, in ms, the first pass reads for a real pass over [since, until): a use just before
 * `until` may come from a call logged up to the clocks' slack after it.
 */
export function issuanceWindow(spec: Pick<FilterSpec, 'since' | 'until'>): { since?: number; until?: number } {
  return {
    since: spec.since === undefined ? undefined : spec.since - issuanceLookbackMs(LOOKBACK_ROLE_HOPS),
    until: spec.until === undefined ? undefined : spec.until + CLOCK_SLACK_MS,
  };
}

/**
 * The issuing calls of these inputs, for a real pass with `spec`'s window. Undefined when the inputs
 * cannot be read twice (standard input or a pipe not kept in a temporary file).
 */
export async function learnIssuances(
  paths: readonly string[],
  spec: FilterSpec,
  settings: PipelineSettings,
  maxKeys = MAX_ISSUED_KEYS,
): Promise<IssuancePass | undefined> {
  if (!readableTwice(paths)) return undefined;
  const passSpec: FilterSpec = {
    ...emptyFilterSpec(),
    ...issuanceWindow(spec),
    sources: [STS_SOURCE],
    events: [...STS_ISSUING_EVENTS],
  };
  const index = new SessionIndex(maxKeys);
  const learn: RecordSink = {
    write(match) {
      index.addRecord(match.record);
    },
    end() {},
  };
  await runPipeline(paths, buildRecordFilter(passSpec), learn, firstPassSettings(settings, pruningOf(passSpec)));
  const warning = index.capped
    ? `warning: origins: the session index is full (${maxKeys.toLocaleString('en-US')} issued keys; ${index.refused.toLocaleString('en-US')} more not kept): ` +
      'sessions issued by those calls show as unresolved; a narrower --since/--until window keeps them all'
    : undefined;
  return { index, warning };
}
