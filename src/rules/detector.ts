/**
 * One detection run: the built-in rules (over KMS events) and the Sigma rules (over every record)
 * side by side, fed the same records, their hits merged into one stream in time order. And what
 * the chosen rules need of a record's hot fields, so the reader can leave the rest unparsed.
 */
import { KMS_SOURCE } from '../cloudtrail/events.js';
import type { JsonObject } from '../cloudtrail/record.js';
import type { RecordFilter } from '../filters/record-filter.js';
import type { HotField } from '../reader/read-options.js';
import { Heap } from '../util/heap.js';
import type { RuleChoice } from './catalog.js';
import { DetectionEngine, REORDER_WINDOW } from './engine.js';
import type { Hit, RuleSettings } from './rule.js';
import { SigmaEngine, sigmaHotCheck } from './sigma/sigma-engine.js';

export interface DetectorStats {
  builtinRules: number;
  /** KMS events the built-in rules judged. */
  kmsEvents: number;
  sigmaRules: number;
  /** Records the Sigma rules judged, and the rule evaluations the hot-field index let through. */
  sigmaRecords: number;
  sigmaEvaluations: number;
  /** Correlation events dropped as later than their window, and undecided windows lost to the group cap. */
  late: number;
  evicted: number;
  hits: number;
}

interface Queued {
  hit: Hit;
  at: number;
  seq: number;
}

const before = (a: Queued, b: Queued) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export class Detector {
  private readonly builtin?: DetectionEngine;
  private readonly sigma?: SigmaEngine;
  /**
   * Each engine puts its own hits in time order; with both running, their hits meet here, in a
   * buffer of the latest `reorderWindow` hits, the earliest leaving first.
   */
  private readonly merge?: Heap<Queued>;
  private seq = 0;
  private hits = 0;

  constructor(
    private readonly choice: RuleChoice,
    settings: RuleSettings,
    private readonly onHit: (hit: Hit) => void,
    private readonly reorderWindow: number = REORDER_WINDOW,
  ) {
    const both = choice.builtin.length > 0 && choice.sigma.length > 0;
    if (both) this.merge = new Heap(before);
    const take = both ? (hit: Hit) => this.queue(hit) : (hit: Hit) => this.report(hit);
    if (choice.builtin.length > 0) this.builtin = new DetectionEngine(choice.builtin, settings, take, reorderWindow);
    if (choice.sigma.length > 0) this.sigma = new SigmaEngine(choice.sigma, { onHit: take, reorderWindow, stateLimit: settings.stateLimit });
  }

  feed(record: JsonObject, place?: { file: string; line: number }): void {
    this.builtin?.feed(record, place);
    this.sigma?.feed(record, place);
  }

  /** Judges what the engines still hold and closes every correlation window. Call once, after the last record. */
  end(): void {
    this.builtin?.end();
    this.sigma?.end();
    if (this.merge) for (let next = this.merge.pop(); next; next = this.merge.pop()) this.report(next.hit);
  }

  get stats(): DetectorStats {
    const sigma = this.sigma?.stats;
    return {
      builtinRules: this.choice.builtin.length,
      kmsEvents: this.builtin?.stats.events ?? 0,
      sigmaRules: this.choice.sigma.length,
      sigmaRecords: sigma?.records ?? 0,
      sigmaEvaluations: sigma?.evaluations ?? 0,
      late: sigma?.late ?? 0,
      evicted: sigma?.evicted ?? 0,
      hits: this.hits,
    };
  }

  private queue(hit: Hit): void {
    // A hit without a readable time is told where it stands (the engines do the same with its event).
    if (hit.at === undefined) return this.report(hit);
    this.merge!.push({ hit, at: hit.at, seq: this.seq++ });
    if (this.merge!.size > this.reorderWindow) this.report(this.merge!.pop()!.hit);
  }

  private report(hit: Hit): void {
    this.hits++;
    this.onHit(hit);
  }
}

/** What the chosen rules need of a record's top-level eventName and eventSource. */
export interface HotNeeds {
  /** The fields that can rule a record out. */
  fields: HotField[];
  /** False when no chosen rule could match a record whose `field` has this value. */
  accepts(field: HotField, value: string): boolean;
}

/**
 * The union of what the rules need, field by field: the built-in rules look at KMS events only
 * (any event name); each Sigma rule's detection names the event names or sources it can match, or
 * leaves them open. A field rules a record out only when every side constrains it. A reader
 * judges one field at a time, so this is weaker than "built-in or Sigma" on both fields together:
 * a necessary condition, never a sufficient one (the engines still judge every record let through).
 */
export function hotNeeds(choice: RuleChoice): HotNeeds | undefined {
  const sides: HotNeeds[] = [];
  if (choice.builtin.length > 0) sides.push({ fields: ['eventSource'], accepts: (field, value) => field !== 'eventSource' || value === KMS_SOURCE });
  if (choice.sigma.length > 0) {
    const sigma = sigmaHotCheck(choice.sigma);
    sides.push({ fields: sigma.fields, accepts: (field, value) => (field === 'eventName' || field === 'eventSource' ? sigma.accepts(field, value) : true) });
  }
  if (sides.length === 0) return undefined;
  const fields = (['eventName', 'eventSource'] as HotField[]).filter((f) => sides.every((s) => s.fields.includes(f)));
  if (fields.length === 0) return undefined;
  return {
    fields,
    accepts: (field, value) =>
      !fields.includes(field) ||
      // `aws:s3`, `aws:dynamodb`: not CloudTrail at all. The reader must see such a record to say so.
      (field === 'eventSource' && value.startsWith('aws:')) ||
      sides.some((s) => s.accepts(field, value)),
  };
}

/**
 * `filter` narrowed to the records the rules could match: its hot-field pre-check and its
 * `matches` both add what `needs` asks. The spec stays the user's: a worker thread, which builds
 * its filter from the spec alone, sends the records the user's options keep, and the engines
 * sort them out (slower, never different).
 */
export function narrowedFilter(filter: RecordFilter, needs: HotNeeds | undefined): RecordFilter {
  if (!needs) return filter;
  const base = filter.hot;
  const fields = [...new Set([...(base?.fields ?? []), ...needs.fields])];
  const accept = (field: HotField, value: string) => (!base || !base.fields.includes(field) || base.accept(field, value)) && needs.accepts(field, value);
  const needed = (record: JsonObject) =>
    needs.fields.every((field) => {
      const value = record[field];
      // The engines judge a non-string value themselves: only a string can be ruled out.
      return typeof value !== 'string' || needs.accepts(field, value);
    });
  return {
    prefilter: (hot) => filter.prefilter(hot) && needs.fields.every((f) => hot[f] === undefined || needs.accepts(f, hot[f])),
    hot: { fields, accept },
    matches: (record) => filter.matches(record) && needed(record),
    acceptsAll: false,
    spec: filter.spec,
    times: filter.times,
  };
}
