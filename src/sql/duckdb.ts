/**
 * DuckDB over local CloudTrail delivery files (`{"Records":[...]}`, .json or .json.gz; DuckDB
 * reads gzip itself). Each record stays one JSON value, because trails do not agree on field
 * types (readOnly is a boolean or a string, requestParameters anything), which a schema inferred
 * by read_json would either reject or coerce.
 */
import type { FilterSpec } from '../filters/filter-spec.js';
import { buildQuery, JS_WHITESPACE, trimmed, type Dialect } from './conditions.js';
import { sqlString } from './quote.js';

export interface DuckdbOptions {
  /** Files or DuckDB globs, written into the query as they are. */
  paths: readonly string[];
}

/** A JSON path string for json_type / ->>: a key that is no plain identifier (S3's `x-amz-...` headers) quoted. */
const jsonPath = (path: string) => sqlString(`$${path.split('.').map((key) => (/^[A-Za-z_]\w*$/.test(key) ? `.${key}` : `."${key}"`)).join('')}`);

/** A string at `path` of a JSON value, NULL when absent or of another type (typeof === 'string'). */
function stringAt(json: string, path: string): string {
  const p = jsonPath(path);
  return `(CASE WHEN json_type(${json}, ${p}) = 'VARCHAR' THEN ${json}->>${p} END)`;
}

/** src/cloudtrail/event-time.ts EVENT_TIME, between blanks as JavaScript's trim() takes them. */
const EVENT_TIME = `^${JS_WHITESPACE}*[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?${JS_WHITESPACE}*\\z`;

const timestamp = (ms: number) => `TIMESTAMPTZ ${sqlString(new Date(ms).toISOString().replace('T', ' ').replace('Z', '+00'))}`;

export const duckdbDialect: Dialect = {
  text: (path) => stringAt('record', path),
  regexLike: (value, regex) => `regexp_matches(${value}, ${sqlString(regex)})`,
  array: (items) => `[${items.join(', ')}]`,
  transform: (list, name, body) => `list_transform(${list}, lambda ${name}: ${body})`,
  filter: (list, name, predicate) => `list_filter(${list}, lambda ${name}: ${predicate})`,
  anyMatch: (list, name, predicate) => `len(list_filter(${list}, lambda ${name}: ${predicate})) > 0`,
  distinct: (list) => `list_distinct(${list})`,
  size: (list) => `len(${list})`,
  contains: (list, value) => `list_contains(${list}, ${value})`,
  // list_concat takes a NULL list as empty.
  concat: (a, b) => `list_concat(${a}, ${b})`,
  resourceArns: () => {
    // `resource.ARN ?? resource.arn`: the lower-case key only when ARN is missing or null.
    const arn = `CASE WHEN coalesce(json_type(res, '$.ARN'), 'NULL') = 'NULL' THEN ${stringAt('res', 'arn')} ELSE ${stringAt('res', 'ARN')} END`;
    return `(CASE WHEN json_type(record, '$.resources') = 'ARRAY' THEN list_transform(CAST(record->'$.resources' AS JSON[]), lambda res: ${arn}) END)`;
  },
  matchesWithin: (top, token) => `coalesce(regexp_extract_all(CAST(record->${jsonPath(top)} AS VARCHAR), ${sqlString(token)}, 1), [])`,
  // ->> gives 'true' for both true and "true", the two spellings the local filter accepts.
  readOnly: (flag) => `(record->>'$.readOnly') = ${sqlString(String(flag))}`,
  timeWindow: (since, until) => {
    if (since === undefined && until === undefined) return [];
    // Only what parseEventTime reads (src/cloudtrail/event-time.ts): DuckDB's cast also takes a
    // date alone, or a zone's name, which the local filter counts as no time. Trimmed as there, in
    // capitals (it reads `t` and `z`), and a time without a zone is UTC, as locally: add the Z rather
    // than let DuckDB's TimeZone decide.
    const raw = stringAt('record', 'eventTime');
    const trimmedTime = `upper(${trimmed(raw)})`;
    // Seconds may be left out there too (`10:00Z`), which the cast does not take.
    const withSeconds = `regexp_replace(${trimmedTime}, '^([0-9-]+[T ][0-9]{2}:[0-9]{2})(Z|[+-]|\\z)', '\\1:00\\2')`;
    const time =
      `(CASE WHEN regexp_matches(${raw}, ${sqlString(EVENT_TIME)}) ` +
      `THEN TRY_CAST(regexp_replace(${withSeconds}, '^([0-9-]+[T ][0-9:.]+)\\z', '\\1Z') AS TIMESTAMPTZ) END)`;
    const out: string[] = [];
    if (since !== undefined) out.push(`${time} >= ${timestamp(since)}`);
    if (until !== undefined) out.push(`${time} < ${timestamp(until)}`);
    return out;
  },
};

export function duckdbQuery(spec: FilterSpec, options: DuckdbOptions): string {
  if (options.paths.length === 0) throw new Error('duckdb needs at least one path');
  const files = `[${options.paths.map(sqlString).join(', ')}]`;
  // maximum_object_size: a delivery file is one JSON object, often over DuckDB's 16 MB default.
  const from =
    `(\n  SELECT unnest(Records) AS record\n` +
    `  FROM read_json(${files}, columns = {Records: 'JSON[]'}, maximum_object_size = 1073741824)\n)`;
  return buildQuery(spec, duckdbDialect, { select: 'record', from });
}
