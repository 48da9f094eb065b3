/**
 * The principal of a record: who made the call, in each form CloudTrail names it. An analyst may
 * know a user by name, an access key, a role, a session name or an ARN; any of them should find it.
 */
import { isObject, text, type JsonObject } from './record.js';

/** The session name of an assumed role or federated user, from its ARN or principal ID. */
export function sessionName(identity: JsonObject): string | undefined {
  const arn = text(identity, 'arn');
  if (arn) {
    const m = /:(?:assumed-role\/[^/]+|federated-user)\/(.+)$/.exec(arn);
    if (m) return m[1];
  }
  const zipSession = text(identity, 'session_name');
  if (zipSession) return zipSession;
  const principalId = text(identity, 'principalId');
  if (principalId && principalId.includes(':') && identity.type === 'AssumedRole') {
    return principalId.slice(principalId.indexOf(':') + 1);
  }
  return undefined;
}

/** The role of an assumed-role ARN (`.../assumed-role/Role/session`), when the issuer is not given. */
function assumedRoleName(identity: JsonObject): string | undefined {
  const arn = text(identity, 'arn');
  const m = arn ? /:assumed-role\/([^/]+)\//.exec(arn) : null;
  return m ? m[1] : undefined;
}

/** Every name the record's principal goes by, for `--user` matching. */
export function principalNames(record: JsonObject): string[] {
  const identity = record.userIdentity;
  const names: string[] = [];
  if (!isObject(identity)) return names;
  const add = (value: unknown) => {
    if (typeof value === 'string' && value !== '') names.push(value);
  };
  // The ARN summary counts it under, also where the record gives only the account and user name
  // (sign-in and MFA records): one principal, one answer.
  add(principalArn(record));
  add(identity.userName);
  add(identity.principalId);
  add(identity.accessKeyId);
  add(identity.invokedBy);
  add(identity.assumed_role);
  const issuer = isObject(identity.sessionContext) ? identity.sessionContext.sessionIssuer : undefined;
  if (isObject(issuer)) {
    add(issuer.arn);
    add(issuer.userName);
    add(issuer.principalId);
  }
  // The role's ARN as `summary --by role` counts it, also where only the session's ARN tells it.
  add(roleArn(record));
  add(sessionName(identity));
  add(assumedRoleName(identity));
  if (identity.type === 'Root') add('root');
  const onBehalfOf = identity.onBehalfOf;
  if (isObject(onBehalfOf)) add(onBehalfOf.userId);
  return names;
}

/**
 * The IAM role of a role session, as the role's ARN: the session issuer's (which keeps the role's
 * path), else made from the session's ARN (`arn:aws:sts::111122223333:assumed-role/Admin/alice`
 * is a session of `arn:aws:iam::111122223333:role/Admin`). Undefined for any other principal.
 */
export function roleArn(record: JsonObject): string | undefined {
  const identity = record.userIdentity;
  if (!isObject(identity)) return undefined;
  const issuer = isObject(identity.sessionContext) ? identity.sessionContext.sessionIssuer : undefined;
  const arn = text(identity, 'arn');
  const session = arn ? /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(arn) : null;
  if (identity.type !== 'AssumedRole' && !session) return undefined;
  if (isObject(issuer) && issuer.type === 'Role' && typeof issuer.arn === 'string' && issuer.arn !== '') return issuer.arn;
  return session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : undefined;
}

/** A short, readable principal for tables: user name, role/session, service, or root. */
export function shortPrincipal(record: JsonObject): string {
  const identity = record.userIdentity;
  if (!isObject(identity)) return '';
  const type = text(identity, 'type');
  const issuerName = text(identity, 'sessionContext', 'sessionIssuer', 'userName');
  switch (type) {
    case 'IAMUser':
      return text(identity, 'userName') ?? lastArnPart(text(identity, 'arn')) ?? text(identity, 'principalId') ?? '';
    case 'AssumedRole': {
      const arn = text(identity, 'arn');
      const m = arn ? /:assumed-role\/(.+)$/.exec(arn) : null;
      if (m) return m[1];
      const session = sessionName(identity);
      return [issuerName ?? text(identity, 'assumed_role') ?? text(identity, 'userName'), session].filter(Boolean).join('/');
    }
    case 'Root':
      return 'root';
    case 'FederatedUser':
      return lastArnPart(text(identity, 'arn')) ?? text(identity, 'principalId') ?? '';
    case 'AWSService':
      return text(identity, 'invokedBy') ?? 'AWS service';
    default:
      return (
        text(identity, 'userName') ??
        lastArnPart(text(identity, 'arn')) ??
        text(identity, 'invokedBy') ??
        text(identity, 'principalId') ??
        ''
      );
  }
}

function lastArnPart(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const resource = arn.split(':').slice(5).join(':');
  if (!resource) return undefined;
  const slash = resource.indexOf('/');
  return slash >= 0 ? resource.slice(slash + 1) : resource;
}

/**
 * The principal's ARN: `userIdentity.arn`, or for an IAM user or root named without one (some
 * sign-in and MFA records give only the user name and account) the ARN it has, so that one
 * principal is one whichever record names it.
 */
export function principalArn(record: JsonObject): string | undefined {
  const identity = record.userIdentity;
  if (!isObject(identity)) return undefined;
  const arn = text(identity, 'arn');
  if (arn) return arn;
  const account = text(identity, 'accountId');
  const type = text(identity, 'type');
  if (!account || (type !== 'Root' && type !== 'IAMUser')) return undefined;
  return longTermArn(type, account, text(identity, 'userName'));
}

/**
 * The ARN of root or of an IAM user, from its account and name. Only the ARN shows a user's path
 * (`user/dev/alice`): for a user made with one, the two stay apart. The partition is taken to be `aws`.
 */
export function longTermArn(type: 'Root' | 'IAMUser', account: string, userName: string | undefined): string | undefined {
  if (type === 'Root') return `arn:aws:iam::${account}:root`;
  return userName ? `arn:aws:iam::${account}:user/${userName}` : undefined;
}

/** The account the principal belongs to. */
export function principalAccount(record: JsonObject): string | undefined {
  const identity = record.userIdentity;
  if (!isObject(identity)) return undefined;
  const account = text(identity, 'accountId');
  if (account) return account;
  const arn = text(identity, 'arn');
  const m = arn ? /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/.exec(arn) : null;
  return m ? m[1] : undefined;
}
