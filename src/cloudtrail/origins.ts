/**
 * The origin of a record: the long-term identity its credentials lead back to, and the chain of
 * issued credentials in between. A role session's record names the role and the session, not who
 * assumed it; its access key was issued by an STS call (issuance.ts), whose caller may itself be a
 * session, and so on back to an IAM user's access key, root, a SAML or web-identity user, an
 * Identity Center user, or an AWS service.
 *
 * What each principal resolves to when no issuing call leads further:
 * - IAMUser, Root: themselves, whatever key they used: an AKIA key is their own (via `access-key`),
 *   an ASIA key one of their sign-in sessions (via `console` when the record says
 *   `sessionCredentialFromConsole`, else `session`: a console or GetSessionToken session whose
 *   issuing call is not in the logs). The record names the user, so nothing is guessed.
 * - AWSService (or no type but `invokedBy`): the service, e.g. `lambda.amazonaws.com`.
 * - SAMLUser, WebIdentityUser (callers of AssumeRoleWithSAML/WithWebIdentity): the subject, with the
 *   provider beside it. A SAML call for an `AWSReservedSSO_*` role or through an `AWSSSO_*` provider
 *   is IAM Identity Center signing its user in: identity-center-user.
 * - An `AWSReservedSSO_*` role session with no issuing call: identity-center-user named by the session
 *   name. Only Identity Center can assume those roles and it names the session after its user, so the
 *   name is AWS's word, not the caller's choice. `onBehalfOf.userId` is kept when present.
 * - Any other role session with no issuing call but an `onBehalfOf` (an application's identity-enhanced
 *   session, trusted identity propagation): identity-center-user `onBehalfOf.userId`. When the
 *   application's AssumeRole is in the logs the chain follows it instead (to the application), and
 *   the user ID stays among the record's names for `--origin`.
 * - IdentityCenterUser (calls made on behalf of one): `onBehalfOf.userId`, or its user name.
 * - FederatedUser with no issuing call: the IAM user or root in its `sessionIssuer`: the record itself
 *   says who called GetFederationToken. (So there is no "federated-user" origin: a federated user is
 *   a session of that IAM user, its name one the caller chose; the name is a link of the chain.)
 * - Any other role session whose issuing call is missing (including console switch-role sessions,
 *   whose session name is usually, but not provably, the user's name): unresolved, keeping the last
 *   known link. So are AWSAccount callers (the cross-account caller is in the other account's
 *   logs), records without a principal, chains that loop and chains longer than MAX_CHAIN_LINKS.
 */
import { parseEventTime } from './event-time.js';
import { fromConsole, issuanceOf, type Issuance } from './issuance.js';
import { longTermArn, principalAccount, principalNames, sessionName, shortPrincipal } from './principal.js';
import { isObject, text, type JsonObject } from './record.js';

export type OriginKind =
  | 'iam-user'
  | 'root'
  | 'saml-user'
  | 'web-identity-user'
  | 'identity-center-user'
  | 'aws-service'
  | 'unresolved';

export type UnresolvedReason =
  /** A temporary key no inspected issuing call issued. */
  | 'missing-issuer'
  /** The only call in the logs that issued the key did so after the key was used, or its credentials had expired. */
  | 'issued-out-of-time'
  /** The caller is another account, named by account only; its own logs know who. */
  | 'other-account'
  | 'cycle'
  | 'too-long'
  | 'no-principal'
  /** A principal of a type this module does not know. */
  | 'unknown-principal';

/** One principal of a chain, and how it got its credentials. */
export interface Link {
  /** The principal's ARN; for a SAML or web-identity user its subject; for a service its name. */
  principal: string;
  /** Short, for tables: user name, role name, service, subject. */
  label: string;
  /** `userIdentity.type` (IAMUser, AssumedRole, …); '' when the record gives none. */
  type: string;
  /**
   * How this principal got the credentials it used: the issuing call's event name (AssumeRole, …),
   * or, with no call, `access-key`, `console`, `session` (IAM users and root), `identity-center`
   * (an Identity Center role session), `GetFederationToken` (a federated user whose call is not in
   * the logs). Undefined when nothing says.
   */
  via?: string;
  /** The issuing call, when it is in the inspected logs. */
  eventID?: string;
  eventTime?: string;
  accessKeyId?: string;
  /** The principal's `userIdentity` (trimmed for callers of issuing calls), for names. */
  identity: JsonObject;
}

export interface Origin {
  kind: OriginKind;
  /** The long-term identity: chain[0].principal (for unresolved, the last known link's). */
  identity: string;
  /** Short, for tables: chain[0].label, or `?` when unresolved. */
  label: string;
  /** From the long-term identity (or last known link) down to the record's own principal. */
  chain: Link[];
  /** The session's source identity: set once along a chain and carried to every later session. */
  sourceIdentity?: string;
  /**
   * The account of the long-term identity (or of the last known link), when it has one; for a
   * federated user, the account of the first role they assumed.
   */
  account?: string;
  /** The SAML or OpenID Connect provider of a federated origin. */
  provider?: string;
  reason?: UnresolvedReason;
}

/** Who issued a key: a SessionIndex, or anything else that knows. */
export interface IssuanceLookup {
  issuance(accessKeyId: string): Issuance | undefined;
}

const FEDERATED: ReadonlySet<OriginKind> = new Set(['saml-user', 'web-identity-user', 'identity-center-user']);

/**
 * How far apart two clocks may be: an issuing call is taken for a use up to this long before the
 * call's own time, or after its credentials expired (services log on their own clocks).
 */
export const CLOCK_SLACK_MS = 5 * 60_000;

/** Could credentials issued at `issuedAt` by `issuance` have been used at `usedAt`? Unknown times do not say no. */
function inTime(issuance: Issuance, issuedAt: number | undefined, usedAt: number | undefined): boolean {
  if (usedAt === undefined) return true;
  if (issuedAt !== undefined && usedAt < issuedAt - CLOCK_SLACK_MS) return false;
  return issuance.expiresAt === undefined || usedAt <= issuance.expiresAt + CLOCK_SLACK_MS;
}

/** More hops than any real role chain has; past this a chain is reported unresolved. */
export const MAX_CHAIN_LINKS = 32;

/**
 * Where the record's credentials came from, following each temporary key to the call that issued
 * it in `index` (filled by a first pass, so file order does not matter).
 */
export function originOf(record: JsonObject, index: IssuanceLookup): Origin {
  const own = record.userIdentity;
  if (!isObject(own) || isEmpty(own)) return { kind: 'unresolved', identity: '', label: '?', chain: [], reason: 'no-principal' };
  const links: Link[] = []; // from the record's principal back
  let seen: Set<string> | undefined; // keys walked, against cycles
  let current: JsonObject = own;
  let consoleSession = fromConsole(record);
  // The call `current` made, one link further down. For a federated user's own sign-in call
  // (AssumeRoleWithSAML, ...WithWebIdentity), the record itself: it names the provider by ARN, as
  // its sessions' issuance does (its userIdentity only by a hash), failed or not.
  let issued: SignIn | undefined = own.type === 'SAMLUser' || own.type === 'WebIdentityUser' ? (issuanceOf(record) ?? signInAsked(record)) : undefined;
  let sourceIdentity = contextField(own, 'sourceIdentity');
  // When `current` used its key: the record's time, then each issuing call's.
  let usedAt = parseEventTime(record.eventTime);
  for (;;) {
    const link = linkOf(current);
    const key = link.accessKeyId;
    const found = key ? index.issuance(key) : undefined;
    const issuedAt = found ? parseEventTime(found.eventTime) : undefined;
    // A call that issued the key after it was used, or credentials used after they expired, did not
    // make this session (a reused key ID, a wrong clock): never a guess.
    const issuance = found && inTime(found, issuedAt, usedAt) ? found : undefined;
    if (!issuance) {
      const end = resolveEnd(link, links, issued, consoleSession, sourceIdentity);
      if (found && end.reason === 'missing-issuer') end.reason = 'issued-out-of-time';
      return end;
    }
    seen ??= new Set();
    if (seen.has(issuance.accessKeyId)) {
      links.push(link);
      return unresolved(links, 'cycle', sourceIdentity);
    }
    seen.add(issuance.accessKeyId);
    link.via = issuance.via;
    link.eventID = issuance.eventID;
    link.eventTime = issuance.eventTime;
    links.push(link);
    sourceIdentity ||= issuance.sourceIdentity;
    if (links.length >= MAX_CHAIN_LINKS) return unresolved(links, 'too-long', sourceIdentity);
    issued = issuance;
    usedAt = issuedAt;
    current = issuance.caller;
    consoleSession = issuance.callerFromConsole === true;
  }
}

// Plain one-level reads for the code every record goes through: `text` walks a path given as rest
// arguments, an array per call, and this runs a dozen times per record.
function field(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' ? value : undefined;
}

function contextField(identity: JsonObject, key: string): string | undefined {
  const context = identity.sessionContext;
  return isObject(context) ? field(context, key) : undefined;
}

function issuerField(identity: JsonObject, key: string): string | undefined {
  const context = identity.sessionContext;
  const issuer = isObject(context) ? context.sessionIssuer : undefined;
  return isObject(issuer) ? field(issuer, key) : undefined;
}

function onBehalfOfUser(identity: JsonObject): string | undefined {
  const onBehalfOf = identity.onBehalfOf;
  return isObject(onBehalfOf) ? field(onBehalfOf, 'userId') : undefined;
}

function isEmpty(object: JsonObject): boolean {
  for (const _ in object) return false;
  return true;
}

/**
 * The end of the walk: `link` is the furthest principal reached, and no inspected call issued its
 * key. `links` holds the links walked so far, from the record's principal back.
 */
function resolveEnd(
  link: Link,
  links: Link[],
  issued: SignIn | undefined,
  consoleSession: boolean,
  sourceIdentity: string | undefined,
): Origin {
  links.push(link);
  const identity = link.identity;
  const type = link.type || (field(identity, 'invokedBy') ? 'AWSService' : '');
  switch (type) {
    case 'IAMUser':
    case 'Root': {
      const via = keyVia(link.accessKeyId, consoleSession);
      if (via) link.via = via;
      return resolved(type === 'Root' ? 'root' : 'iam-user', links, sourceIdentity);
    }
    case 'AWSService':
      return resolved('aws-service', links, sourceIdentity);
    case 'SAMLUser':
      return resolved(
        isIdentityCenterIssuance(issued) ? 'identity-center-user' : 'saml-user',
        links,
        sourceIdentity,
        federationProvider(issued, identity),
        issued?.account,
      );
    case 'WebIdentityUser':
      return resolved('web-identity-user', links, sourceIdentity, federationProvider(issued, identity), issued?.account);
    case 'IdentityCenterUser':
      return resolved('identity-center-user', links, sourceIdentity);
    case 'AssumedRole': {
      const sso = isIdentityCenterRole(identity);
      const user = sso || isObject(identity.onBehalfOf) ? identityCenterUser(identity, sso) : undefined;
      if (!user) return unresolved(links, 'missing-issuer', sourceIdentity);
      link.via = 'identity-center';
      links.push(linkOf(user));
      return resolved('identity-center-user', links, sourceIdentity);
    }
    case 'FederatedUser': {
      const issuer = isObject(identity.sessionContext) ? identity.sessionContext.sessionIssuer : undefined;
      const issuerType = issuerField(identity, 'type');
      if (!isObject(issuer) || (issuerType !== 'IAMUser' && issuerType !== 'Root')) {
        return unresolved(links, 'missing-issuer', sourceIdentity);
      }
      link.via = 'GetFederationToken';
      const caller: JsonObject = {};
      for (const name of ['type', 'principalId', 'arn', 'accountId', 'userName']) {
        if (typeof issuer[name] === 'string') caller[name] = issuer[name];
      }
      links.push(linkOf(caller));
      return resolved(issuerType === 'Root' ? 'root' : 'iam-user', links, sourceIdentity);
    }
    case 'AWSAccount':
      return unresolved(links, 'other-account', sourceIdentity);
    default:
      return unresolved(links, 'unknown-principal', sourceIdentity);
  }
}

function keyVia(accessKeyId: string | undefined, consoleSession: boolean): string | undefined {
  if (!accessKeyId) return undefined;
  if (accessKeyId.startsWith('AKIA')) return 'access-key';
  if (accessKeyId.startsWith('ASIA')) return consoleSession ? 'console' : 'session';
  return undefined;
}

function resolved(kind: OriginKind, backward: Link[], sourceIdentity?: string, provider?: string, signedInto?: string): Origin {
  const chain = backward.reverse();
  const top = chain[0];
  let account = kind === 'aws-service' ? undefined : principalAccount({ userIdentity: top.identity });
  // A federated user is of no account by name: the one they entered (their first role's, where
  // the SAML or OpenID Connect provider is registered) is theirs, as KMS-017 judges "from elsewhere";
  // on their own sign-in call, the account it entered (`signedInto`).
  if (!account && FEDERATED.has(kind)) account = chain[1] ? principalAccount({ userIdentity: chain[1].identity }) : signedInto;
  const origin: Origin = { kind, identity: originArn(kind, top, account) ?? top.principal, label: top.label, chain };
  if (sourceIdentity) origin.sourceIdentity = sourceIdentity;
  if (account) origin.account = account;
  if (provider) origin.provider = provider;
  return origin;
}

/**
 * An IAM user or root named without an ARN (some sign-in and MFA records give only the user name
 * and account): its ARN, so that one person is one origin whichever record names them.
 */
function originArn(kind: OriginKind, top: Link, account: string | undefined): string | undefined {
  if (top.principal.startsWith('arn:') || !account) return undefined;
  if (kind === 'root') return longTermArn('Root', account, undefined);
  return kind === 'iam-user' ? longTermArn('IAMUser', account, field(top.identity, 'userName')) : undefined;
}

function unresolved(backward: Link[], reason: UnresolvedReason, sourceIdentity?: string): Origin {
  const chain = backward.reverse();
  const top = chain[0];
  const origin: Origin = { kind: 'unresolved', identity: top?.principal ?? '', label: '?', chain, reason };
  if (sourceIdentity) origin.sourceIdentity = sourceIdentity;
  const account = top ? principalAccount({ userIdentity: top.identity }) : undefined;
  if (account) origin.account = account;
  return origin;
}

/** The link a `userIdentity` makes, before anything says how it got its credentials. */
export function linkOf(identity: JsonObject): Link {
  const type = field(identity, 'type') ?? '';
  const principal = principalText(identity, type);
  // every field in the literal: one shape for all links, and this order in JSON
  return {
    principal,
    label: linkLabel(identity, type) || principal,
    type,
    via: undefined,
    eventID: undefined,
    eventTime: undefined,
    accessKeyId: field(identity, 'accessKeyId') || undefined,
    identity,
  };
}

function principalText(identity: JsonObject, type: string): string {
  switch (type) {
    case 'AWSService':
      return field(identity, 'invokedBy') ?? '';
    case 'SAMLUser':
    case 'WebIdentityUser':
      return field(identity, 'userName') || (field(identity, 'principalId') ?? '');
    case 'IdentityCenterUser':
      return field(identity, 'userName') || (onBehalfOfUser(identity) ?? '');
    default:
      return (
        field(identity, 'arn') ||
        field(identity, 'userName') ||
        field(identity, 'invokedBy') ||
        field(identity, 'principalId') ||
        (field(identity, 'accountId') ?? '')
      );
  }
}

function linkLabel(identity: JsonObject, type: string): string {
  switch (type) {
    case 'AssumedRole':
      return roleName(identity) ?? shortPrincipal({ userIdentity: identity });
    case 'IdentityCenterUser':
      return field(identity, 'userName') || (onBehalfOfUser(identity) ?? '');
    case 'AWSAccount': {
      const account = field(identity, 'accountId');
      return account ? `account ${account}` : (field(identity, 'principalId') ?? '');
    }
    default:
      return shortPrincipal({ userIdentity: identity });
  }
}

/** The role of a role session: its issuer's name, else the role in its ARN. */
function roleName(identity: JsonObject): string | undefined {
  const issuer = issuerField(identity, 'userName');
  if (issuer) return issuer;
  const arn = field(identity, 'arn');
  const m = arn ? /:assumed-role\/([^/]+)\//.exec(arn) : null;
  return m ? m[1] : field(identity, 'assumed_role');
}

const SSO_ROLE = /(?:^|\/)AWSReservedSSO_/;
const SSO_ROLE_PATH = ':role/aws-reserved/sso.amazonaws.com/';

/**
 * A session of a role that IAM Identity Center made for a permission set. Its role's path says
 * so, where the record gives it (the issuer's ARN): only AWS makes roles under `aws-reserved/`,
 * while anyone may name a role `AWSReservedSSO_…` and pick its session names, which would then
 * be taken for Identity Center users. Only a record without its issuer's ARN goes by the name.
 */
function isIdentityCenterRole(identity: JsonObject): boolean {
  const issuerArn = issuerField(identity, 'arn');
  if (issuerArn) return issuerArn.includes(SSO_ROLE_PATH);
  const issuerName = issuerField(identity, 'userName');
  if (issuerName && SSO_ROLE.test(issuerName)) return true;
  const arn = field(identity, 'arn');
  return arn !== undefined && /:assumed-role\/AWSReservedSSO_[^/]*\//.test(arn);
}

/** What an issuing call says of the sign-in behind it: all a federated user's origin needs. */
type SignIn = Pick<Issuance, 'provider' | 'roleArn' | 'account'>;

/**
 * A federated user's sign-in call that issued nothing (failed: AccessDenied, an expired token) still
 * names its provider and role as a successful one does: one user is one origin whether or not each
 * of their tries succeeded.
 */
function signInAsked(record: JsonObject): SignIn {
  const request = record.requestParameters;
  return {
    provider: text(request, 'principalArn') || text(request, 'providerId') || undefined,
    roleArn: text(request, 'roleArn') || undefined,
    account: field(record, 'recipientAccountId'),
  };
}

function isIdentityCenterIssuance(issued: SignIn | undefined): boolean {
  if (!issued) return false;
  if (issued.provider && /:saml-provider\/AWSSSO_/.test(issued.provider)) return true;
  return issued.roleArn !== undefined && issued.roleArn.includes(SSO_ROLE_PATH);
}

/**
 * The Identity Center user behind a role session: for a permission-set session, the session name
 * (Identity Center sets it to the user's name); for any session, `onBehalfOf` when AWS adds it
 * (identity-enhanced sessions). An application's own session name says nothing about the user.
 */
function identityCenterUser(identity: JsonObject, permissionSet: boolean): JsonObject | undefined {
  const name = permissionSet ? sessionName(identity) : undefined;
  const onBehalfOf = identity.onBehalfOf;
  if (!name && !(isObject(onBehalfOf) && field(onBehalfOf, 'userId'))) return undefined;
  const user: JsonObject = { type: 'IdentityCenterUser' };
  if (name) user.userName = name;
  if (isObject(onBehalfOf)) user.onBehalfOf = onBehalfOf;
  return user;
}

function federationProvider(issued: SignIn | undefined, identity: JsonObject): string | undefined {
  return issued?.provider ?? field(identity, 'identityProvider');
}

/**
 * Every name the origin and each link of its chain go by, for `--origin`: the same forms as
 * `--user` (ARNs, user, role and session names, principal and access key IDs, services, `root`),
 * plus the origin's subject, source identity and provider; an unresolved origin is also named
 * `unresolved` ("which sessions can I not attribute?").
 */
export function originNames(origin: Origin): string[] {
  const names = new Set<string>();
  const add = (value: string | undefined) => {
    if (value) names.add(value);
  };
  if (origin.kind === 'unresolved') add('unresolved');
  add(origin.identity);
  add(origin.sourceIdentity);
  add(origin.provider);
  for (const link of origin.chain) {
    add(link.principal);
    for (const name of principalNames({ userIdentity: link.identity })) names.add(name);
  }
  return [...names];
}

/**
 * A federation provider as tables name it: an IAM provider ARN without its account and kind
 * (`Okta`, `token.actions.githubusercontent.com`, `oidc.eks.eu-west-1.amazonaws.com/id/…`); any
 * other name (`accounts.google.com`) as it is.
 */
export function providerName(provider: string): string {
  return provider.replace(/^arn:[^:]*:iam::[^:]*:(?:saml|oidc)-provider\//, '');
}

/**
 * The chain for a table: `alice → Admin → BreakGlass`, `? → Admin` when the start is unknown. A link
 * that repeats the one before (a user's GetSessionToken session) says how: `alice → alice (GetSessionToken)`.
 */
export function renderChain(origin: Origin, arrow = ' → '): string {
  const parts: string[] = origin.kind === 'unresolved' ? ['?'] : [];
  let previous: string | undefined;
  for (const link of origin.chain) {
    parts.push(link.label === previous && link.via ? `${link.label} (${link.via})` : link.label);
    previous = link.label;
  }
  return parts.join(arrow);
}
