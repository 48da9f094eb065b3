/**
 * The sinks behind `kmstrail report`. The first read feeds one composite sink: each record goes to
 * the aggregators of `summary` and `keys`, to the detection engine of `detect`, and to a user agent
 * count (and, when given an index of issuing calls, to the origin tally). The per-key timelines
 * need a second read: which keys get one (those with destructive or policy events) is known only
 * once every record has been seen, since files come in any order and a key's deletion may be read
 * before its history, and holding every key's history until then would grow with the trail.
 */
import { DESTRUCTIVE_OR_POLICY_EVENTS } from '../../cloudtrail/events.js';
import type { Origin } from '../../cloudtrail/origins.js';
import { text, type JsonObject } from '../../cloudtrail/record.js';
import type { RuleChoice } from '../../rules/catalog.js';
import { Detector } from '../../rules/detector.js';
import type { RuleSettings } from '../../rules/rule.js';
import { CappedCounter } from '../aggregators/capped-counter.js';
import { HitGroups } from '../aggregators/hit-groups.js';
import { KeyInventory, type InventoryResult } from '../aggregators/key-inventory.js';
import { KeyTimelines, type KeyTimeline } from '../aggregators/key-timelines.js';
import { OriginTally, type OriginTable } from '../aggregators/origin-tally.js';
import { SummaryAggregator, type SummaryResult, type TopTable } from '../aggregators/summary.js';
import type { InputTotals, RecordSink, SinkReport } from '../sink.js';
import type { DetectionSection } from './report-model.js';

/** Hits listed per rule; a burst can fire thousands of times, and `kmstrail detect` prints them all. */
export const HITS_LISTED_PER_RULE = 100;

/** Keys given a timeline at most; the others are named as a count (`kmstrail timeline --key` shows any). */
export const TIMELINE_KEYS_CAP = 50;

export interface ReportSettings {
  /** Rows in each top table. */
  top: number;
  /** The built-in rules and any Sigma rules, run as `detect` runs them. */
  rules: RuleChoice;
  ruleSettings: RuleSettings;
  /**
   * Who is behind a record's session (from a first pass over the STS calls): given, the report
   * counts records by session origin and shows the origins section.
   */
  originOf?: (record: JsonObject) => Origin;
}

export interface FirstRead {
  input: InputTotals;
  summary: SummaryResult;
  userAgents: TopTable;
  inventory: InventoryResult;
  detections: DetectionSection;
  origins?: OriginTable;
}

function topTable(counter: CappedCounter, top: number, records: number): TopTable {
  return {
    distinct: counter.distinct,
    capped: counter.capped,
    other: counter.other,
    rows: counter.top(top).map(({ value, count }) => ({
      value,
      count,
      share: records === 0 ? 0 : Math.round((count / records) * 10_000) / 10_000,
    })),
  };
}

export class ReportCollector implements RecordSink {
  private readonly summary: SummaryAggregator;
  private readonly inventory = new KeyInventory();
  private readonly userAgents = new CappedCounter();
  private readonly hits = new HitGroups(HITS_LISTED_PER_RULE);
  private readonly engine: Detector;
  private readonly origins: OriginTally | undefined;
  private input: InputTotals = { files: 0, recordsRead: 0, duplicates: 0 };

  constructor(private readonly settings: ReportSettings) {
    // The same aggregator as `summary` with the same options, origins table included.
    this.summary = new SummaryAggregator(undefined, undefined, 'session', settings.originOf);
    this.engine = new Detector(settings.rules, settings.ruleSettings, (hit) => this.hits.add(hit));
    this.origins = settings.originOf ? new OriginTally(settings.originOf) : undefined;
  }

  write({ record, file, line }: Parameters<RecordSink['write']>[0]): void {
    this.summary.add(record);
    this.inventory.add(record);
    const agent = text(record, 'userAgent');
    if (agent) this.userAgents.add(agent);
    this.engine.feed(record, { file, line });
    this.origins?.add(record);
  }

  end(totals: InputTotals): SinkReport {
    this.engine.end();
    this.input = totals;
    return {
      stats: [
        `report: ${this.settings.rules.builtin.length} built-in and ${this.settings.rules.sigma.length} Sigma rules, ` +
          `${this.engine.stats.kmsEvents.toLocaleString('en-US')} KMS events judged, ${this.hits.hits.toLocaleString('en-US')} hits`,
      ],
    };
  }

  /** After `end`: what the first read found. */
  result(): FirstRead {
    const summary = this.summary.result(this.settings.top);
    return {
      input: this.input,
      summary,
      userAgents: topTable(this.userAgents, this.settings.top, summary.records),
      inventory: this.inventory.result(),
      detections: {
        rules: this.settings.rules.builtin.length,
        sigmaRules: this.settings.rules.sigma.length,
        events: this.engine.stats.kmsEvents,
        sigmaRecords: this.engine.stats.sigmaRecords,
        hits: this.hits.hits,
        groups: this.hits.result(),
      },
      origins: this.origins?.result(this.settings.top),
    };
  }
}

/** The ARNs of the keys with destructive or policy events (attempted or done), in the inventory's order. */
export function keysWithDestructiveEvents(inventory: InventoryResult): string[] {
  return inventory.keys.flatMap((row) =>
    row.arn !== null && Object.keys(row.operations).some((name) => DESTRUCTIVE_OR_POLICY_EVENTS.has(name)) ? [row.arn] : [],
  );
}

/** The second read: the timelines of `keys`. */
export class KeyTimelineCollector implements RecordSink {
  private readonly timelines: KeyTimelines;

  constructor(keys: readonly string[]) {
    this.timelines = new KeyTimelines(keys);
  }

  write({ record }: Parameters<RecordSink['write']>[0]): void {
    this.timelines.add(record);
  }

  end(): void {}

  result(): KeyTimeline[] {
    return this.timelines.result();
  }
}

/** The warnings `summary` and `keys` would print for the same records. */
export function capWarnings(read: FirstRead): string[] {
  const warnings: string[] = [];
  const s = read.summary;
  if ([s.eventNames, s.principals, s.keys, s.sourceIps, s.regions, s.errorCodes, read.userAgents].some((t) => t.capped)) {
    warnings.push(`more than ${s.caps.distinctValues.toLocaleString('en-US')} distinct values in a table: later new values are counted as (other)`);
  }
  const untracked = read.inventory.untracked.keyRecords + read.inventory.untracked.aliasRecords;
  if (untracked > 0) {
    warnings.push(`more than ${read.inventory.caps.keys.toLocaleString('en-US')} keys or aliases: ${untracked.toLocaleString('en-US')} records name only keys beyond the cap and are not counted`);
  }
  if (read.inventory.principalsCapped) {
    warnings.push(`some keys have more than ${read.inventory.caps.principalsPerKey.toLocaleString('en-US')} distinct principals: their lists are incomplete`);
  }
  return warnings;
}
