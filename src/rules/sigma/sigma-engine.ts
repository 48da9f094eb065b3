/**
 * Runs compiled Sigma rules over parsed records and reports hits.
 *
 * Per record: the rules it could match are found from its eventName / eventSource (an index built
 * from the rules' hot-field constraints, so most rules are never looked at), and only those are
 * evaluated. A record that matched something (copies of one event never get here: the pipeline
 * drops them for every command) goes, as a compact entry, through a reorder buffer: a
 * min-heap on eventTime of at most `reorderWindow` matches, the earliest leaving when it is full.
 * Hits of detection rules and the correlations' input thus come out in time order whatever the
 * file order (exact when no match arrives more than `reorderWindow` matches late). A record
 * without a readable time is reported at once and takes no part in correlations.
 *
 * Memory is bounded: the reorder buffer, and per correlation at most
 * `stateLimit` groups and the window bounds of correlation.ts.
 */
import { parseEventTime } from '../../cloudtrail/event-time.js';
import { principalAccount } from '../../cloudtrail/principal.js';
import { text, type JsonObject } from '../../cloudtrail/record.js';
import { formatDuration } from '../activity-rules.js';
import { REORDER_WINDOW } from '../engine.js';
import { keyFacts, principalOf } from '../event.js';
import { DEFAULT_SETTINGS, type Hit } from '../rule.js';
import { CorrelationWindows, type CorrelationEvent, type EventSummary, type WindowResult } from './correlation.js';
import { fieldPath, leafTexts, type FieldPath } from './field-path.js';
import { admits, anyOf, HOT_FIELDS, type Constraint, type HotField } from './hot-constraint.js';
import type { SigmaCorrelationRule, SigmaDetectionRule, SigmaRule } from './sigma-rule.js';
import { Heap } from '../../util/heap.js';
import { jsonText } from '../../util/deep-json.js';

export interface SigmaEngineOptions {
  onHit: (hit: Hit) => void;
  /** Matches held to put them in time order (default: REORDER_WINDOW, as `detect`). */
  reorderWindow?: number;
  /** Fingerprints remembered, and groups kept per correlation (default: DEFAULT_SETTINGS.stateLimit). */
  stateLimit?: number;
  /** eventIDs listed in a correlation hit (default 100). */
  maxHitRecords?: number;
}

export interface SigmaEngineStats {
  records: number;
  /** Rule evaluations made (records times the rules the index let through). */
  evaluations: number;
  /** Records that matched at least one rule. */
  matched: number;
  /** Matches without a readable eventTime (reported, but not correlated). */
  untimed: number;
  /** Correlation events dropped for arriving after their window moved on. */
  late: number;
  /** Undecided correlation windows lost to the group limit. */
  evicted: number;
  hits: number;
}

interface DetectionState {
  rule: SigmaDetectionRule;
  order: number;
  reports: boolean;
  /** Correlations fed by this rule, with the rule's bit in each. */
  feeds: Array<{ corr: CorrelationState; bit: number }>;
}

interface CorrelationState {
  rule: SigmaCorrelationRule;
  reports: boolean;
  windows: CorrelationWindows;
  /** Per base rule (by bit): how to read each group-by field and the value_count field. */
  groupPaths: FieldPath[][];
  valuePaths: Array<FieldPath | undefined>;
  /** Per base rule: for a correlation base, the group-by names of the inner rule to read. */
  innerGroupNames: Array<string[] | undefined>;
  innerValueNames: Array<string | undefined>;
  feeds: Array<{ corr: CorrelationState; bit: number }>;
}

interface Entry {
  time: number;
  seq: number;
  hits?: Hit[];
  inputs?: Array<{ corr: CorrelationState; key: string; group: Record<string, string>; event: CorrelationEvent }>;
}

/** Earlier time first; at the same time, in the order they arrived. */
const earlier = (a: Entry, b: Entry) => a.time < b.time || (a.time === b.time && a.seq < b.seq);

const MAX_CANDIDATE_CACHE = 4096;

/** A group-by value: the field's scalar texts (joined by a comma when several); undefined when none. */
function groupText(path: FieldPath, record: JsonObject): string | undefined {
  const texts: string[] = [];
  for (const t of path.terminals(record)) leafTexts(t, texts);
  if (texts.length === 0) return undefined;
  return texts.length === 1 ? texts[0] : texts.join(',');
}

/** What a hit shows of a record: the same facts the KMS rules report (principal, key, accounts). */
function summarize(record: JsonObject, place?: { file: string; line: number }): { time: number | undefined; summary: EventSummary } {
  const { key, keyAccount } = keyFacts(record);
  const summary: EventSummary = {
    eventTime: text(record, 'eventTime') ?? '',
    eventName: text(record, 'eventName') ?? '',
    eventId: text(record, 'eventID'),
    principal: principalOf(record),
    principalAccount: principalAccount(record),
    key: key || undefined,
    // keyFacts falls back on the recipient account, which says nothing when no key is named.
    keyAccount: key ? keyAccount : undefined,
    region: text(record, 'awsRegion'),
    file: place?.file,
    line: place?.line,
  };
  return { time: parseEventTime(record.eventTime), summary };
}

const CANONICAL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let lastIsoMs = NaN;
let lastIso = '';
/** ISO 8601 for a time in ms; consecutive hits mostly share their second, so the last one is kept. */
function isoMs(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIsoMs = ms;
    lastIso = new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
  }
  return lastIso;
}

/** The rules to run: those given, and, before each correlation, the rules it needs (bases first). */
export function activeRules(rules: readonly SigmaRule[]): SigmaRule[] {
  const active: SigmaRule[] = [];
  const visit = (r: SigmaRule) => {
    if (active.includes(r)) return;
    if (r.kind === 'correlation') r.rules.forEach(visit);
    active.push(r);
  };
  rules.forEach(visit);
  return active;
}

/** What the hot fields must be for some of these detection rules to match: the OR over them. */
function hotConstraints(detections: readonly SigmaDetectionRule[]): Record<HotField, Constraint> {
  return {
    eventName: anyOf(detections.map((d) => d.detection.hot.eventName)),
    eventSource: anyOf(detections.map((d) => d.detection.hot.eventSource)),
  };
}

/**
 * The hot-field pre-check of `rules` (correlation bases included), without an engine: what a
 * reader may rule out before the engine that will run them exists. The same judgment as an
 * engine's `acceptsHot` and `hotFields`.
 */
export function sigmaHotCheck(rules: readonly SigmaRule[]): { fields: HotField[]; accepts(field: HotField, value: string): boolean } {
  const hot = hotConstraints(activeRules(rules).filter((r): r is SigmaDetectionRule => r.kind === 'detection'));
  return { fields: HOT_FIELDS.filter((f) => hot[f] !== undefined), accepts: (field, value) => admits(hot[field], value) };
}

export class SigmaEngine {
  readonly stats: SigmaEngineStats = { records: 0, evaluations: 0, matched: 0, untimed: 0, late: 0, evicted: 0, hits: 0 };
  /** The hot fields `acceptsHot` can judge (a field some rule leaves open is not among them). */
  readonly hotFields: HotField[];
  private readonly detections: DetectionState[] = [];
  private readonly correlations: CorrelationState[] = [];
  private readonly hot: Record<HotField, Constraint>;
  private readonly byName = new Map<string, DetectionState[]>();
  private readonly bySource = new Map<string, DetectionState[]>();
  private readonly sourceIndexed: DetectionState[] = [];
  private readonly always: DetectionState[] = [];
  private readonly candidateCache = new Map<string, Map<unknown, DetectionState[]>>();
  private readonly heap = new Heap<Entry>(earlier);
  private readonly reorderWindow: number;
  private readonly maxRecords: number;
  private readonly onHit: (hit: Hit) => void;
  private seq = 0;

  constructor(rules: readonly SigmaRule[], options: SigmaEngineOptions) {
    this.onHit = options.onHit;
    this.reorderWindow = options.reorderWindow ?? REORDER_WINDOW;
    const stateLimit = options.stateLimit ?? DEFAULT_SETTINGS.stateLimit;
    this.maxRecords = options.maxHitRecords ?? 100;

    const given = new Set(rules);
    const active = activeRules(rules);
    // A rule reports its own matches when it was given, unless a correlation uses it without `generate`.
    const silenced = new Set<SigmaRule>();
    for (const r of active) {
      if (r.kind === 'correlation' && given.has(r) && !r.generate) r.rules.forEach((b) => silenced.add(b));
    }
    // Base rules meant only for a correlation (`standalone` false) stay silent even if it was not chosen.
    const reports = (r: SigmaRule) => given.has(r) && r.standalone && !silenced.has(r);

    const detState = new Map<SigmaRule, DetectionState>();
    const corrState = new Map<SigmaRule, CorrelationState>();
    for (const r of active) {
      if (r.kind === 'detection') {
        const s: DetectionState = { rule: r, order: this.detections.length, reports: reports(r), feeds: [] };
        this.detections.push(s);
        detState.set(r, s);
      }
    }
    // Correlations in dependency order (active lists bases first).
    for (const r of active) {
      if (r.kind !== 'correlation') continue;
      const s = this.correlationState(r, reports(r), stateLimit);
      corrState.set(r, s);
      r.rules.forEach((base, bit) => {
        const feeder = base.kind === 'detection' ? detState.get(base)! : corrState.get(base)!;
        feeder.feeds.push({ corr: s, bit });
      });
    }

    this.hot = hotConstraints(this.detections.map((d) => d.rule));
    this.hotFields = HOT_FIELDS.filter((f) => this.hot[f] !== undefined);
    for (const d of this.detections) {
      const { eventName, eventSource } = d.rule.detection.hot;
      if (eventName?.index) for (const v of eventName.index) this.listFor(this.byName, v).push(d);
      else if (eventSource?.index) {
        this.sourceIndexed.push(d);
        for (const v of eventSource.index) this.listFor(this.bySource, v).push(d);
      }
      else this.always.push(d);
    }
  }

  /**
   * False only when no rule could match a record whose top-level `field` has this value (the
   * reader then need not parse it). Case-insensitive like the rules themselves; a field it does
   * not judge (eventTime, or one some rule leaves open) is always accepted. Bound: it can be handed
   * to the reader as `ReadOptions.prefilter` as it is, with `hotFields` as `prefilterFields`.
   */
  readonly acceptsHot = (field: string, value: string): boolean =>
    field === 'eventName' || field === 'eventSource' ? admits(this.hot[field], value) : true;

  feed(record: JsonObject, place?: { file: string; line: number }): void {
    this.stats.records++;
    const candidates = this.candidates(record.eventName, record.eventSource);
    let matched: DetectionState[] | undefined;
    for (const c of candidates) {
      this.stats.evaluations++;
      if (c.rule.detection.matches(record)) (matched ??= []).push(c);
    }
    if (!matched) return;
    this.stats.matched++;
    const { time, summary } = summarize(record, place);
    const entry: Entry = { time: time ?? 0, seq: this.seq++ };
    let masks: Map<CorrelationState, number> | undefined;
    for (const d of matched) {
      if (d.reports) (entry.hits ??= []).push(this.detectionHit(d.rule, summary, record, time));
      for (const { corr, bit } of d.feeds) {
        masks ??= new Map();
        masks.set(corr, (masks.get(corr) ?? 0) | (1 << bit));
      }
    }
    if (time === undefined) {
      if (masks) this.stats.untimed++;
      for (const hit of entry.hits ?? []) this.report(hit);
      return;
    }
    for (const [corr, mask] of masks ?? []) {
      // Aliases may read the group from other fields per base rule: one input per distinct group.
      const byKey = new Map<string, { group: Record<string, string>; mask: number; value?: string }>();
      for (let bit = 0; bit < corr.rule.rules.length; bit++) {
        if (!(mask & (1 << bit))) continue;
        const group: Record<string, string> = {};
        let complete = true;
        corr.rule.groupBy.forEach((name, i) => {
          const v = groupText(corr.groupPaths[bit][i], record);
          if (v === undefined) complete = false;
          else group[name] = v;
        });
        // An event without a group-by value belongs to no group (as stats ... by and terms aggregations do).
        if (!complete) continue;
        const valuePath = corr.valuePaths[bit];
        const value = valuePath ? groupText(valuePath, record) : undefined;
        const key = jsonText(corr.rule.groupBy.map((n) => group[n])) + (value === undefined ? '' : `\u0000${value}`);
        const slot = byKey.get(key);
        if (slot) slot.mask |= 1 << bit;
        else byKey.set(key, { group, mask: 1 << bit, value });
      }
      for (const { group, mask: m, value } of byKey.values()) {
        const key = jsonText(corr.rule.groupBy.map((n) => group[n]));
        const event: CorrelationEvent = { time, seq: entry.seq, mask: m, value, eventIds: summary.eventId ? [summary.eventId] : [], summary };
        (entry.inputs ??= []).push({ corr, key, group, event });
      }
    }
    if (!entry.hits && !entry.inputs) return;
    this.heap.push(entry);
    if (this.heap.size > this.reorderWindow) this.release(this.heap.pop()!);
  }

  /** Releases the reorder buffer and closes every correlation window. Call once, after the last record. */
  end(): void {
    for (let e = this.heap.pop(); e; e = this.heap.pop()) this.release(e);
    // Inner correlations first: closing them may still feed the outer ones.
    for (const c of this.correlations) {
      c.windows.flush();
      this.stats.late += c.windows.late;
      this.stats.evicted += c.windows.evicted;
    }
  }

  /** The detection rules a record with these hot values could match, in rule order. */
  private candidates(name: unknown, source: unknown): DetectionState[] {
    let bySourceCache = this.candidateCache.get(typeof name === 'string' ? name : '\u0000');
    if (!bySourceCache) {
      if (this.candidateCache.size >= MAX_CANDIDATE_CACHE) this.candidateCache.clear();
      bySourceCache = new Map();
      this.candidateCache.set(typeof name === 'string' ? name : '\u0000', bySourceCache);
    }
    const cached = bySourceCache.get(typeof source === 'string' ? source : undefined);
    if (cached) return cached;
    let list: DetectionState[];
    if (typeof name !== 'string') {
      // The index only speaks for string values: anything else is judged by the rules themselves.
      list = this.detections;
    } else {
      const named = this.byName.get(name.toLowerCase()) ?? [];
      const sourced = typeof source === 'string' ? this.bySource.get(source.toLowerCase()) ?? [] : this.sourceIndexed;
      list = [...named, ...sourced, ...this.always].sort((a, b) => a.order - b.order);
    }
    if (bySourceCache.size < MAX_CANDIDATE_CACHE) bySourceCache.set(typeof source === 'string' ? source : undefined, list);
    return list;
  }

  private listFor(map: Map<string, DetectionState[]>, key: string): DetectionState[] {
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    return list;
  }

  private release(entry: Entry): void {
    for (const hit of entry.hits ?? []) this.report(hit);
    for (const input of entry.inputs ?? []) input.corr.windows.add(input.key, input.group, input.event);
  }

  private report(hit: Hit): void {
    this.stats.hits++;
    this.onHit(hit);
  }

  private correlationState(rule: SigmaCorrelationRule, reports: boolean, stateLimit: number): CorrelationState {
    const fieldFor = (name: string, base: SigmaRule) => (base.name ? rule.aliases[name]?.[base.name] : undefined) ?? name;
    const state: CorrelationState = {
      rule,
      reports,
      windows: undefined as unknown as CorrelationWindows,
      groupPaths: rule.rules.map((base) => rule.groupBy.map((g) => fieldPath(fieldFor(g, base)))),
      valuePaths: rule.rules.map((base) => (rule.field ? fieldPath(fieldFor(rule.field, base)) : undefined)),
      innerGroupNames: rule.rules.map((base) => (base.kind === 'correlation' ? rule.groupBy.map((g) => fieldFor(g, base)) : undefined)),
      innerValueNames: rule.rules.map((base) => (base.kind === 'correlation' && rule.field ? fieldFor(rule.field, base) : undefined)),
      feeds: [],
    };
    state.windows = new CorrelationWindows(
      {
        type: rule.type,
        ruleCount: rule.rules.length,
        timespanMs: rule.timespanMs,
        condition: rule.condition,
      },
      (result) => {
        if (state.reports) this.report(this.correlationHit(rule, result));
      },
      (result) => this.feedOuter(state, result),
      stateLimit,
      this.maxRecords,
    );
    this.correlations.push(state);
    return state;
  }

  /** A correlation's certain hit as an event of the correlations built on it. */
  private feedOuter(inner: CorrelationState, result: WindowResult): void {
    for (const { corr, bit } of inner.feeds) {
      const names = corr.innerGroupNames[bit]!;
      const group: Record<string, string> = {};
      corr.rule.groupBy.forEach((g, i) => (group[g] = result.group[names[i]]));
      const valueName = corr.innerValueNames[bit];
      const event: CorrelationEvent = {
        time: result.decidedAt,
        seq: this.seq++,
        mask: 1 << bit,
        value: valueName ? result.group[valueName] : undefined,
        eventIds: result.eventIds,
        summary: result.last,
      };
      corr.windows.add(jsonText(corr.rule.groupBy.map((g) => group[g])), group, event);
    }
  }

  private detectionHit(rule: SigmaDetectionRule, s: EventSummary, record: JsonObject, time: number | undefined): Hit {
    const source = typeof record.eventSource === 'string' ? record.eventSource.replace(/\.amazonaws\.com$/, '') : undefined;
    const code = typeof record.errorCode === 'string' && record.errorCode !== '' ? ` (failed: ${record.errorCode})` : '';
    const on = s.key ? ` on key ${s.key}` : '';
    return {
      rule: rule.ruleId,
      severity: rule.level,
      title: rule.title,
      // Delivery files already write the canonical form: no need to format it again.
      time: time === undefined ? s.eventTime : CANONICAL_TIME.test(s.eventTime) ? s.eventTime : isoMs(time),
      at: time,
      eventName: s.eventName,
      eventId: s.eventId,
      principal: s.principal,
      principalAccount: s.principalAccount,
      key: s.key,
      keyAccount: s.keyAccount,
      region: s.region,
      reason: `${s.principal} called ${source ? `${source}:` : ''}${s.eventName || 'an unnamed event'}${on}${code}`,
      file: s.file,
      line: s.line,
      source: 'sigma',
      tags: rule.tags,
      ruleFile: rule.file,
    };
  }

  private correlationHit(rule: SigmaCorrelationRule, r: WindowResult): Hit {
    const s = r.last;
    const span = formatDuration(rule.timespanMs);
    const cond = Object.entries(rule.condition).map(([k, v]) => `${k} ${v}`).join(', ');
    const groups = Object.entries(r.group).map(([k, v]) => `${k}=${v}`).join(', ');
    const base = rule.rules.map((b) => `'${b.title}'`).join(', ');
    const measure = `${r.measure}${r.atLeast ? '+' : ''}`;
    const what =
      rule.type === 'event_count' ? `${measure} events of ${base}`
      : rule.type === 'value_count' ? `${measure} distinct ${rule.field} in ${r.events} events of ${base}`
      : rule.type === 'temporal' ? `${measure} of the rules ${base}`
      : `${measure} of the rules ${base} in order`;
    return {
      rule: rule.ruleId,
      severity: rule.level,
      title: rule.title,
      time: isoMs(r.lastTime),
      at: r.lastTime,
      eventName: s.eventName,
      eventId: s.eventId,
      principal: s.principal,
      principalAccount: s.principalAccount,
      key: s.key,
      keyAccount: s.keyAccount,
      region: s.region,
      reason: `${what} within ${span} (${cond})${groups ? ` for ${groups}` : ''}`,
      file: s.file,
      line: s.line,
      source: 'sigma',
      tags: rule.tags,
      ruleFile: rule.file,
      group: r.group,
      count: r.measure,
      records: r.eventIds,
      firstTime: isoMs(r.firstTime),
      lastTime: isoMs(r.lastTime),
    };
  }
}
