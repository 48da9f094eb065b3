/**
 * What the filters allow, as far as where trail files sit can tell: CloudTrail writes
 * `AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/`, so a time window, accounts and
 * regions rule out whole folders of S3 listings and local trees before anything in them is read.
 */
export interface InputPruning {
  /** Inclusive lower and exclusive upper bound of eventTime, ms since the epoch. */
  since?: number;
  until?: number;
  /** Recipient accounts (globs allowed); empty means any. */
  accounts: readonly string[];
  /** Regions (globs allowed); empty means any. */
  regions: readonly string[];
}
