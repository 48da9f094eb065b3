/**
 * Rules on key policies as sent with PutKeyPolicy (and CreateKey, which sets the first policy: a
 * key born open is as open as one opened later). Only calls that succeeded: a rejected policy
 * changed nothing.
 */
import type { KmsEvent } from './event.js';
import { keyName, stateless, type Rule } from './rule.js';

const setsPolicy = (e: KmsEvent) => (e.eventName === 'PutKeyPolicy' || e.eventName === 'CreateKey') && !e.errorCode;

const verb = (e: KmsEvent) => (e.eventName === 'CreateKey' ? 'created' : 'set the policy of');

export const POLICY_RULES: Rule[] = [
  {
    id: 'KMS-004',
    severity: 'high',
    title: 'Key policy allows any principal',
    description:
      'A key policy (PutKeyPolicy or CreateKey) has an Allow statement for "Principal": "*" or {"AWS": "*"} (or NotPrincipal) ' +
      'without a condition that restricts the caller (aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, ' +
      'aws:SourceAccount/Arn/Vpc/Vpce/Ip, kms:CallerAccount, ...).',
    create: stateless((e) => {
      if (!setsPolicy(e) || !e.policy || e.policy.open.length === 0) return undefined;
      return `${e.principal} ${verb(e)} ${keyName(e)} with a policy open to any principal: ${e.policy.open.join('; ')}`;
    }),
  },
  {
    id: 'KMS-005',
    severity: 'medium',
    title: 'Key policy allows another account',
    description:
      "A key policy (PutKeyPolicy or CreateKey) allows an account other than the key's own (AWS principals and " +
      'kms:CallerAccount / aws:PrincipalAccount conditions). Needs the key account, from the key ARN or recipientAccountId.',
    create: stateless((e) => {
      if (!setsPolicy(e) || !e.policy || !e.keyAccount) return undefined;
      const others = e.policy.accounts.filter((a) => a !== e.keyAccount);
      if (others.length === 0) return undefined;
      return `${e.principal} ${verb(e)} ${keyName(e)} (account ${e.keyAccount}) with a policy that allows account ${others.join(', ')}`;
    }),
  },
  {
    id: 'KMS-006',
    severity: 'high',
    title: 'Policy lockout safety check bypassed',
    description:
      'CreateKey or PutKeyPolicy with bypassPolicyLockoutSafetyCheck: true: a policy that locks everyone out, ' +
      'the account included, was allowed through (a ransomware move).',
    create: stateless((e) =>
      setsPolicy(e) && e.bypassLockoutCheck
        ? `${e.principal} called ${e.eventName} on ${keyName(e)} with bypassPolicyLockoutSafetyCheck: true`
        : undefined,
    ),
  },
  {
    id: 'KMS-007',
    severity: 'medium',
    title: 'Key policy could not be read',
    description:
      'The policy in a PutKeyPolicy or CreateKey record is not a readable policy document (invalid JSON, no Statement), ' +
      'so the policy rules could not check it: look at it by hand.',
    create: stateless((e) =>
      setsPolicy(e) && e.policy?.error
        ? `${e.principal} ${verb(e)} ${keyName(e)} with a policy that could not be checked: ${e.policy.error}`
        : undefined,
    ),
  },
];
