/**
 * The WHERE clause of `kmstrail sql`, dialect-neutral: one condition per FilterSpec part, each the
 * SQL twin of the same part of src/filters/record-filter.ts (read that file for the semantics; the
 * comments here say only where SQL needs care to agree with it). A Dialect says where each
 * CloudTrail field lives in its schema and spells the few things engines spell differently;
 * the rest (lower, LIKE … ESCAPE, regexp_extract, strpos, substr, nullif, TRY_CAST) is the same in
 * Trino (Athena, CloudTrail Lake) and DuckDB. Regular expressions are written for RE2 and Java
 * syntax alike, and are always anchored with `^` and `\z` (Java's `$` also matches before a final
 * newline, JavaScript's does not).
 */
import { KMS_SOURCE } from '../cloudtrail/events.js';
import { KEY_FIELDS, namesAliases, type KeyReference } from '../cloudtrail/key-reference.js';
import { emptyFilterSpec, type FilterSpec } from '../filters/filter-spec.js';
import { normaliseAddress } from '../filters/source-ip.js';
import { isGlob } from '../util/text-pattern.js';
import { splitExclusions } from '../util/value-filter.js';
import { LIKE_ESCAPE, likePattern, sqlString } from './quote.js';

export interface Dialect {
  /**
   * The string at a CloudTrail JSON path such as `userIdentity.arn`: NULL when it is absent or
   * not a string. Undefined when the dialect's schema has no such column.
   */
  text(path: string): string | undefined;
  /** True when `regex` finds a match in `value` (a search, not a full match). */
  regexLike(value: string, regex: string): string;
  array(items: string[]): string;
  /** The list with `body` (an expression over `name`) applied to each element. */
  transform(list: string, name: string, body: string): string;
  /** The elements for which `predicate` (over `name`) is true. */
  filter(list: string, name: string, predicate: string): string;
  /** True when `predicate` (over `name`) holds for some element; never true for an empty or NULL list. */
  anyMatch(list: string, name: string, predicate: string): string;
  distinct(list: string): string;
  size(list: string): string;
  contains(list: string, value: string): string;
  /** `a` then `b`; a NULL `b` counts as empty. */
  concat(a: string, b: string): string;
  /** The record's `resources[].ARN` (or `.arn`) values, as a list (NULL when there are none). */
  resourceArns(): string;
  /**
   * Group 1 of every match of `token` in the JSON text of `top` (requestParameters or
   * responseElements), as a list (empty or NULL when there is none). `whole` matches one string in
   * full: where a schema keeps the top level of `top` as a map of plain strings (CloudTrail Lake),
   * those strings and the map's keys are matched with it, and nested values (JSON text) with
   * `token`.
   */
  matchesWithin(top: 'requestParameters' | 'responseElements', token: string, whole: string): string;
  readOnly(flag: boolean): string;
  /** Conditions for the time window: since inclusive, until exclusive (ms since the epoch). */
  timeWindow(since: number | undefined, until: number | undefined): string[];
}

/** A filter the dialect cannot express exactly; the command reports it as a usage error. */
export class SqlLimitation extends Error {}

/** JavaScript's `.` without the `s` flag: anything but a line terminator. */
const LINE = '[^\\n\\r\\x{2028}\\x{2029}]';
/**
 * JavaScript's `\s`, which is what String.prototype.trim removes: tab to carriage return, the
 * Unicode separators (Zs, line and paragraph) and the BOM. test/unit/sql-quote.test.ts checks.
 */
export const JS_WHITESPACE = '[\\t-\\r\\p{Z}\\x{FEFF}]';
const TRIM = `^${JS_WHITESPACE}*([\\s\\S]*?)${JS_WHITESPACE}*\\z`;

// src/cloudtrail/key-reference.ts KMS_ARN, split by kind; group 1 region, 2 account, 3 name. In
// any case, as there (`ARN:AWS:KMS:...`); what it takes from them is compared as it does.
const KMS_ARN = `(?i)^arn:[a-z-]+:kms:[^:]*:[^:]*:(key|alias)/${LINE}+\\z`;
const KEY_ARN = `(?i)^arn:[a-z-]+:kms:([^:]*):([^:]*):key/(${LINE}+)\\z`;
const ALIAS_ARN = `(?i)^arn:[a-z-]+:kms:([^:]*):([^:]*):alias/(${LINE}+)\\z`;
// src/cloudtrail/key-reference.ts WRITTEN_KMS_ARN: whole, and as a string token in JSON text. Its
// characters are never escaped in JSON, and a quote after one of `[{,:` or a blank is a real quote
// (in a string a quote is escaped, and a string that ends in one of them is followed by no
// letter), so a match is a whole string of the JSON, a key or a value, as the local walk reads it.
const WRITTEN_ARN = 'arn:[a-z-]+:kms:[a-z0-9-]*:[0-9]*:(?:key|alias)/[A-Za-z0-9/_-]+';
const WRITTEN_ARN_WHOLE = `^${WRITTEN_ARN}\\z`;
const WRITTEN_ARN_TOKEN = `(?:^|[\\[{,: \\t\\n\\r])"(${WRITTEN_ARN})"`;
// src/cloudtrail/principal.ts: session name and role from an ARN, account from an ARN.
const SESSION_FROM_ARN = `:(?:assumed-role/[^/]+|federated-user)/(${LINE}+)\\z`;
const ROLE_FROM_ARN = ':assumed-role/([^/]+)/';
const ACCOUNT_FROM_ARN = '^arn:[^:]*:[^:]*:[^:]*:([0-9]{12}):';
// src/filters/source-ip.ts: trimmed, four 1–3 digit parts (leading zeros allowed), each at most 255.
const OCTET = '([0-9]{1,2}|[01][0-9]{2}|2[0-4][0-9]|25[0-5])';
const IPV4 = `^${JS_WHITESPACE}*${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}${JS_WHITESPACE}*\\z`;

const str = sqlString;
const or = (parts: string[]) => (parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`);
const and = (parts: string[]) => (parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`);
const extract = (value: string, regex: string, group: number) => `regexp_extract(${value}, ${str(regex)}, ${group})`;
/** What JavaScript's trim() leaves of a string. */
export const trimmed = (value: string) => extract(value, TRIM, 1);

/** Case-insensitive literals and `*`/`?` globs, as src/filters/text-pattern.ts compares them. */
export function matchText(value: string, patterns: readonly string[]): string {
  const literals = [...new Set(patterns.filter((p) => !isGlob(p)).map((p) => p.toLowerCase()))];
  const parts: string[] = [];
  if (literals.length === 1) parts.push(`lower(${value}) = ${str(literals[0])}`);
  if (literals.length > 1) parts.push(`lower(${value}) IN (${literals.map(str).join(', ')})`);
  for (const glob of patterns.filter(isGlob)) {
    parts.push(`lower(${value}) LIKE ${str(likePattern(glob.toLowerCase()))} ESCAPE ${str(LIKE_ESCAPE)}`);
  }
  return or(parts);
}

/** Only a glob of stars matches the empty string, which the local filter never offers as a name or code. */
const matchesEmpty = (patterns: readonly string[]) => patterns.some((p) => /^\*+$/.test(p));

function required(d: Dialect, path: string): string {
  const expr = d.text(path);
  if (expr === undefined) throw new Error(`dialect has no column for ${path}`);
  return expr;
}

/** src/cloudtrail/principal.ts principalNames, as expressions; the ones a schema lacks are left out. */
function principalNames(d: Dialect): string[] {
  const id = (field: string) => d.text(`userIdentity.${field}`);
  const issuer = (field: string) => d.text(`userIdentity.sessionContext.sessionIssuer.${field}`);
  const arn = required(d, 'userIdentity.arn');
  const type = required(d, 'userIdentity.type');
  const principalId = required(d, 'userIdentity.principalId');
  const zipSession = id('session_name');
  // The first that exists: from the ARN, the export's session_name, after the principal ID's colon.
  const session = [
    `nullif(${extract(arn, SESSION_FROM_ARN, 1)}, '')`,
    ...(zipSession ? [`nullif(${zipSession}, '')`] : []),
    `CASE WHEN ${type} = 'AssumedRole' AND strpos(${principalId}, ':') > 0 THEN substr(${principalId}, strpos(${principalId}, ':') + 1) END`,
  ];
  const names = [
    arn, id('userName'), principalId, id('accessKeyId'), id('invokedBy'), id('assumed_role'),
    issuer('arn'), issuer('userName'), issuer('principalId'),
    `coalesce(${session.join(', ')})`,
    `nullif(${extract(arn, ROLE_FROM_ARN, 1)}, '')`,
    `CASE WHEN ${type} = 'Root' THEN 'root' END`,
    id('onBehalfOf.userId'),
  ];
  return names.filter((n): n is string => n !== undefined);
}

function principalAccount(d: Dialect): string {
  const account = required(d, 'userIdentity.accountId');
  return `coalesce(nullif(${account}, ''), nullif(${extract(required(d, 'userIdentity.arn'), ACCOUNT_FROM_ARN, 1)}, ''))`;
}

/** Either '' (an ARN without one) or the wanted value: src/cloudtrail/key-reference.ts sameKey. */
const emptyOr = (expr: string, wanted: string) => `${expr} IN ('', ${str(wanted)})`;
/** A bare reference takes the record's region or account, when that is a non-empty string. */
const absentOr = (expr: string, wanted: string) => `(${expr} IS NULL OR ${emptyOr(expr, wanted)})`;

/** Does the trimmed reference `t` name the key or alias `wanted`? (parseKeyReference + sameKey) */
function sameKey(wanted: KeyReference, t: string, region: string, account: string): string {
  if (wanted.keyId !== undefined) {
    const id = wanted.keyId;
    // Replicas of a multi-Region key share its ID: a key ARN names the one in its region.
    const mrkRegion = id.startsWith('mrk-') && wanted.region ? wanted.region : undefined;
    const arn = [`lower(${extract(t, KEY_ARN, 3)}) = ${str(id)}`];
    if (mrkRegion) arn.push(emptyOr(`lower(${extract(t, KEY_ARN, 1)})`, mrkRegion));
    const bare = [`lower(${t}) = ${str(id)}`];
    // A value starting with these is read as an ARN or alias, never as a bare key ID.
    if (id.startsWith('arn:')) bare.push(`lower(${t}) NOT LIKE 'arn:%'`);
    if (id.startsWith('alias/')) bare.push(`lower(${t}) NOT LIKE 'alias/%'`);
    if (mrkRegion) bare.push(absentOr(region, mrkRegion));
    return or([and(arn), and(bare)]);
  }
  const alias = wanted.alias ?? '';
  const parts: string[] = [];
  const name = alias.slice('alias/'.length);
  if (name !== '') {
    // Alias names compare in any case, as sameKey does.
    const arn = [`lower(${extract(t, ALIAS_ARN, 3)}) = ${str(name.toLowerCase())}`];
    if (wanted.region) arn.push(emptyOr(`lower(${extract(t, ALIAS_ARN, 1)})`, wanted.region));
    if (wanted.account) arn.push(emptyOr(extract(t, ALIAS_ARN, 2), wanted.account));
    parts.push(and(arn));
  }
  const bare = [`lower(${t}) = ${str(alias.toLowerCase())}`];
  if (wanted.region) bare.push(absentOr(region, wanted.region));
  if (wanted.account) bare.push(absentOr(account, wanted.account));
  parts.push(and(bare));
  return or(parts);
}

/**
 * Every key reference of the record, trimmed (NULL where a field is absent): keyReferences. With
 * `otherSources` false, the rows are KMS's alone (the query's sources are), and the ARNs another
 * service's record names anywhere are left out of the query rather than tested on every row.
 */
function keyValues(d: Dialect, otherSources: boolean): string {
  const fields = d.transform(d.array(KEY_FIELDS.map((f) => required(d, f))), 'v', trimmed('v'));
  // A resource counts only when its ARN, as written, is a KMS ARN.
  const resources = d.transform(d.resourceArns(), 'a', `CASE WHEN ${d.regexLike('a', KMS_ARN)} THEN ${trimmed('a')} END`);
  if (!otherSources) return d.concat(fields, resources);
  const within = (top: 'requestParameters' | 'responseElements') => d.matchesWithin(top, WRITTEN_ARN_TOKEN, WRITTEN_ARN_WHOLE);
  const written = `CASE WHEN lower(coalesce(${required(d, 'eventSource')}, '')) <> ${str(KMS_SOURCE)} THEN ${d.concat(within('requestParameters'), within('responseElements'))} END`;
  return d.concat(d.concat(fields, written), resources);
}

/** Can rows of another source than KMS pass the query's source condition? */
function otherSourcesIn(spec: FilterSpec): boolean {
  // An exclusion only narrows what the includes let through.
  const { include } = splitExclusions(spec.sources);
  return !(include.length > 0 && include.every((p) => p.toLowerCase() === KMS_SOURCE));
}

/** The key ID a trimmed reference names (a bare ID or a key ARN), else NULL. */
function keyIdOf(t: string): string {
  return (
    `CASE WHEN lower(${t}) LIKE 'arn:%' THEN lower(nullif(${extract(t, KEY_ARN, 3)}, '')) ` +
    `WHEN ${t} = '' OR lower(${t}) LIKE 'alias/%' THEN NULL ELSE lower(${t}) END`
  );
}

/** Binds `value` to `name` within `body`: a one-element list, transformed, then its element. */
const bind = (d: Dialect, value: string, name: string, body: string) => `${d.transform(d.array([value]), name, body)}[1]`;

/**
 * src/cli/alias-keys.ts: the key IDs a record shows a wanted alias naming. A successful CreateAlias
 * or UpdateAlias names its targetKeyId; any other record, its one key if it names exactly one.
 */
function aliasedKeyIds(d: Dialect, aliases: readonly KeyReference[]): string {
  const none = d.array([]);
  // A glob learns from the aliases it fits (keyWanted over an alias reference: its name or its text).
  const aliasNamed = (k: KeyReference) =>
    k.pattern !== undefined ? `(${aliasOf('t')} IS NOT NULL AND ${keyPattern(k.pattern, 't')})` : sameKey(k, 't', required(d, 'awsRegion'), required(d, 'recipientAccountId'));
  const names = or(aliases.map(aliasNamed));
  const target = required(d, 'requestParameters.targetKeyId');
  const targets = d.filter(d.transform('refs', 't', `CASE WHEN t = ${target} THEN ${keyIdOf('t')} END`), 'k', 'k IS NOT NULL');
  const ids = d.distinct(d.filter(d.transform('refs', 't', keyIdOf('t')), 'k', 'k IS NOT NULL'));
  const oneId = bind(d, ids, 'ids', `CASE WHEN ${d.size('ids')} = 1 THEN ids ELSE ${none} END`);
  // A failed alias change, DeleteAlias's too, tells nothing (aliasEvidence); a DeleteAlias that
  // went through tells the one key the alias named, as any other record does.
  const eventName = required(d, 'eventName');
  const learned =
    `CASE WHEN ${eventName} IN ('CreateAlias', 'UpdateAlias', 'DeleteAlias') AND ${required(d, 'errorCode')} <> '' THEN ${none} ` +
    `WHEN ${eventName} IN ('CreateAlias', 'UpdateAlias') THEN ${targets} ELSE ${oneId} END`;
  // The first pass reads KMS's records alone, as filter's does (src/pipeline/alias-pass.ts).
  return bind(d, keyValues(d, otherSourcesIn(emptyFilterSpec())), 'refs', `CASE WHEN ${d.anyMatch('refs', 't', names)} THEN ${learned} ELSE ${none} END`);
}

/** Column of the alias pass: every key ID the inputs show a wanted alias naming. */
export const ALIASED_KEYS = 'aliased_keys';

/** The alias a trimmed reference names (`alias/x`, from a name or an alias ARN), else NULL. */
function aliasOf(t: string): string {
  // parseKeyReference reads `alias/` in any case, and writes it in lower case.
  return `CASE WHEN lower(${t}) LIKE 'alias/%' THEN 'alias/' || substr(${t}, 7) WHEN lower(${t}) LIKE 'arn:%:alias/%' THEN 'alias/' || ${extract(t, ALIAS_ARN, 3)} END`;
}

/** A glob or ID prefix (keyWanted in src/cloudtrail/key-reference.ts): the key ID, the alias or the text as written. */
function keyPattern(pattern: string, t: string): string {
  const like = (expr: string) => `lower(${expr}) LIKE ${str(likePattern(pattern))} ESCAPE ${str(LIKE_ESCAPE)}`;
  return `coalesce(${or([like(keyIdOf(t)), like(aliasOf(t)), like(t)])}, false)`;
}

function keyCondition(keys: readonly KeyReference[], d: Dialect, learned: boolean, otherSources: boolean): string {
  const region = required(d, 'awsRegion');
  const account = required(d, 'recipientAccountId');
  const named = (wanted: readonly KeyReference[]) => or(wanted.map((k) => (k.pattern !== undefined ? keyPattern(k.pattern, 't') : sameKey(k, 't', region, account))));
  const included = keys.filter((k) => !k.exclude);
  const excluded = keys.filter((k) => k.exclude);
  const parts: string[] = [];
  if (included.length > 0) {
    // Like filter, `--key alias/x` also takes the keys the alias was seen naming (src/cli/alias-keys.ts).
    const predicate = learned ? `${named(included)} OR ${d.contains(ALIASED_KEYS, keyIdOf('t'))}` : named(included);
    parts.push(d.anyMatch(keyValues(d, otherSources), 't', predicate));
  }
  if (excluded.length > 0) parts.push(`NOT coalesce(${d.anyMatch(keyValues(d, otherSources), 't', named(excluded))}, false)`);
  return and(parts);
}

/**
 * `!x` values leave rows out (src/util/value-filter.ts): the includes, and none of the excludes. A
 * row without the value is never left out by it (NULL counts as no match).
 */
function withExclusions(values: readonly string[], match: (patterns: string[]) => string): string | undefined {
  const { include, exclude } = splitExclusions(values);
  const parts: string[] = [];
  if (include.length > 0) parts.push(match(include));
  if (exclude.length > 0) parts.push(`NOT coalesce(${match(exclude)}, false)`);
  return parts.length > 0 ? and(parts) : undefined;
}

/** IPv4 as a number; NULL for anything else (service names, IPv6, 256.1.1.1). */
function ipv4Number(value: string): string {
  const weights = [16777216, 65536, 256, 1];
  return weights.map((w, i) => `TRY_CAST(${extract(value, IPV4, i + 1)} AS BIGINT) * ${w}`).join(' + ');
}

function ipv4Range(pattern: string): string {
  const [address, prefix] = pattern.split('/');
  const parts = normaliseAddress(address).split('.').map(Number);
  const value = parts.reduce((n, part) => n * 256 + part, 0);
  if (prefix === undefined) return `n = ${value}`;
  const size = 2 ** (32 - Number(prefix));
  const low = Math.floor(value / size) * size;
  return `n BETWEEN ${low} AND ${low + size - 1}`;
}

function sourceIpCondition(patterns: readonly string[], d: Dialect): string {
  const v6 = patterns.find((p) => p.includes(':'));
  if (v6 !== undefined) {
    throw new SqlLimitation(
      `option --source-ip: '${v6}' is IPv6, which kmstrail sql cannot match exactly (addresses have many spellings); ` +
        'use IPv4 here, or kmstrail filter',
    );
  }
  return d.anyMatch(d.array([ipv4Number(required(d, 'sourceIPAddress'))]), 'n', or(patterns.map(ipv4Range)));
}

function conditions(spec: FilterSpec, d: Dialect, learned: boolean): string[] {
  const out: string[] = [];
  const push = (condition: string | undefined) => {
    if (condition !== undefined) out.push(condition);
  };
  push(withExclusions(spec.sources, (p) => matchText(required(d, 'eventSource'), p)));
  push(withExclusions(spec.events, (p) => matchText(required(d, 'eventName'), p)));
  out.push(...d.timeWindow(spec.since, spec.until));
  push(withExclusions(spec.regions, (p) => matchText(required(d, 'awsRegion'), p)));
  push(withExclusions(spec.accounts, (p) => `(${matchText(required(d, 'recipientAccountId'), p)} OR ${matchText(principalAccount(d), p)})`));
  push(withExclusions(spec.sourceIps, (p) => sourceIpCondition(p, d)));
  const error = required(d, 'errorCode');
  if (spec.errors === true) out.push(`${error} <> ''`);
  if (spec.errors === false) out.push(`(${error} IS NULL OR ${error} = '')`);
  push(withExclusions(spec.errorCodes, (p) => (matchesEmpty(p) ? `(${error} <> '' AND ${matchText(error, p)})` : matchText(error, p))));
  if (spec.readOnly !== undefined) out.push(d.readOnly(spec.readOnly));
  push(
    withExclusions(spec.users, (p) => {
      const match = matchText('n', p);
      return d.anyMatch(d.array(principalNames(d)), 'n', matchesEmpty(p) ? `n <> '' AND ${match}` : match);
    }),
  );
  if (spec.keys.length > 0) out.push(keyCondition(spec.keys, d, learned, otherSourcesIn(spec)));
  return out;
}

/** Where the records are, as each dialect names them. */
export interface QuerySource {
  /** What to select (`*`, `record`); `e.` is put before it when the source is joined as `e`. */
  select: string;
  from: string;
  /** Conditions that bound the inputs themselves (days read), which the alias pass shares. */
  inputs?: string[];
}

const lines = (conditions: readonly string[]) => (conditions.length > 0 ? `\nWHERE ${conditions.join('\n  AND ')}` : '');

/**
 * The query selecting what buildRecordFilter(spec) selects, plus, when `--key` names an alias,
 * what filter's first pass adds: a subquery over the same inputs collects the key IDs the alias
 * was seen naming, joined to every row as one list.
 */
export function buildQuery(spec: FilterSpec, d: Dialect, source: QuerySource): string {
  const excludedAlias = spec.keys.find((k) => k.exclude && namesAliases(k));
  if (excludedAlias) {
    throw new SqlLimitation(
      `option --key: '!${excludedAlias.given}' has no SQL form here (leaving out the keys ${excludedAlias.alias !== undefined ? 'an alias names' : 'the aliases it fits name'} takes kmstrail's first pass); ` +
        'name the key by ID or ARN, or use kmstrail filter',
    );
  }
  // An alias, or a glob that can fit alias names: filter learns their keys in a first pass.
  const aliases = spec.keys.filter(namesAliases);
  const where = [...(source.inputs ?? []), ...conditions(spec, d, aliases.length > 0)];
  // Rows in time order, ties by eventID: the same answer in the same order on every run, as
  // kmstrail timeline would list them (filter prints in input order, which SQL cannot know).
  const order = `\nORDER BY ${required(d, 'eventTime')}, ${required(d, 'eventID')}`;
  if (aliases.length === 0) return `SELECT ${source.select}\nFROM ${source.from}${lines(where)}${order}\n`;
  // filter's first pass: KMS records naming one of the aliases (that test is inside aliasedKeyIds).
  const pass = [...(source.inputs ?? []), ...conditions(emptyFilterSpec(), d, false)];
  const indent = (text: string) => text.replaceAll('\n', '\n  ');
  const subquery = indent(`SELECT flatten(array_agg(${aliasedKeyIds(d, aliases)})) AS ${ALIASED_KEYS}\nFROM ${source.from}${lines(pass)}`);
  return `SELECT e.${source.select}\nFROM ${source.from} AS e\nINNER JOIN (\n  ${subquery}\n) AS aliased ON true${lines(where)}${order}\n`;
}
