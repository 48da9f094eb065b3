/**
 * Printing detection hits as they are found (never held): table, json (one array, streamed) or
 * jsonl (one hit per line); and the rule list for --list-rules.
 */
import type { ChalkInstance } from 'chalk';
import { formatEventTime } from '../cloudtrail/event-time.js';
import { DetectionEngine } from '../rules/engine.js';
import type { Hit, Rule, RuleSettings, Severity } from '../rules/rule.js';
import type { Output } from './output.js';
import { defineFormats, type FormatContext, type RecordSink } from './sink.js';
import { remainingWidth, wrappedTable } from './wrapped-table.js';

export interface HitSink {
  write(hit: Hit): void;
  end(): void;
}

/** Fixed keys in a fixed order, null when absent, so scripts can rely on the shape. */
export function hitJson(h: Hit): string {
  return JSON.stringify({
    rule: h.rule,
    severity: h.severity,
    title: h.title,
    time: h.time,
    eventName: h.eventName,
    eventID: h.eventId ?? null,
    principal: h.principal,
    principalAccount: h.principalAccount ?? null,
    key: h.key ?? null,
    keyAccount: h.keyAccount ?? null,
    region: h.region ?? null,
    reason: h.reason,
    file: h.file ?? null,
    line: h.line ?? null,
  });
}

function painter(color: ChalkInstance, severity: Severity): ((s: string) => string) | undefined {
  return severity === 'critical' || severity === 'high' ? color.red : severity === 'medium' ? color.yellow : undefined;
}

/** Hit printers, one per format: hits as they are found to text. */
export const HIT_PRINTERS = {
  table(out: Output, color: ChalkInstance, terminalColumns?: number): HitSink {
    const table = wrappedTable(
      out,
      [
        { header: 'time (UTC)' },
        { header: 'severity' },
        { header: 'rule' },
        { header: 'title', wrap: 24 },
        { header: 'reason', wrap: remainingWidth(terminalColumns, 75) },
      ],
      color,
    );
    const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, informational: 0 };
    return {
      write(h) {
        counts[h.severity]++;
        table.row([formatEventTime(h.time), h.severity, h.rule, h.title, h.reason], painter(color, h.severity));
      },
      end() {
        const n = table.end();
        out.write(
          n === 0
            ? color.dim('(no hits)') + '\n'
            : `${n} hit${n === 1 ? '' : 's'}: ${counts.high} high, ${counts.medium} medium, ${counts.low} low\n`,
        );
      },
    };
  },
  json(out: Output): HitSink {
    let count = 0;
    return {
      write: (h) => out.write((count++ === 0 ? '[\n' : ',\n') + hitJson(h)),
      end: () => out.write(count === 0 ? '[]\n' : '\n]\n'),
    };
  },
  jsonl(out: Output): HitSink {
    return { write: (h) => out.write(hitJson(h) + '\n'), end: () => {} };
  },
} satisfies Record<string, (out: Output, color: ChalkInstance, terminalColumns?: number) => HitSink>;

export interface DetectSettings {
  rules: readonly Rule[];
  settings: RuleSettings;
  /** Told of each hit before it is printed (`--fail-on` watches them). */
  onHit?(hit: Hit): void;
}

/** Feeds every record to the detection engine; prints its hits as they come, in time order. */
function detectionSink(printer: (typeof HIT_PRINTERS)[keyof typeof HIT_PRINTERS]) {
  return ({ out, color, columns }: FormatContext, { rules, settings, onHit }: DetectSettings): RecordSink => {
    const hits = printer(out, color, columns);
    const engine = new DetectionEngine(rules, settings, (hit) => {
      onHit?.(hit);
      hits.write(hit);
    });
    return {
      write: (record) => engine.feed(record.record, record),
      end() {
        engine.end();
        hits.end();
        const e = engine.stats;
        return {
          stats: [
            `detect: ${rules.length} rules, ${e.events.toLocaleString('en-US')} KMS events judged, ${e.hits.toLocaleString('en-US')} hits`,
          ],
        };
      },
    };
  };
}

export const DETECT_FORMATS = defineFormats<DetectSettings>()({
  table: detectionSink(HIT_PRINTERS.table),
  json: detectionSink(HIT_PRINTERS.json),
  jsonl: detectionSink(HIT_PRINTERS.jsonl),
});

export type HitFormat = keyof typeof DETECT_FORMATS;

function ruleObject(r: Rule, settings: RuleSettings) {
  return { id: r.id, severity: r.severity, title: r.title, description: r.description, defaults: r.defaults?.(settings) ?? null };
}

/** --list-rules in the chosen format. */
export function printRules(
  out: Output,
  rules: readonly Rule[],
  settings: RuleSettings,
  format: HitFormat,
  color: ChalkInstance,
  terminalColumns?: number,
): void {
  if (format === 'jsonl') {
    for (const r of rules) out.write(JSON.stringify(ruleObject(r, settings)) + '\n');
  } else if (format === 'json') {
    out.write(JSON.stringify(rules.map((r) => ruleObject(r, settings)), null, 2) + '\n');
  } else {
    const table = wrappedTable(
      out,
      [{ header: 'rule' }, { header: 'severity' }, { header: 'title', wrap: 24 }, { header: 'description', wrap: remainingWidth(terminalColumns, 55) }],
      color,
    );
    for (const r of rules) {
      const defaults = r.defaults ? ` Defaults: ${r.defaults(settings)}.` : '';
      table.row([r.id, r.severity, r.title, r.description + defaults], painter(color, r.severity));
    }
    table.end();
  }
}
