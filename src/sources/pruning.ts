/**
 * What the filters allow, as far as where trail files sit can tell: CloudTrail writes
 * `AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/`, so a time window, accounts and
 * regions rule out whole folders of S3 listings and local trees before anything in them is read.
 * One rule for both: a file lands in the folder of its delivery day, the day of its records or the
 * next (deliveries take minutes; a record of 23:58 lands the next day), so the folders read are
 * those from the day of `since` to the day after the day of `until`.
 */
import { gunzipSync } from 'node:zlib';
import type { TextMatcher } from '../util/text-pattern.js';
import type { SourceProblem } from './trail-input.js';
import { keepsValue, textValueFilter } from '../util/value-filter.js';

export interface InputPruning {
  /** Inclusive lower and exclusive upper bound of eventTime, ms since the epoch. */
  since?: number;
  until?: number;
  /** Recipient accounts (globs allowed); empty means any. */
  accounts: readonly string[];
  /** Regions (globs allowed); empty means any. */
  regions: readonly string[];
}

const DAY_MS = 86_400_000;
/** A record of day D is delivered into the folder of day D or D+1. */
const DELIVERY_SLACK_DAYS = 1;

/** Folder names of the layout: an account ID, a region (us-east-1, us-gov-west-1, cn-north-1...). */
export const ACCOUNT_FOLDER = /^\d{12}$/;
export const REGION_FOLDER = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+$/;

/** The delivery days (days since the epoch, UTC) whose folders can hold records of the window. */
export function deliveryDays(pruning: Pick<InputPruning, 'since' | 'until'>): { first: number; last: number } | undefined {
  if (pruning.since === undefined && pruning.until === undefined) return undefined;
  return {
    first: pruning.since === undefined ? -Infinity : Math.floor(pruning.since / DAY_MS),
    last: pruning.until === undefined ? Infinity : Math.floor((pruning.until - 1) / DAY_MS) + DELIVERY_SLACK_DAYS,
  };
}

/** `YYYY/MM/DD/` folders from the day of `since` to the day after `until`. */
export function dayFolders(since: number, until: number): string[] {
  const folders: string[] = [];
  const days = deliveryDays({ since, until }) as { first: number; last: number };
  for (let day = days.first; day <= days.last; day++) folders.push(dayFolderName(day));
  return folders;
}

/** `YYYY/MM/DD/`: the folder of a delivery day (days since the epoch, UTC). */
export function dayFolderName(day: number): string {
  const d = new Date(day * DAY_MS);
  return `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}/`;
}

const IN_DAY_FOLDER = /^(.*\/CloudTrail\/[^/]+\/)(\d{4})\/(\d\d)\/(\d\d)\/./;
/** Sorts after any key that continues a prefix (S3 compares keys as UTF-8 bytes). */
const PAST_PREFIX = '\u{10FFFF}';

/**
 * For a listing in key order (S3's) that met `key` outside the window's delivery days: the key to
 * list on after (StartAfter), so that the day folders out of the window are not listed. Before
 * the window, the window's first day folder of the key's region; after it, the end of the key's
 * year folder (a later year costs one more request). undefined for a key to take: in the window,
 * or in no day folder of the layout (`…/CloudTrail/<region>/YYYY/MM/DD/…`).
 */
export function listAfter(key: string, days: { first: number; last: number }): string | undefined {
  const match = IN_DAY_FOLDER.exec(key);
  if (!match) return undefined;
  const [, regionBase, year, month, date] = match;
  if (Number(month) < 1 || Number(month) > 12 || Number(date) < 1 || Number(date) > 31) return undefined;
  const day = Date.UTC(Number(year), Number(month) - 1, Number(date)) / DAY_MS;
  if (day < days.first) return regionBase + dayFolderName(days.first).slice(0, -1);
  if (day > days.last) return `${regionBase}${year}/${PAST_PREFIX}`;
  return undefined;
}

/**
 * Can the folder of this year, month (1-12, or undefined for the whole year) or day (or undefined
 * for the whole month) hold files of the window's delivery days?
 */
export function periodMayHold(days: { first: number; last: number }, year: number, month?: number, day?: number): boolean {
  const start = Date.UTC(year, (month ?? 1) - 1, day ?? 1) / DAY_MS;
  const end =
    day !== undefined ? start : month !== undefined ? Date.UTC(year, month, 1) / DAY_MS - 1 : Date.UTC(year + 1, 0, 1) / DAY_MS - 1;
  return end >= days.first && start <= days.last;
}

/**
 * The region global services' events (IAM, STS's global endpoint, sign-in, CloudFront) are
 * recorded in, in the partition of `region`. A trail delivers them into the folder of the region
 * it lives in: a single-region trail in us-west-1 has us-east-1 records in its us-west-1 folder
 * (the SANS lab's tree does). So a region folder holds records of its own region and of this one.
 */
export function globalEventsRegion(region: string): string {
  if (region.startsWith('us-gov-')) return 'us-gov-west-1';
  if (region.startsWith('cn-')) return 'cn-north-1';
  return 'us-east-1';
}

/** The matchers for the account and region folders the pruning allows (undefined: any). */
export function folderMatchers(pruning: InputPruning): { account?: TextMatcher; region?: TextMatcher } {
  // `!x` leaves a folder out; the others choose (see src/util/value-filter.ts).
  const matcher = (values: readonly string[]): TextMatcher | undefined => {
    const filter = textValueFilter(values);
    return filter && ((name) => keepsValue(filter, name));
  };
  const region = matcher(pruning.regions);
  return { account: matcher(pruning.accounts), region: region && ((name) => region(name) || region(globalEventsRegion(name))) };
}

/** The record field a folder level of the layout stands for. */
export type LayoutField = 'awsRegion' | 'recipientAccountId';

/** The folder levels pruning leaves out by name, and the field each stands for. */
export type LayoutLevel = 'region' | 'account';
const LAYOUT_FIELD: Record<LayoutLevel, LayoutField> = { region: 'awsRegion', account: 'recipientAccountId' };

/** A probed file bigger than this (stored, or decoded) cannot tell: its folder is read. */
export const PROBE_MAX_BYTES = 64 << 20;

/**
 * Folders whose first file kept the layout before the tree is trusted to keep it: a tree is laid
 * out by CloudTrail or not, as a whole, and an organisation's bucket of 100 accounts in 17 regions
 * would otherwise cost a listing and a GET for each of 1,600 folders left out.
 */
export const PROBES_TO_TRUST = 3;

/**
 * Do a trail file's records sit where CloudTrail's layout puts them, `field` equal to the name of
 * the folder they are in? `{ keeps: true }` when every value of the field is `folder`, the first
 * other value found when one is not, undefined when the file cannot tell (damaged, too big, no
 * such field). Pruning a region or account folder is only right when its files keep the layout:
 * files moved or generated into folders at random would lose their records without a word. The
 * values are found by their text, not parsed: a probe costs one small file.
 */
export function layoutCheck(stored: Buffer, field: LayoutField, folder: string): { keeps: true } | { keeps: false; found: string } | undefined {
  let bytes = stored;
  if (stored[0] === 0x1f && stored[1] === 0x8b) {
    try {
      bytes = gunzipSync(stored, { maxOutputLength: PROBE_MAX_BYTES });
    } catch {
      return undefined;
    }
  }
  if (bytes.length > PROBE_MAX_BYTES) return undefined;
  const value = new RegExp(`"${field}"\\s*:\\s*"([^"]*)"`, 'g');
  let seen = false;
  for (const [, found] of bytes.toString('latin1').matchAll(value)) {
    if (found !== folder && !(field === 'awsRegion' && found === globalEventsRegion(folder))) return { keeps: false, found };
    seen = true;
  }
  return seen ? { keeps: true } : undefined;
}

/**
 * Whether a tree (a local walk, or one bucket location) keeps CloudTrail's layout, as far as the
 * folders checked so far tell, for both the local walk and the S3 lister: the first folder whose
 * file does not keep it says so, once, and no region or account folder is left out after it; after
 * PROBES_TO_TRUST folders that do, the tree is trusted without more checks.
 */
export class LayoutTrust {
  private broken = false;
  private kept = 0;

  constructor(private readonly what: 'tree' | 'bucket') {}

  /** Decided without a check: true (trusted), false (not kept); undefined: check the folder. */
  get settled(): boolean | undefined {
    if (this.broken) return false;
    return this.kept >= PROBES_TO_TRUST ? true : undefined;
  }

  /**
   * May a folder the filters rule out be left unread, by its first trail file (`stored`, named
   * `label`; undefined when it could not be read)? A file that cannot tell (unreadable, damaged,
   * huge) leaves its folder to be read.
   */
  judge(stored: Buffer | undefined, level: LayoutLevel, folder: string, label: string, onProblem: (problem: SourceProblem) => void): boolean {
    const check = stored && layoutCheck(stored, LAYOUT_FIELD[level], folder);
    if (!check) return false;
    if (check.keeps) {
      this.kept++;
      return true;
    }
    this.broken = true;
    onProblem({
      label,
      message: `records of ${level} ${check.found} in the folder of ${level} ${folder}: this ${this.what} does not keep CloudTrail's folder layout, so every region and account folder is read (--region and --account skip none)`,
      warning: true,
    });
    return false;
  }
}
