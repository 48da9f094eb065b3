/**
 * What to keep, as built values: the one thing the filter stage receives. The CLI turns flags into
 * a FilterSpec (src/cli/filter-options.ts); every command shares it.
 */
import { KMS_SOURCE } from '../cloudtrail/events.js';
import type { Issuance } from '../cloudtrail/issuance.js';
import type { KeyReference } from '../cloudtrail/key-reference.js';

export interface FilterSpec {
  /** Event name patterns (OR); empty means any. */
  events: string[];
  users: string[];
  keys: KeyReference[];
  /** Inclusive lower and exclusive upper bound, ms since the epoch. */
  since?: number;
  until?: number;
  regions: string[];
  accounts: string[];
  sourceIps: string[];
  /** true: only records with an errorCode; false: only records without. */
  errors?: boolean;
  errorCodes: string[];
  /** true: readOnly records; false: mutating ones. */
  readOnly?: boolean;
  /** Event sources (OR); empty means every source. */
  sources: string[];
  /**
   * `--origin`: who is behind the record's session: its origin or any link of its chain (the same
   * forms as `users`). Judged with `issuances`.
   */
  origins?: string[];
  /**
   * The issuing calls a first pass found in the inputs (src/pipeline/issuance-pass.ts): what a
   * filter (on any thread) needs to follow sessions back. Undefined when none was made.
   */
  issuances?: Issuance[];
}

export function emptyFilterSpec(): FilterSpec {
  return { events: [], users: [], keys: [], regions: [], accounts: [], sourceIps: [], errorCodes: [], sources: [KMS_SOURCE] };
}
