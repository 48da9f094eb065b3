/**
 * `kmstrail trace`: each matching record with who is behind it, as a table for people (the chain
 * as `alice → Admin → BreakGlass`) or one JSON object per record for scripts.
 */
import { formatEventTime } from '../cloudtrail/event-time.js';
import { renderChain, type Origin } from '../cloudtrail/origins.js';
import { shortPrincipal } from '../cloudtrail/principal.js';
import { errorCode, text, type JsonObject } from '../cloudtrail/record.js';
import { defineFormats, type RecordSink } from './sink.js';
import { UTC } from '../util/time-zone.js';
import { columnOf, tableColumn } from './columns.js';
import { wrappedTable } from './wrapped-table.js';

export interface TraceSettings {
  originOf: (record: JsonObject) => Origin;
}

/** The origin's short form for a table: `alice`, `lambda.amazonaws.com`, `? (missing issuer)`. */
export function originCell(origin: Origin): string {
  if (origin.kind === 'unresolved') return `? (${(origin.reason ?? 'unresolved').replace(/-/g, ' ')})`;
  return origin.label;
}

/** Fixed keys in a fixed order, null when absent, so scripts can rely on the shape. */
export function traceJson(record: JsonObject, origin: Origin): string {
  return JSON.stringify({
    eventID: text(record, 'eventID') ?? null,
    eventTime: text(record, 'eventTime') ?? null,
    eventName: text(record, 'eventName') ?? null,
    eventSource: text(record, 'eventSource') ?? null,
    errorCode: errorCode(record) ?? null,
    principal: text(record, 'userIdentity', 'arn') ?? (shortPrincipal(record) || null),
    origin: {
      kind: origin.kind,
      identity: origin.kind === 'unresolved' ? null : origin.identity,
      label: origin.label,
      account: origin.account ?? null,
      provider: origin.provider ?? null,
      sourceIdentity: origin.sourceIdentity ?? null,
      reason: origin.reason ?? null,
    },
    chain: origin.chain.map((link) => ({
      principal: link.principal,
      label: link.label,
      type: link.type || null,
      via: link.via ?? null,
      eventID: link.eventID ?? null,
      eventTime: link.eventTime ?? null,
      accessKeyId: link.accessKeyId ?? null,
    })),
  });
}

export const TRACE_FORMATS = defineFormats<TraceSettings>()({
  table: ({ out, color, zone = UTC }, { originOf }): RecordSink => {
    // The chain is what trace is for: it wraps rather than being cut; the principal goes first.
    const table = wrappedTable(
      out,
      [
        tableColumn(columnOf('time'), zone),
        tableColumn(columnOf('event'), zone),
        { header: 'principal', wrap: 32, min: 16, drop: 1 },
        { header: 'origin', wrap: 28, min: 12 },
        { header: 'chain', wrap: 100, min: 20 },
      ],
      color,
    );
    return {
      write(match) {
        const origin = originOf(match.record);
        const paint = origin.kind === 'unresolved' ? color.dim : undefined;
        table.row(
          [formatEventTime(match.record.eventTime, zone), text(match.record, 'eventName') ?? '', shortPrincipal(match.record), originCell(origin), renderChain(origin)],
          paint,
        );
      },
      end() {
        if (table.end() === 0) out.write(color.dim('(no matching records)') + '\n');
      },
    };
  },
  jsonl: ({ out }, { originOf }): RecordSink => ({
    write(match) {
      out.write(traceJson(match.record, originOf(match.record)) + '\n');
    },
    end() {},
  }),
  json: ({ out }, { originOf }): RecordSink => {
    let first = true;
    return {
      write(match) {
        out.write((first ? '[\n' : ',\n') + traceJson(match.record, originOf(match.record)));
        first = false;
      },
      end() {
        out.write(first ? '[]\n' : '\n]\n');
      },
    };
  },
});
