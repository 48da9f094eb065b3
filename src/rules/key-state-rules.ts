/**
 * Rules on single calls that change a key's state: each fires on a call that succeeded (a failed
 * call changed nothing; the burst rule KMS-013 watches failures).
 */
import type { KmsEvent } from './event.js';
import { keyName, stateless, type Rule } from './rule.js';

/** A rule that fires on every successful call of one event name. */
function onSuccess(eventName: string, reason: (e: KmsEvent) => string): Rule['create'] {
  return stateless((e) => (e.eventName === eventName && !e.errorCode ? reason(e) : undefined));
}

export const KEY_STATE_RULES: Rule[] = [
  {
    id: 'KMS-001',
    severity: 'high',
    title: 'Key scheduled for deletion',
    tags: ['attack.impact', 'attack.t1485'],
    description: 'ScheduleKeyDeletion succeeded: after the waiting period the key and everything encrypted under it is lost.',
    create: onSuccess(
      'ScheduleKeyDeletion',
      (e) =>
        `${e.principal} scheduled ${keyName(e)} for deletion in ` +
        (e.pendingWindowInDays !== undefined ? `${e.pendingWindowInDays} days` : 'the default 30 days'),
    ),
  },
  {
    id: 'KMS-002',
    severity: 'low',
    title: 'Key deletion cancelled',
    description: 'CancelKeyDeletion succeeded: someone reverted a scheduled deletion; check who scheduled it.',
    create: onSuccess('CancelKeyDeletion', (e) => `${e.principal} cancelled the scheduled deletion of ${keyName(e)}`),
  },
  {
    id: 'KMS-003',
    severity: 'medium',
    title: 'Key disabled',
    tags: ['attack.impact', 'attack.t1485'],
    description: 'DisableKey succeeded: nothing can be encrypted or decrypted under the key until it is enabled again.',
    create: onSuccess('DisableKey', (e) => `${e.principal} disabled ${keyName(e)}`),
  },
  {
    id: 'KMS-010',
    severity: 'medium',
    title: 'Automatic key rotation disabled',
    description: 'DisableKeyRotation succeeded: the key material stops being rotated every year.',
    create: onSuccess('DisableKeyRotation', (e) => `${e.principal} disabled automatic rotation of ${keyName(e)}`),
  },
  {
    id: 'KMS-011',
    severity: 'high',
    title: 'Imported key material deleted',
    tags: ['attack.impact', 'attack.t1485'],
    description: 'DeleteImportedKeyMaterial succeeded: the key is unusable at once, until the same material is imported again.',
    create: onSuccess('DeleteImportedKeyMaterial', (e) => `${e.principal} deleted the imported key material of ${keyName(e)}`),
  },
  {
    id: 'KMS-012',
    severity: 'medium',
    title: 'Key material imported',
    description: 'ImportKeyMaterial succeeded: whoever holds a copy of that material can decrypt outside AWS.',
    create: onSuccess(
      'ImportKeyMaterial',
      (e) => `${e.principal} imported key material into ${keyName(e)}` + (e.expirationModel ? ` (${e.expirationModel})` : ''),
    ),
  },
];
