/**
 * CloudTrail Lake (Trino SQL over an event data store): eventTime a timestamp, readOnly a boolean,
 * requestParameters and responseElements maps of strings whose nested objects are JSON text,
 * resources an array of rows. The event data store ID is the table.
 */
import type { FilterSpec } from '../filters/filter-spec.js';
import { trinoFunctions, trinoJsonPath } from './athena.js';
import { buildQuery, type Dialect } from './conditions.js';
import { sqlString } from './quote.js';

export interface LakeOptions {
  /** Event data store ID, or its ARN. */
  eds: string;
}

/** The API's limit on a query statement. */
export const LAKE_QUERY_LIMIT = 10_000;

/** Fields Lake's schema lacks: a Datadog export's names, and onBehalfOf. */
const NOT_IN_SCHEMA = new Set(['userIdentity.assumed_role', 'userIdentity.session_name', 'userIdentity.onBehalfOf.userId']);
const MAP_FIELD = /^(requestParameters|responseElements)\.([^.]+)(?:\.(.+))?$/;

const timestamp = (ms: number) => `TIMESTAMP ${sqlString(new Date(ms).toISOString().replace('T', ' ').replace('Z', ''))}`;

const lakeDialect: Dialect = {
  ...trinoFunctions,
  text: (path) => {
    if (NOT_IN_SCHEMA.has(path)) return undefined;
    const map = MAP_FIELD.exec(path);
    if (!map) return path;
    const value = `element_at(${map[1]}, ${sqlString(map[2])})`;
    return map[3] === undefined ? value : `json_extract_scalar(${value}, ${sqlString(trinoJsonPath(map[3]))})`;
  },
  resourceArns: () => 'transform(resources, res -> res.arn)',
  // The map's keys and plain values are whole strings; a nested object or list is its JSON text.
  matchesWithin: (top, token, whole) =>
    `coalesce(concat(filter(map_keys(${top}), k -> regexp_like(k, ${sqlString(whole)})), ` +
    `filter(map_values(${top}), v -> regexp_like(v, ${sqlString(whole)})), ` +
    `flatten(transform(map_values(${top}), v -> coalesce(regexp_extract_all(v, ${sqlString(token)}, 1), ARRAY[])))), ARRAY[])`,
  readOnly: (flag) => `readOnly = ${String(flag)}`,
  timeWindow: (since, until) => {
    const out: string[] = [];
    if (since !== undefined) out.push(`eventTime >= ${timestamp(since)}`);
    if (until !== undefined) out.push(`eventTime < ${timestamp(until)}`);
    return out;
  },
};

/** The ID from an ID or an event data store ARN; undefined when it is neither. */
export function edsId(value: string): string | undefined {
  const id = /^arn:[a-z-]+:cloudtrail:[^:]*:\d{12}:eventdatastore\/(.+)$/.exec(value)?.[1] ?? value;
  // The ID goes into FROM unquoted, as Lake expects: only letters, digits and hyphens pass.
  return /^[A-Za-z0-9-]+$/.test(id) ? id : undefined;
}

export function lakeQuery(spec: FilterSpec, options: LakeOptions): string {
  const id = edsId(options.eds);
  if (id === undefined) throw new Error(`'${options.eds}' is not an event data store ID or ARN`);
  return buildQuery(spec, lakeDialect, { select: '*', from: id });
}
