/** Rules on CreateGrant: who the key is being handed to. Only grants that were created. */
import { BoundedSet } from './bounded.js';
import type { KmsEvent } from './event.js';
import { keyName, stateless, type Rule } from './rule.js';
import { accountOfPrincipal, CRYPTO_OPERATIONS, isServicePrincipal } from './usage.js';

const createsGrant = (e: KmsEvent): e is KmsEvent & { grantee: string } =>
  e.eventName === 'CreateGrant' && !e.errorCode && !!e.grantee;

const operations = (e: KmsEvent) => (e.grantOperations.length > 0 ? e.grantOperations.join(',') : 'not recorded');

export const GRANT_RULES: Rule[] = [
  {
    id: 'KMS-008',
    severity: 'medium',
    title: "Grant for a principal outside the key's account",
    description:
      "CreateGrant gave a principal of another account (by ARN or account ID) the use of a key; the key's account " +
      'comes from the key ARN or recipientAccountId. Grants are a quiet way to keep access.',
    create: stateless((e) => {
      if (!createsGrant(e) || !e.keyAccount) return undefined;
      const account = accountOfPrincipal(e.grantee);
      if (!account || account === e.keyAccount) return undefined;
      return (
        `${e.principal} created a grant on ${keyName(e)} (account ${e.keyAccount}) for ${e.grantee} ` +
        `of account ${account} (operations: ${operations(e)})`
      );
    }),
  },
  {
    id: 'KMS-009',
    severity: 'low',
    title: 'Decrypt grant for a principal not seen using the key',
    description:
      'CreateGrant allowed Decrypt to a principal that had made no successful cryptographic call with this key earlier ' +
      'in the inspected logs (AWS service principals are left out: their grants are routine). Only as good as ' +
      'the logs given: a short span of logs makes most grantees look new.',
    defaults: (s) => `remembers up to ${s.stateLimit.toLocaleString('en-US')} key/principal pairs, least recently seen dropped first`,
    create(settings) {
      const used = new BoundedSet<string>(settings.stateLimit);
      return (e) => {
        if (CRYPTO_OPERATIONS.has(e.eventName) && !e.errorCode && e.keyId) {
          for (const id of e.principalIds) used.add(`${e.keyId}\u0000${id}`);
          return undefined;
        }
        if (!createsGrant(e) || !e.keyId || !e.grantOperations.includes('Decrypt') || isServicePrincipal(e.grantee)) {
          return undefined;
        }
        if (used.has(`${e.keyId}\u0000${e.grantee.toLowerCase()}`)) return undefined;
        return `${e.principal} granted Decrypt on ${keyName(e)} to ${e.grantee}, not seen using this key before (operations: ${operations(e)})`;
      };
    },
  },
];
