/**
 * Key policies as CloudTrail records them: PutKeyPolicy and CreateKey carry the policy document in
 * `requestParameters.policy`, normally as a JSON *string* (some exports already hold it parsed).
 * This file reads it defensively and answers the questions the timeline and the rules ask: who
 * does it let in, and how to say it in one line. A policy that does not parse is a value, not an
 * exception: the caller reports it.
 */
import { describeJsonError } from '../util/json-error-text.js';
import { isObject, type JsonObject } from './record.js';

export interface PolicyCondition {
  operator: string;
  key: string;
  values: string[];
}

export interface PolicyStatement {
  sid?: string;
  effect: string;
  /** `[type, value]` pairs; a bare `"Principal": "*"` is `['*', '*']`. */
  principals: Array<[string, string]>;
  /** The statement names NotPrincipal: it applies to everyone except those. */
  notPrincipal: boolean;
  actions: string[];
  notAction: boolean;
  conditions: PolicyCondition[];
}

export type PolicyReading = { ok: true; statements: PolicyStatement[] } | { ok: false; error: string };

const strings = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');

function principalsOf(value: unknown): Array<[string, string]> {
  if (value === '*') return [['*', '*']];
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([type, v]) => strings(v).map((s): [string, string] => [type, s]));
}

function conditionsOf(value: unknown): PolicyCondition[] {
  if (!isObject(value)) return [];
  const out: PolicyCondition[] = [];
  for (const [operator, block] of Object.entries(value)) {
    if (!isObject(block)) continue;
    for (const [key, v] of Object.entries(block)) {
      const values = (Array.isArray(v) ? v : [v]).filter((x) => ['string', 'number', 'boolean'].includes(typeof x)).map(String);
      out.push({ operator, key, values });
    }
  }
  return out;
}

function statementOf(value: JsonObject): PolicyStatement {
  const notPrincipal = value.NotPrincipal !== undefined;
  const notAction = value.NotAction !== undefined;
  return {
    sid: typeof value.Sid === 'string' ? value.Sid : undefined,
    effect: typeof value.Effect === 'string' ? value.Effect : '',
    principals: principalsOf(notPrincipal ? value.NotPrincipal : value.Principal),
    notPrincipal,
    actions: strings(notAction ? value.NotAction : value.Action),
    notAction,
    conditions: conditionsOf(value.Condition),
  };
}

/** Reads `requestParameters.policy`; undefined when the record carries no policy at all. */
export function readKeyPolicy(value: unknown): PolicyReading | undefined {
  if (value === undefined || value === null) return undefined;
  let document: unknown = value;
  if (typeof value === 'string') {
    try {
      document = JSON.parse(value);
    } catch (error) {
      return { ok: false, error: `not valid JSON: ${describeJsonError(error)}` };
    }
  }
  if (!isObject(document)) return { ok: false, error: 'not a JSON object' };
  const statement = document.Statement;
  const list = Array.isArray(statement) ? statement : isObject(statement) ? [statement] : undefined;
  if (!list) return { ok: false, error: 'no Statement' };
  if (!list.every(isObject)) return { ok: false, error: 'a Statement entry is not an object' };
  return { ok: true, statements: list.map(statementOf) };
}

/**
 * Condition keys that pin a statement to known callers (accounts, organisations, ARNs, networks):
 * with one of these, a `"Principal": "*"` statement is not open to the world. kms:ViaService is
 * not among them: it names a path, and any account can call through that service.
 */
const RESTRICTING_KEYS = new Set(
  [
    'aws:PrincipalAccount', 'aws:PrincipalArn', 'aws:PrincipalOrgID', 'aws:PrincipalOrgPaths', 'aws:PrincipalServiceName',
    'aws:SourceAccount', 'aws:SourceArn', 'aws:SourceOrgID', 'aws:SourceOrgPaths', 'aws:SourceIp', 'aws:SourceVpc',
    'aws:SourceVpce', 'aws:userid', 'aws:username', 'kms:CallerAccount',
  ].map((k) => k.toLowerCase()),
);

/** Positive operators only: StringNotEquals or ...IfExists let callers without the value through. */
function restricts(condition: PolicyCondition): boolean {
  return (
    RESTRICTING_KEYS.has(condition.key.toLowerCase()) &&
    !/Not|IfExists$/i.test(condition.operator) &&
    condition.values.length > 0 &&
    !condition.values.includes('*')
  );
}

const isAllow = (s: PolicyStatement) => s.effect.toLowerCase() === 'allow';
const isEveryone = ([type, value]: [string, string]) => value === '*' && (type === '*' || type === 'AWS');

/** Allow statements that let any AWS principal in without a condition that restricts who. */
export function openStatements(statements: readonly PolicyStatement[]): PolicyStatement[] {
  return statements.filter(
    (s) => isAllow(s) && (s.notPrincipal || s.principals.some(isEveryone)) && !s.conditions.some(restricts),
  );
}

const ACCOUNT_IN_ARN = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/;

/** The accounts that Allow statements name: AWS principals (ARN or bare ID) and caller-account conditions. */
export function allowedAccounts(statements: readonly PolicyStatement[]): string[] {
  const accounts = new Set<string>();
  for (const s of statements) {
    if (!isAllow(s) || s.notPrincipal) continue;
    for (const [type, value] of s.principals) {
      if (type !== 'AWS') continue;
      const account = /^\d{12}$/.test(value) ? value : ACCOUNT_IN_ARN.exec(value)?.[1];
      if (account) accounts.add(account);
    }
    for (const c of s.conditions) {
      if (!restricts(c) || !['kms:calleraccount', 'aws:principalaccount'].includes(c.key.toLowerCase())) continue;
      for (const v of c.values) if (/^\d{12}$/.test(v)) accounts.add(v);
    }
  }
  return [...accounts];
}

/** One statement as a phrase: `Allow * kms:Decrypt when aws:PrincipalOrgID`. */
export function statementPhrase(s: PolicyStatement): string {
  const who = s.principals.map(([type, value]) => (type === 'AWS' || type === '*' ? value : `${type}:${value}`)).join(',') || '(none)';
  const what = s.actions.join(',') || '(none)';
  const keys = [...new Set(s.conditions.map((c) => c.key))];
  return (
    `${s.effect || '?'} ${s.notPrincipal ? `all but ${who}` : who} ${s.notAction ? `all but ${what}` : what}` +
    (keys.length > 0 ? ` when ${keys.join(',')}` : '')
  );
}

const MAX_DIGEST = 400;

/** The whole policy in one line for the timeline: `2 statements: Allow ...; Allow ...`. */
export function policyDigest(reading: PolicyReading): string {
  if (!reading.ok) return `policy unreadable (${reading.error})`;
  return phrasesDigest(reading.statements.map(statementPhrase));
}

/** Statements already made phrases (`statementPhrase`), in one line. */
export function phrasesDigest(phrases: readonly string[]): string {
  const n = phrases.length;
  const line = `${n} statement${n === 1 ? '' : 's'}: ${phrases.join('; ')}`;
  return line.length > MAX_DIGEST ? `${line.slice(0, MAX_DIGEST - 1)}…` : line;
}
