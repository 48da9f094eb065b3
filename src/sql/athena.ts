/**
 * Athena (engine v3, Trino) over the CloudTrail table of the Athena user guide ("Create the table
 * for CloudTrail logs in Athena"): lower-case columns, useridentity a struct, eventtime and
 * readonly strings, requestparameters and responseelements JSON text, resources an array of rows.
 * With partition projection (the guide's layout: one `timestamp` string partition, 'yyyy/MM/dd',
 * the delivery date folder), the time window also bounds that column, so Athena reads only those
 * days' folders.
 */
import type { FilterSpec } from '../filters/filter-spec.js';
import { buildQuery, type Dialect } from './conditions.js';
import { sqlIdentifier, sqlQualifiedName, sqlString } from './quote.js';

export interface AthenaOptions {
  /** `table` or `database.table`. */
  table: string;
  /** The 'yyyy/MM/dd' date partition column of a partition-projection table, if any. */
  partitionColumn?: string;
}

/** A JSON path for Trino's json_extract_scalar: a key that is no plain identifier (S3's `x-amz-...` headers) in brackets. */
export const trinoJsonPath = (path: string) => `$${path.split('.').map((key) => (/^[A-Za-z_]\w*$/.test(key) ? `.${key}` : `["${key}"]`)).join('')}`;

/** What Athena and CloudTrail Lake (both Trino) spell alike. */
export const trinoFunctions: Omit<Dialect, 'text' | 'resourceArns' | 'matchesWithin' | 'readOnly' | 'timeWindow'> = {
  regexLike: (value, regex) => `regexp_like(${value}, ${sqlString(regex)})`,
  array: (items) => `ARRAY[${items.join(', ')}]`,
  transform: (list, name, body) => `transform(${list}, ${name} -> ${body})`,
  filter: (list, name, predicate) => `filter(${list}, ${name} -> ${predicate})`,
  anyMatch: (list, name, predicate) => `any_match(${list}, ${name} -> ${predicate})`,
  distinct: (list) => `array_distinct(${list})`,
  size: (list) => `cardinality(${list})`,
  contains: (list, value) => `contains(${list}, ${value})`,
  concat: (a, b) => `concat(${a}, coalesce(${b}, ARRAY[]))`,
};

/** Fields the documented table lacks: a Datadog export's names, and onBehalfOf (absent from older tables). */
const NOT_IN_TABLE = new Set(['userIdentity.assumed_role', 'userIdentity.session_name', 'userIdentity.onBehalfOf.userId']);
const JSON_TEXT = /^(requestParameters|responseElements)\.(.+)$/;

const DAY_MS = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '/');
const iso = (ms: number) => `from_iso8601_timestamp(${sqlString(new Date(ms).toISOString())})`;

const athenaDialect: Dialect = {
  ...trinoFunctions,
  text: (path) => {
    if (NOT_IN_TABLE.has(path)) return undefined;
    const json = JSON_TEXT.exec(path);
    if (json) return `json_extract_scalar(${json[1].toLowerCase()}, ${sqlString(trinoJsonPath(json[2]))})`;
    return path.toLowerCase();
  },
  resourceArns: () => 'transform(resources, res -> res.arn)',
  matchesWithin: (top, token) => `coalesce(regexp_extract_all(${top.toLowerCase()}, ${sqlString(token)}, 1), ARRAY[])`,
  // The SerDe writes the JSON boolean, or the string, as 'true' / 'false'.
  readOnly: (flag) => `readonly = ${sqlString(String(flag))}`,
  timeWindow: (since, until) => {
    const out: string[] = [];
    if (since !== undefined) out.push(`from_iso8601_timestamp(eventtime) >= ${iso(since)}`);
    if (until !== undefined) out.push(`from_iso8601_timestamp(eventtime) < ${iso(until)}`);
    return out;
  },
};

/**
 * The delivery days to read, as `kmstrail filter s3://…` lists them (src/sources/s3-source.ts
 * dayFolders): files are foldered by delivery day, on or after the event's day, so from the day of
 * --since to the day after --until (files delivered past midnight); either bound may be absent.
 */
function partitionDays(column: string, since: number | undefined, until: number | undefined): string[] {
  const last = until === undefined ? undefined : sqlString(day(until - 1 + DAY_MS));
  if (since === undefined) return last === undefined ? [] : [`${sqlIdentifier(column)} <= ${last}`];
  const first = sqlString(day(since));
  if (last === undefined) return [`${sqlIdentifier(column)} >= ${first}`];
  return [`${sqlIdentifier(column)} BETWEEN ${first} AND ${last}`];
}

export function athenaQuery(spec: FilterSpec, options: AthenaOptions): string {
  const inputs = options.partitionColumn === undefined ? [] : partitionDays(options.partitionColumn, spec.since, spec.until);
  return buildQuery(spec, athenaDialect, { select: '*', from: sqlQualifiedName(options.table), inputs });
}
