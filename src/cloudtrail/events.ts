/** Event sources and event names that mean something to every stage. */

export const KMS_SOURCE = 'kms.amazonaws.com';

/** Events that destroy keys, lock users out of them, or widen who may use them. */
export const DESTRUCTIVE_OR_POLICY_EVENTS: ReadonlySet<string> = new Set([
  'ScheduleKeyDeletion',
  'DisableKey',
  'PutKeyPolicy',
  'CreateGrant',
  'DeleteImportedKeyMaterial',
  'DisableKeyRotation',
]);
