/**
 * What the rules look at: a compact summary of one KMS record, built once per record. The engine
 * holds thousands of these to put events in time order, so it keeps only the few fields rules ask
 * about (never the record, never a policy document: a policy becomes its findings here).
 */
import { parseEventTime } from '../cloudtrail/event-time.js';
import { keyReferences, type KeyReference } from '../cloudtrail/key-reference.js';
import { allowedAccounts, openStatements, readKeyPolicy, statementPhrase } from '../cloudtrail/key-policy.js';
import { principalAccount, shortPrincipal } from '../cloudtrail/principal.js';
import { renderChain, type Origin } from '../cloudtrail/origins.js';
import { errorCode, isObject, text, type JsonObject } from '../cloudtrail/record.js';
import { jsonText } from '../util/deep-json.js';

/** The origin facts rules read, kept on the event (not the chain's identities, which can be long). */
export interface OriginFacts {
  kind: string;
  /** The long-term identity (an ARN, a subject, a service). */
  identity: string;
  label: string;
  account?: string;
  /** `alice → Admin → BreakGlass`. */
  chain: string;
  /** Links between the identity and the record's own principal: 0 for the identity itself. */
  hops: number;
}

/** The few facts of an origin the rules read. */
export function originFacts(origin: Origin): OriginFacts {
  return {
    kind: origin.kind,
    identity: origin.identity,
    label: origin.label,
    account: origin.account,
    chain: renderChain(origin),
    hops: Math.max(0, origin.chain.length - 1),
  };
}

export interface PolicyFindings {
  /** Why the policy could not be read; the other fields are then empty. */
  error?: string;
  /** Statements open to any principal without a restricting condition, as phrases. */
  open: string[];
  /** Accounts the policy allows. */
  accounts: string[];
}

export interface KmsEvent {
  /** ms since the epoch; undefined when eventTime is missing or unreadable. */
  time: number | undefined;
  /** eventTime as written (made ISO 8601 only for hits: formatting every event costs). */
  eventTime: string;
  eventName: string;
  eventId?: string;
  region?: string;
  errorCode?: string;
  /** For reasons: the principal's ARN, else its short name (service, user name). */
  principal: string;
  /** Who stands behind the principal: the role for a role session (sessions come and go), else `principal`. */
  identity: string;
  principalType?: string;
  principalAccount?: string;
  /** Lower-cased ARN, role ARN and principal ID: the names a grant may give this principal. */
  principalIds: string[];
  /** The key's identity for state: key ID (lower case), else alias name. */
  keyId?: string;
  /** For reasons: the key ARN when the record gives it, else what it gives. */
  key: string;
  /** The account owning the key: from a key ARN, else the key resource, else recipientAccountId. */
  keyAccount?: string;
  /**
   * Every key the call names by ID or ARN, the one above first: a ReEncrypt reads with its source
   * key and writes with its destination, and either may be another account's.
   */
  keys: KeyFacts[];
  pendingWindowInDays?: string;
  bypassLockoutCheck: boolean;
  policy?: PolicyFindings;
  grantee?: string;
  grantOperations: string[];
  expirationModel?: string;
  /** Decrypt: the encryption context as text, and its key names (what kind of thing was opened). */
  decryptContext?: { kind: string; text: string };
  /** Who is behind the session, when the run followed sessions back (see origin-rules.ts). */
  origin?: OriginFacts;
  file?: string;
  line?: number;
}

const KMS_KEY_ARN = /^arn:[a-z-]+:kms:[^:]*:(\d{12}):key\//;

export type KeyFacts = Pick<KmsEvent, 'keyId' | 'key' | 'keyAccount'>;

/** The key a record is about (its identity for state, the name to show, and the owning account), and every key it names. */
export function keyFacts(record: JsonObject): KeyFacts & { keys: KeyFacts[] } {
  const refs = keyReferences(record);
  const ids = [...new Set(refs.flatMap((r) => (r.keyId ? [r.keyId] : [])))];
  if (ids.length === 0) {
    const alias = refs.find((r) => r.alias)?.alias;
    const only = { keyId: alias, key: alias ?? '', keyAccount: keyAccountOf(record, refs, undefined) };
    return { ...only, keys: alias ? [only] : [] };
  }
  const keys = ids.map((id) => factsOfKey(record, refs, id));
  return { ...keys[0], keys };
}

function factsOfKey(record: JsonObject, refs: readonly KeyReference[], keyId: string): KeyFacts {
  const byId = refs.find((r) => r.keyId === keyId)!;
  const arn = refs.find((r) => r.keyId === keyId && r.given.startsWith('arn:'));
  return { keyId, key: arn?.given ?? byId.given, keyAccount: keyAccountOf(record, refs, keyId) };
}

/** Whose key `keyId` is (undefined: the key a record names by alias only): its ARN, a key resource, else the recipient. */
function keyAccountOf(record: JsonObject, refs: readonly KeyReference[], keyId: string | undefined): string | undefined {
  // keyReferences gives bare IDs the record's account too; only an ARN says whose key it is.
  const arn = keyId === undefined ? undefined : refs.find((r) => r.keyId === keyId && r.given.startsWith('arn:'));
  let keyAccount = arn?.account;
  if (!keyAccount && Array.isArray(record.resources)) {
    for (const resource of record.resources) {
      const account = text(resource, 'accountId');
      const arnText = text(resource, 'ARN') ?? text(resource, 'arn') ?? '';
      const keyResource = text(resource, 'type') === 'AWS::KMS::Key' || KMS_KEY_ARN.test(arnText);
      // A resource naming another key is that key's: only one naming no key or this one says.
      if (account && keyResource && (keyId === undefined || !KMS_KEY_ARN.test(arnText) || arnText.toLowerCase().endsWith(`/${keyId}`))) {
        keyAccount = account;
        break;
      }
    }
  }
  return keyAccount ?? text(record, 'recipientAccountId');
}

/**
 * A Decrypt's encryption context as `key=value` pairs in key order. An S3 object's context is cut
 * to its bucket: reading many SSE-KMS objects of one bucket is one thing opened, not many.
 */
function decryptContext(params: JsonObject): KmsEvent['decryptContext'] {
  const context = params.encryptionContext;
  if (!isObject(context)) return undefined;
  const keys = Object.keys(context).sort();
  if (keys.length === 0) return undefined;
  const pairs = keys.map((k) => {
    let v = context[k];
    if (k === 'aws:s3:arn' && typeof v === 'string') v = v.replace(/^(arn:[^:]+:s3:::[^/]+)\/.*$/, '$1');
    return `${k}=${typeof v === 'string' ? v : jsonText(v)}`;
  });
  return { kind: keys.join(','), text: pairs.join(' ') };
}

function policyFindings(value: unknown): PolicyFindings | undefined {
  const reading = readKeyPolicy(value);
  if (!reading) return undefined;
  if (!reading.ok) return { error: reading.error, open: [], accounts: [] };
  const phrases = openStatements(reading.statements).map((s) => cutPhrase((s.sid ? `"${s.sid}": ` : '') + statementPhrase(s)));
  // The reason quotes them: a policy is the caller's text, and a 100,000-character Sid made every
  // hit line, and the report's detections, that long.
  const open = phrases.length > MAX_OPEN_QUOTED ? [...phrases.slice(0, MAX_OPEN_QUOTED), `and ${phrases.length - MAX_OPEN_QUOTED} more`] : phrases;
  return { open, accounts: allowedAccounts(reading.statements) };
}

const MAX_OPEN_QUOTED = 10;
const MAX_PHRASE = 300;

function cutPhrase(phrase: string): string {
  return phrase.length > MAX_PHRASE ? `${phrase.slice(0, MAX_PHRASE - 1)}…` : phrase;
}

/** Who made the call, for reasons and hits: the principal's ARN, else its short name. */
export function principalOf(record: JsonObject): string {
  return text(record, 'userIdentity', 'arn') || shortPrincipal(record) || 'unknown principal';
}

export function kmsEvent(record: JsonObject, origin?: { file: string; line: number }): KmsEvent {
  const identity = isObject(record.userIdentity) ? record.userIdentity : {};
  const params = isObject(record.requestParameters) ? record.requestParameters : {};
  const arn = text(identity, 'arn');
  const issuer = text(identity, 'sessionContext', 'sessionIssuer', 'arn');
  const ids = [arn, issuer, text(identity, 'principalId')];
  const principal = principalOf(record);
  const eventName = text(record, 'eventName') ?? '';
  const pending = params.pendingWindowInDays;
  return {
    time: parseEventTime(record.eventTime),
    eventTime: text(record, 'eventTime') ?? '',
    eventName,
    eventId: text(record, 'eventID'),
    region: text(record, 'awsRegion'),
    errorCode: errorCode(record),
    principal,
    identity: issuer || principal,
    principalType: text(identity, 'type'),
    principalAccount: principalAccount(record),
    principalIds: ids.filter((v): v is string => !!v).map((v) => v.toLowerCase()),
    ...keyFacts(record),
    pendingWindowInDays: typeof pending === 'number' || typeof pending === 'string' ? String(pending) : undefined,
    bypassLockoutCheck: params.bypassPolicyLockoutSafetyCheck === true || params.bypassPolicyLockoutSafetyCheck === 'true',
    policy: eventName === 'PutKeyPolicy' || eventName === 'CreateKey' ? policyFindings(params.policy) : undefined,
    grantee: text(params, 'granteePrincipal'),
    grantOperations: Array.isArray(params.operations) ? params.operations.filter((o): o is string => typeof o === 'string') : [],
    expirationModel: text(params, 'expirationModel'),
    decryptContext: eventName === 'Decrypt' ? decryptContext(params) : undefined,
    file: origin?.file,
    line: origin?.line,
  };
}
