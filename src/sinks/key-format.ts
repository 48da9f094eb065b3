/**
 * Printing the key inventory: a table (one row per key; with --key, every field of each chosen
 * key), json (one document) or jsonl (one key per line).
 */
import type { ChalkInstance } from 'chalk';
import { formatEventTime } from '../cloudtrail/event-time.js';
import type { KeyReference } from '../cloudtrail/key-reference.js';
import { UTC, type TimeZone } from '../util/time-zone.js';
import { KeyInventory, selectKeys, type InventoryResult, type KeyRow } from './aggregators/key-inventory.js';
import { stableJson } from './aggregators/stable-json.js';
import type { Output } from './output.js';
import { defineFormats, type FormatContext, type InputTotals, type RecordSink } from './sink.js';
import { wrappedTable, type Cell } from './wrapped-table.js';

export interface KeyDocument extends InventoryResult {
  input: InputTotals;
}

export interface KeyPrintOptions {
  /** Every field of each key, one key per block (keys --key). */
  detail: boolean;
  color: ChalkInstance;
  zone: TimeZone;
}

/** A cell of several lines, the empty ones left out. */
const lines = (...values: Array<string | undefined>): string[] => values.filter((v): v is string => v !== undefined && v !== '');

/** `user/Alice` for `arn:aws:iam::111122223333:user/Alice`: the account is in the key's row already. */
function shortBy(principal: string): string {
  return /^arn:[^:]*:[^:]*:[^:]*:[^:]*:(.+)$/.exec(principal)?.[1] ?? principal;
}

const aliasNames = (row: KeyRow): string[] => row.aliases.map((a) => (a.current ? a.name : `${a.name} (former)`));
const principalCount = (row: KeyRow): string => `${row.principals.distinct}${row.principals.capped ? '+' : ''}`;

/** Times of one zone: whole, or the day alone. */
function clock(zone: TimeZone) {
  return {
    day: (iso: string | null): string => (iso ? formatEventTime(iso, zone).slice(0, 10) : ''),
    time: (iso: string | null): string => (iso ? formatEventTime(iso, zone) : 'unknown time'),
  };
}

function stateCell(row: KeyRow, color: ChalkInstance, day: (iso: string | null) => string): Cell {
  if (!row.state) return { text: 'unknown', paint: color.dim };
  const text = lines(row.state.value, row.state.deletionDate ? `deletes ${day(row.state.deletionDate)}` : undefined);
  return { text, paint: /^(PendingDeletion|PendingReplicaDeletion|Deleted|Disabled)$/.test(row.state.value) ? color.yellow : undefined };
}

function inventoryTable(out: Output, rows: readonly KeyRow[], color: ChalkInstance, zone: TimeZone): void {
  const { day } = clock(zone);
  // Dates are days in the chosen zone: their headers say which.
  const zoned = (header: string) => [header, `(${zone.name})`];
  const table = wrappedTable(
    out,
    [
      // A key ID is what the row is about, and a key ID cut short is no key ID (36 characters).
      { header: 'key', min: 36 },
      // An alias or a state cut short names nothing: they wrap (after '/', between camel-case words).
      { header: 'aliases', wrap: 28, min: 15, drop: 1 },
      { header: 'state', wrap: 24, min: 10 },
      { header: zoned('created'), min: 12, drop: 4 },
      { header: zoned('policy changed'), min: 12, drop: 6 },
      { header: zoned('rotation'), min: 8, drop: 7 },
      { header: 'grants +/-', min: 6, drop: 8 },
      { header: zoned('seen'), min: 10, drop: 3 },
      { header: 'events', wrap: 14, min: 6, drop: 2, align: 'right' },
      { header: 'principals', min: 4, drop: 5, align: 'right' },
    ],
    color,
  );
  for (const r of rows) {
    table.row([
      lines(r.keyId ?? '(key not in logs)', `${r.account ?? '?'} ${r.region ?? '?'}`),
      lines(...aliasNames(r)),
      stateCell(r, color, day),
      r.created ? lines(day(r.created.at), shortBy(r.created.by)) : '',
      r.policyChanged ? lines(day(r.policyChanged.at), shortBy(r.policyChanged.by)) : '',
      r.rotation ? lines(r.rotation.enabled ? 'enabled' : 'disabled', day(r.rotation.at)) : '',
      r.grants.created + r.grants.retired + r.grants.revoked > 0 ? `+${r.grants.created} -${r.grants.retired + r.grants.revoked}` : '',
      lines(day(r.firstSeen), day(r.lastSeen)),
      lines(r.events.toLocaleString('en-US'), r.errors ? `${r.errors.toLocaleString('en-US')} failed` : undefined),
      principalCount(r),
    ]);
  }
  table.end();
}

/** Counts right-aligned in front of names, as `uniq -c` prints them. */
const counted = (rows: Array<[string, number]>): string[] => {
  const width = Math.max(0, ...rows.map(([, n]) => String(n).length));
  return rows.map(([name, n]) => `${String(n).padStart(width)}  ${name}`);
};

function detailTable(out: Output, r: KeyRow, color: ChalkInstance, zone: TimeZone): void {
  const { time } = clock(zone);
  const table = wrappedTable(out, [{ header: 'field' }, { header: `value (times: ${zone.name})`, wrap: 100 }], color);
  const event = (m: { at: string | null; by: string } | null) => (m ? `${time(m.at)} by ${m.by}` : '');
  const operations = Object.entries(r.operations).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const fields: Array<[string, Cell]> = [
    ['key ID', r.keyId ?? '(key not in logs: an alias used without a mapping)'],
    ['ARN', r.arn ?? ''],
    ['account', r.account ?? ''],
    ['region', r.region ?? ''],
    ['aliases', lines(...aliasNames(r))],
    ['state', r.state ? lines(`${r.state.value} since ${time(r.state.at)}`, `(${r.state.event} by ${r.state.by})`) : { text: 'unknown', paint: color.dim }],
    ['deletion date', r.state?.deletionDate ? formatEventTime(r.state.deletionDate, zone) : ''],
    ['created', event(r.created)],
    ['policy changed', event(r.policyChanged)],
    ['rotation', r.rotation ? `${r.rotation.enabled ? 'enabled' : 'disabled'} ${event(r.rotation)}` : ''],
    ['last rotation', r.lastRotation ? formatEventTime(r.lastRotation, zone) : ''],
    ['grants', `${r.grants.created} created, ${r.grants.retired} retired, ${r.grants.revoked} revoked`],
    ['first seen', r.firstSeen ? formatEventTime(r.firstSeen, zone) : ''],
    ['last seen', r.lastSeen ? formatEventTime(r.lastSeen, zone) : ''],
    ['events', `${r.events}${r.errors ? ` (${r.errors} failed)` : ''}`],
    ['operations', lines(...counted(operations))],
    [
      'principals',
      lines(
        `${principalCount(r)} distinct${r.principals.capped ? ' (list capped)' : ''}`,
        ...counted(r.principals.counts.map((p) => [p.principal, p.count])),
      ),
    ],
  ];
  const isEmpty = (value: Cell) => value === '' || (Array.isArray(value) && value.length === 0);
  for (const [name, value] of fields) if (!isEmpty(value)) table.row([{ text: name, paint: color.bold }, value]);
  table.end();
}

function printTable(out: Output, doc: KeyDocument, { detail, color, zone }: KeyPrintOptions): void {
  if (doc.keys.length === 0) {
    out.write(color.dim(detail ? '(no key matches --key)' : '(no keys in the matching records)') + '\n');
    return;
  }
  if (!detail) return inventoryTable(out, doc.keys, color, zone);
  doc.keys.forEach((row, i) => {
    if (i > 0) out.write('\n');
    detailTable(out, row, color, zone);
  });
}

export interface KeySettings {
  /** `keys --key`: the keys to show, every field of each; empty shows them all, one row each. */
  selected: readonly KeyReference[];
}

/** Builds the inventory from every record; prints the chosen keys at the end. */
function inventorySink(print: (out: Output, doc: KeyDocument, options: KeyPrintOptions) => void) {
  return ({ out, color, zone }: FormatContext, { selected }: KeySettings): RecordSink => {
    const inventory = new KeyInventory();
    return {
      write: (record) => inventory.add(record.record),
      end(totals) {
        const result = inventory.result();
        const keys = selected.length > 0 ? selectKeys(result.keys, selected) : result.keys;
        print(out, { ...result, keys, input: totals }, { detail: selected.some((k) => !k.exclude && k.pattern === undefined), color, zone: zone ?? UTC });
        const warnings: string[] = [];
        const untracked = result.untracked.keyRecords + result.untracked.aliasRecords;
        if (untracked > 0) {
          warnings.push(`warning: more than ${result.caps.keys.toLocaleString('en-US')} keys or aliases: ${untracked.toLocaleString('en-US')} records name only keys beyond the cap and are not counted`);
        }
        if (result.principalsCapped) {
          warnings.push(`warning: some keys have more than ${result.caps.principalsPerKey.toLocaleString('en-US')} distinct principals: their lists are incomplete (marked capped)`);
        }
        return { warnings };
      },
    };
  };
}

export const KEY_FORMATS = defineFormats<KeySettings>()({
  table: inventorySink(printTable),
  json: inventorySink((out, doc) => out.write(stableJson(doc, 2) + '\n')),
  jsonl: inventorySink((out, doc) => {
    for (const row of doc.keys) out.write(stableJson(row) + '\n');
  }),
});

export type KeyFormat = keyof typeof KEY_FORMATS;
