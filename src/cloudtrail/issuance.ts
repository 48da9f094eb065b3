/**
 * The calls that hand out temporary credentials, and what one of them says about the credentials it
 * issued. A role session's records carry only its access key (ASIA…); the STS call whose
 * `responseElements.credentials.accessKeyId` is that key says who asked for it. Following those
 * calls back, key by key, leads from a session to the identity behind it (origins.ts).
 *
 * Only STS calls are counted as issuers: they are the ones whose records carry the issued key.
 * IAM Identity Center's `sso:GetRoleCredentials` hands out role credentials too, but its records do
 * not carry them (credentials are not logged outside STS responses), so Identity Center sessions are
 * recognised by their `AWSReservedSSO_*` role instead (origins.ts). Cognito's
 * `GetCredentialsForIdentity` is left out until a real record shows whether it carries the key.
 * Adding an issuer is one entry in ISSUING_CALLS.
 */
import { parseEventTime } from './event-time.js';
import { errorCode, isObject, path, text, type JsonObject } from './record.js';

export const STS_SOURCE = 'sts.amazonaws.com';

/** The STS calls whose response holds new credentials. AssumeRoot (2024) issues a member account's root session. */
export const STS_ISSUING_EVENTS: ReadonlySet<string> = new Set([
  'AssumeRole',
  'AssumeRoleWithSAML',
  'AssumeRoleWithWebIdentity',
  'GetSessionToken',
  'GetFederationToken',
  'AssumeRoot',
]);

/** Issuing calls by event source. */
export const ISSUING_CALLS: ReadonlyMap<string, ReadonlySet<string>> = new Map([[STS_SOURCE, STS_ISSUING_EVENTS]]);

const ISSUING_NAMES: ReadonlySet<string> = new Set([...ISSUING_CALLS.values()].flatMap((names) => [...names]));

/**
 * Whether a record with these hot fields can be an issuing call, decided before it is parsed. A
 * missing field cannot rule a record out (the splitter may not have seen it); a present one can.
 * Only `issuanceOf` on the parsed record says whether it did issue something.
 */
export function isIssuingCall(eventSource: string | undefined, eventName: string | undefined): boolean {
  if (eventSource === undefined) return eventName === undefined || ISSUING_NAMES.has(eventName);
  const names = ISSUING_CALLS.get(eventSource);
  return names !== undefined && (eventName === undefined || names.has(eventName));
}

/**
 * The same test one hot field at a time, in the form of the reader's `prefilter` option (false: this
 * record cannot be an issuing call, skip it unparsed). Use with ISSUING_PREFILTER_FIELDS.
 */
export function mayBeIssuingCall(field: 'eventName' | 'eventSource' | 'eventTime', value: string): boolean {
  if (field === 'eventSource') return ISSUING_CALLS.has(value);
  if (field === 'eventName') return ISSUING_NAMES.has(value);
  return true;
}

export const ISSUING_PREFILTER_FIELDS: ReadonlyArray<'eventName' | 'eventSource'> = ['eventSource', 'eventName'];

const HOUR_MS = 3_600_000;

/** The longest issued credentials live: GetSessionToken and GetFederationToken for an IAM user, 129,600 s. */
export const MAX_CREDENTIAL_LIFETIME_MS = 36 * HOUR_MS;

/**
 * How long before a record the issuing calls of its chain can lie, for a first pass that must read
 * earlier than `--since`. A record's own key was issued at most 36 h before it. Each link further
 * back can add its caller's lifetime: the longest chain is a GetSessionToken session (36 h) that
 * assumed a role (12 h at most) and then chained `roleHops - 1` more roles (1 h each, the cap on
 * role chaining). Federation-token sessions cannot call STS, so they start no chain.
 */
export function issuanceLookbackMs(roleHops = 1): number {
  if (roleHops <= 0) return MAX_CREDENTIAL_LIFETIME_MS;
  return MAX_CREDENTIAL_LIFETIME_MS + 12 * HOUR_MS + (roleHops - 1) * HOUR_MS;
}

/** What a successful issuing call says about the credentials it handed out. */
export interface Issuance {
  /** The temporary access key it issued (ASIA…): the key the session's own records carry. */
  accessKeyId: string;
  /** The call that issued it: AssumeRole, AssumeRoleWithSAML, GetSessionToken, … */
  via: string;
  eventID?: string;
  eventTime?: string;
  /**
   * Who made the call: its `userIdentity`, cut down to the fields that name a principal (the shape
   * `principalNames` and `shortPrincipal` read), so the index keeps no more than it needs.
   */
  caller: JsonObject;
  /** The role asked for (AssumeRole*), or undefined. */
  roleArn?: string;
  /**
   * roleSessionName, or the federated user's name (GetFederationToken). With roleArn it names the
   * session (`assumedRoleUser.arn` is not kept: the session's own records carry it).
   */
  sessionName?: string;
  /** Set on this call, or carried from the caller's session (it cannot change along a chain). */
  sourceIdentity?: string;
  /** The SAML subject or the web identity token's `sub`. */
  subject?: string;
  /** The SAML provider ARN or the OpenID Connect provider. */
  provider?: string;
  /** When the credentials expire, in ms since the epoch, when the response says. */
  expiresAt?: number;
  /** The account the call was recorded in. */
  account?: string;
  /** The caller used console credentials (`sessionCredentialFromConsole`). */
  callerFromConsole?: true;
}

/** The issuance a record describes, or undefined when it issued nothing (another event, or a failed call). */
export function issuanceOf(record: JsonObject): Issuance | undefined {
  // Most records are not issuing calls: decide that on two plain reads before anything else.
  const source = record.eventSource;
  const via = record.eventName;
  if (typeof source !== 'string' || typeof via !== 'string') return undefined;
  const names = ISSUING_CALLS.get(source);
  if (names === undefined || !names.has(via) || errorCode(record) !== undefined) return undefined;
  const response = record.responseElements;
  const accessKeyId = text(response, 'credentials', 'accessKeyId');
  if (!accessKeyId) return undefined;
  const request = record.requestParameters;
  // One literal with every field, so each issuance has the same compact shape in the index.
  return {
    accessKeyId,
    via,
    eventID: text(record, 'eventID'),
    eventTime: text(record, 'eventTime'),
    caller: callerIdentity(record.userIdentity),
    roleArn: text(request, 'roleArn') || undefined,
    sessionName: text(request, 'roleSessionName') || text(request, 'name') || undefined,
    sourceIdentity:
      text(response, 'sourceIdentity') ||
      text(request, 'sourceIdentity') ||
      text(record.userIdentity, 'sessionContext', 'sourceIdentity') ||
      undefined,
    subject: text(response, 'subject') || text(response, 'subjectFromWebIdentityToken') || undefined,
    provider: text(request, 'principalArn') || text(response, 'provider') || text(request, 'providerId') || undefined,
    expiresAt: parseCredentialExpiration(path(response, 'credentials', 'expiration')) ?? askedExpiry(record, request),
    account: text(record, 'recipientAccountId') || undefined,
    callerFromConsole: fromConsole(record) ? true : undefined,
  };
}

/** The record was made with credentials of a console sign-in (a top-level field since 2022). */
export function fromConsole(record: JsonObject): boolean {
  const flag = record.sessionCredentialFromConsole;
  return flag === true || flag === 'true';
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * A `userIdentity` cut down to what names the principal: no attributes, no web-identity data. Keeps
 * the session issuer, source identity and Identity Center `onBehalfOf`, which do name someone.
 * Absent fields are undefined (one shape for all: it keeps the index compact).
 */
export function callerIdentity(identity: unknown): JsonObject {
  if (!isObject(identity)) return {};
  const context = identity.sessionContext;
  const issuer = isObject(context) ? context.sessionIssuer : undefined;
  const onBehalfOf = identity.onBehalfOf;
  return {
    type: str(identity.type),
    principalId: str(identity.principalId),
    arn: str(identity.arn),
    accountId: str(identity.accountId),
    accessKeyId: str(identity.accessKeyId),
    userName: str(identity.userName),
    invokedBy: str(identity.invokedBy),
    identityProvider: str(identity.identityProvider),
    // the zip export's names for the role and session
    assumed_role: str(identity.assumed_role),
    session_name: str(identity.session_name),
    sessionContext: isObject(context)
      ? {
          sessionIssuer: isObject(issuer)
            ? {
                type: str(issuer.type),
                principalId: str(issuer.principalId),
                arn: str(issuer.arn),
                accountId: str(issuer.accountId),
                userName: str(issuer.userName),
              }
            : undefined,
          sourceIdentity: str(context.sourceIdentity),
        }
      : undefined,
    onBehalfOf: isObject(onBehalfOf) ? { userId: str(onBehalfOf.userId), identityStoreArn: str(onBehalfOf.identityStoreArn) } : undefined,
  };
}

/** With no expiration in the response: the call's time plus the `durationSeconds` it asked for. */
function askedExpiry(record: JsonObject, request: unknown): number | undefined {
  const seconds = isObject(request) ? request.durationSeconds : undefined;
  const issuedAt = parseEventTime(record.eventTime);
  const asked = typeof seconds === 'number' ? seconds : typeof seconds === 'string' ? Number(seconds) : NaN;
  return issuedAt !== undefined && Number.isFinite(asked) && asked > 0 ? issuedAt + asked * 1000 : undefined;
}

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };
// "Jul 10, 2023, 12:09:47 PM" as delivery files write it (UTC); older records drop the second comma.
const US_TIME = /^([A-Za-z]{3})[a-z]*\.? (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2}):(\d{2}) ?([AP]M)$/i;

/**
 * `credentials.expiration` in ms since the epoch: the US-style text CloudTrail writes, an ISO time
 * (exports), or epoch milliseconds/seconds (some tools). Undefined when it is none of them.
 */
export function parseCredentialExpiration(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e11 ? value * 1000 : value;
  if (typeof value !== 'string') return undefined;
  const m = US_TIME.exec(value.trim());
  if (!m) return parseEventTime(value);
  const month = MONTHS[m[1].toLowerCase()];
  const day = Number(m[2]);
  const hour12 = Number(m[4]);
  if (month === undefined || hour12 < 1 || hour12 > 12) return undefined;
  const hour = (hour12 % 12) + (m[7].toUpperCase() === 'PM' ? 12 : 0);
  const ms = Date.UTC(Number(m[3]), month, day, hour, Number(m[5]), Number(m[6]));
  const date = new Date(ms);
  if (date.getUTCMonth() !== month || date.getUTCDate() !== day) return undefined;
  return ms;
}
