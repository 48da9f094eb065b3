/**
 * Runs rules over a stream of records. Rules that remember (bursts, "seen before") need events in
 * time order, but trails arrive in file order: one region after another, files out of order. So
 * events pass through a reorder buffer, a min-heap on eventTime of at most `reorderWindow` compact
 * events: the earliest leaves when it is full. That is exact whenever no record arrives more than
 * `reorderWindow` KMS events after a later one, and bounded in memory whatever the input.
 * Copies of one event (the same delivery file stored twice) never get here: the pipeline drops
 * them for every command (unless --keep-duplicates asks for them).
 */
import { isoEventTime } from '../cloudtrail/event-time.js';
import { text, type JsonObject } from '../cloudtrail/record.js';
import { KMS_SOURCE } from '../cloudtrail/events.js';
import { Heap } from '../util/heap.js';
import { kmsEvent, originFacts, type KmsEvent } from './event.js';
import type { Check, Hit, Rule, RuleSettings } from './rule.js';

export const REORDER_WINDOW = 20_000;

interface Queued {
  event: KmsEvent;
  time: number;
  seq: number;
}

const before = (a: Queued, b: Queued) => a.time < b.time || (a.time === b.time && a.seq < b.seq);

export interface EngineStats {
  /** KMS records given to the rules. */
  events: number;
  /** Records from other event sources (with --all-sources), which no rule looks at. */
  ignored: number;
  hits: number;
}

export class DetectionEngine {
  readonly stats: EngineStats = { events: 0, ignored: 0, hits: 0 };
  private readonly checks: Array<[Rule, Check]>;
  private readonly heap = new Heap<Queued>(before);
  private seq = 0;

  private readonly originOf: RuleSettings['originOf'];

  constructor(
    rules: readonly Rule[],
    settings: RuleSettings,
    private readonly onHit: (hit: Hit) => void,
    private readonly reorderWindow: number = REORDER_WINDOW,
  ) {
    this.checks = rules.map((rule) => [rule, rule.create(settings)]);
    this.originOf = settings.originOf;
  }

  feed(record: JsonObject, origin?: { file: string; line: number }): void {
    if (text(record, 'eventSource') !== KMS_SOURCE) {
      this.stats.ignored++;
      return;
    }
    this.stats.events++;
    const event = kmsEvent(record, origin);
    if (this.originOf) event.origin = originFacts(this.originOf(record));
    // No readable time: nothing to order by, so it is judged where it stands.
    if (event.time === undefined) return this.judge(event);
    this.heap.push({ event, time: event.time, seq: this.seq++ });
    if (this.heap.size > this.reorderWindow) this.judge(this.heap.pop()!.event);
  }

  /** Judges what the reorder buffer still holds. Call once, after the last record. */
  end(): void {
    for (let next = this.heap.pop(); next; next = this.heap.pop()) this.judge(next.event);
  }

  private judge(event: KmsEvent): void {
    for (const [rule, check] of this.checks) {
      const said = check(event);
      if (said === undefined) continue;
      const [reason, key] = typeof said === 'string' ? [said, event] : [said.reason, said.key];
      this.stats.hits++;
      this.onHit({
        rule: rule.id,
        severity: rule.severity,
        title: rule.title,
        time: isoEventTime(event.eventTime),
        at: event.time,
        eventName: event.eventName,
        eventId: event.eventId,
        principal: event.principal,
        principalAccount: event.principalAccount,
        ...(rule.aboutOrigins && event.origin ? { origin: event.origin.identity } : {}),
        key: key.key || undefined,
        // The rules' keyAccount falls back on the recipient account, which names no owner when no
        // key is named (ListAliases): a hit says it only with a key, as a Sigma hit does.
        keyAccount: key.key ? key.keyAccount : undefined,
        region: event.region,
        reason,
        file: event.file,
        line: event.line,
        source: 'builtin',
        tags: rule.tags ?? [],
      });
    }
  }
}
