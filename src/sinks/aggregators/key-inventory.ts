/**
 * `keys`: the KMS keys the logs show, one row each, rebuilt from the events that name them.
 *
 * A key is its ARN (account, region, key ID): multi-Region replicas share a key ID but are separate
 * keys. A record naming a bare key ID names the key of that ID in the record's ARNs, else the one in
 * the record's account and region (KMS resolves bare IDs there).
 *
 * State, creation, policy and rotation come from the latest (or, for creation, earliest)
 * successful event by eventTime, never by arrival order. Records that name a key only by alias are
 * counted per alias and resolved at the end, once every CreateAlias/UpdateAlias/DeleteAlias has been
 * seen, because the mapping may arrive after the uses.
 */
import { parseEventTime } from '../../cloudtrail/event-time.js';
import { aliasEvidence as evidenceOfRecord } from '../../cloudtrail/aliases.js';
import { keyReferences, keyWanted, type KeyReference } from '../../cloudtrail/key-reference.js';
import { principalAccount } from '../../cloudtrail/principal.js';
import { errorCode, path, text, type JsonObject } from '../../cloudtrail/record.js';
import { CappedCounter, DISTINCT_CAP, type EntryBudget } from './capped-counter.js';
import { compareStamps, isoTime, principalLabel, stampOf, type Stamp } from './event-order.js';

/** Keys tracked, and aliases tracked; records naming only untracked ones are counted as such. */
export const KEY_CAP = DISTINCT_CAP;
export const PRINCIPALS_PER_KEY = 1_000;
/** Principal entries across all keys: bounds memory when there are both many keys and many callers. */
export const PRINCIPAL_BUDGET = 1_000_000;
/** More distinct event names than KMS has APIs only happens with --all-sources or crafted input. */
const OPERATIONS_PER_KEY = 1_000;
/** CreateAlias/UpdateAlias/DeleteAlias events remembered per alias. */
const ALIAS_CHANGES_CAP = 1_000;
/**
 * Alias-only uses kept one by one, across all aliases, so that an alias moved between keys can
 * give each use to the key it pointed to at that time (see resolveUses); about 50 bytes each.
 */
export const ALIAS_USES_KEPT = 200_000;

export interface KeyRow {
  /** null for an alias that records use but whose key the logs do not show. */
  keyId: string | null;
  arn: string | null;
  account: string | null;
  region: string | null;
  /** Every alias seen naming this key; `current` when its latest mapping in the logs is this key. */
  aliases: Array<{ name: string; current: boolean }>;
  created: { at: string | null; by: string } | null;
  /** null when no state-changing event for the key is in the logs. */
  state: { value: string; at: string | null; by: string; event: string; deletionDate?: string } | null;
  policyChanged: { at: string | null; by: string } | null;
  rotation: { enabled: boolean; at: string | null; by: string } | null;
  lastRotation: string | null;
  grants: { created: number; retired: number; revoked: number };
  firstSeen: string | null;
  lastSeen: string | null;
  /** Records naming the key, and how many of them failed (errorCode). */
  events: number;
  errors: number;
  operations: { [eventName: string]: number };
  principals: { distinct: number; capped: boolean; counts: Array<{ principal: string; count: number }> };
}

export interface InventoryResult {
  keys: KeyRow[];
  caps: { keys: number; aliases: number; principalsPerKey: number; principalBudget: number };
  /** Records whose keys (or aliases) were beyond the caps and so are not in any row. */
  untracked: { keyRecords: number; aliasRecords: number };
  /** True when some key's principal list is incomplete. */
  principalsCapped: boolean;
}

interface KeyName {
  keyId: string;
  account: string;
  region: string;
}

interface AliasName {
  name: string;
  account: string;
  region: string;
}

const idOf = (n: { account: string; region: string }, last: string) => `${n.account}:${n.region}:${last}`;

/** What is counted for each key (and, until resolved, for each alias used on its own). */
class Usage {
  first = Infinity;
  last = -Infinity;
  events = 0;
  errors = 0;
  readonly operations = new CappedCounter(OPERATIONS_PER_KEY);
  readonly principals: CappedCounter;

  constructor(budget: EntryBudget) {
    this.principals = new CappedCounter(PRINCIPALS_PER_KEY, budget);
  }

  add(record: JsonObject, stamp: Stamp, by: string): void {
    this.count(stamp.ms, text(record, 'eventName') ?? '(none)', !!errorCode(record), by);
  }

  addUse(use: AliasUse): void {
    this.count(use.ms, use.event, use.failed, use.by);
  }

  private count(ms: number, event: string, failed: boolean, by: string): void {
    if (Number.isFinite(ms)) {
      this.first = Math.min(this.first, ms);
      this.last = Math.max(this.last, ms);
    }
    this.events++;
    if (failed) this.errors++;
    this.operations.add(event);
    this.principals.add(by);
  }

  /** A new Usage counting both; the per-key caps still apply, the shared budget is not drawn on. */
  static sum(a: Usage, b: Usage): Usage {
    const sum = new Usage({ left: Infinity });
    for (const u of [a, b]) {
      sum.first = Math.min(sum.first, u.first);
      sum.last = Math.max(sum.last, u.last);
      sum.events += u.events;
      sum.errors += u.errors;
      sum.operations.addAll(u.operations);
      sum.principals.addAll(u.principals);
    }
    return sum;
  }
}

/** What a use adds to a Usage, kept apart for an alias-only use (see AliasEntry.uses). */
interface AliasUse {
  ms: number;
  event: string;
  failed: boolean;
  by: string;
}

function useOf(record: JsonObject, stamp: Stamp, by: string): AliasUse {
  return { ms: stamp.ms, event: text(record, 'eventName') ?? '(none)', failed: !!errorCode(record), by };
}

interface Marked<T> {
  stamp: Stamp;
  by: string;
  value: T;
}

interface KeyEntry {
  name: KeyName;
  usage: Usage;
  created?: Marked<null>;
  state?: Marked<{ state: string; event: string; deletionDate?: string }>;
  policy?: Marked<null>;
  rotation?: Marked<boolean>;
  rotated?: Marked<null>;
  grants: { created: number; retired: number; revoked: number };
}

interface AliasEntry {
  name: AliasName;
  /** CreateAlias/UpdateAlias (target key id) and DeleteAlias (null), successful ones only. */
  changes: Array<{ stamp: Stamp; target: string | null }>;
  /** Records that name the alias and exactly one key: the alias pointed there at those times. */
  observed: Map<string, { first: Stamp; last: Stamp }>;
  /** Records that name the alias and no key. */
  usage?: Usage;
  /** The same records one by one, while ALIAS_USES_KEPT allows; undefined once one was not kept. */
  uses?: AliasUse[];
}

/**
 * Key states the logs can show, by the event that sets them (`null`: decided by the record). A Map,
 * not an object: an eventName is log data, and "constructor" must not find anything.
 */
const STATE_EVENTS = new Map<string, string | null>([
  ['CreateKey', null],
  ['ScheduleKeyDeletion', null],
  ['EnableKey', 'Enabled'],
  ['DisableKey', 'Disabled'],
  ['CancelKeyDeletion', 'Disabled'],
  ['DeleteKey', 'Deleted'],
  ['ImportKeyMaterial', 'Enabled'],
  ['DeleteImportedKeyMaterial', 'PendingImport'],
  ['DeleteExpiredKeyMaterial', 'PendingImport'],
]);

const replaceIfLater = <T>(current: Marked<T> | undefined, next: Marked<T>): Marked<T> =>
  current === undefined || compareStamps(next.stamp, current.stamp) > 0 ? next : current;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const AWS_DATE = /^([a-z]{3})[a-z]* (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2}):(\d{2})(?: ?([ap]m))?$/i;

/** `Nov 2, 2021, 11:25:25 PM` (how KMS responses write dates, in UTC) or ISO 8601, in ms. */
export function parseAwsDate(value: unknown): number | undefined {
  const iso = parseEventTime(value);
  if (iso !== undefined || typeof value !== 'string') return iso;
  const m = AWS_DATE.exec(value.trim());
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1].toLowerCase());
  let hour = Number(m[4]);
  // Published examples hold "18:58:30 PM": a 24-hour time keeps its hour whatever the suffix says.
  if (m[7] && hour <= 12) hour = (hour % 12) + (m[7].toLowerCase() === 'pm' ? 12 : 0);
  const ms = Date.UTC(Number(m[3]), month, Number(m[2]), hour, Number(m[5]), Number(m[6]));
  return month < 0 || Number.isNaN(ms) ? undefined : ms;
}

/** When a ScheduleKeyDeletion says the key goes: its deletionDate, else eventTime + the waiting period. */
function deletionDate(record: JsonObject, stamp: Stamp): string | undefined {
  const given = path(record, 'responseElements', 'deletionDate');
  const ms = parseAwsDate(given);
  if (ms !== undefined) return isoTime(ms) ?? undefined;
  if (typeof given === 'string' && given !== '') return given;
  const days = Number(path(record, 'requestParameters', 'pendingWindowInDays') ?? 30);
  return Number.isFinite(stamp.ms) && Number.isFinite(days) ? (isoTime(stamp.ms + days * 86_400_000) ?? undefined) : undefined;
}

function stateSetBy(event: string, record: JsonObject, stamp: Stamp): { state: string; event: string; deletionDate?: string } | undefined {
  const fixed = STATE_EVENTS.get(event);
  if (fixed === undefined) return undefined;
  if (fixed !== null) return { state: fixed, event };
  if (event === 'CreateKey') {
    const metadata = path(record, 'responseElements', 'keyMetadata');
    const given = text(metadata, 'keyState');
    if (given) return { state: given, event };
    const external = text(metadata, 'origin') === 'EXTERNAL' || text(record, 'requestParameters', 'origin') === 'EXTERNAL';
    return { state: external ? 'PendingImport' : 'Enabled', event };
  }
  // ScheduleKeyDeletion: a multi-Region primary with replicas answers PendingReplicaDeletion.
  const state = text(record, 'responseElements', 'keyState') || 'PendingDeletion';
  return { state, event, deletionDate: deletionDate(record, stamp) };
}

export class KeyInventory {
  private readonly keys = new Map<string, KeyEntry>();
  private readonly aliases = new Map<string, AliasEntry>();
  private readonly budget: EntryBudget = { left: PRINCIPAL_BUDGET };
  private untrackedKeyRecords = 0;
  private untrackedAliasRecords = 0;
  private usesKept = 0;

  constructor(
    private readonly cap: number = KEY_CAP,
    private readonly usesToKeep: number = ALIAS_USES_KEPT,
  ) {}

  /** The keys and aliases a record names, once each, keys in the order the record names them. */
  private named(record: JsonObject): { keys: KeyName[]; aliases: AliasName[] } {
    const refs = keyReferences(record);
    const account = text(record, 'recipientAccountId') || principalAccount(record) || '';
    const region = text(record, 'awsRegion') ?? '';
    const isArn = (r: KeyReference) => r.given.startsWith('arn:');
    const arnOf = new Map<string, KeyReference>();
    for (const r of refs) if (r.keyId !== undefined && isArn(r) && !arnOf.has(r.keyId)) arnOf.set(r.keyId, r);
    const keys = new Map<string, KeyName>();
    const aliases = new Map<string, AliasName>();
    for (const r of refs) {
      // A bare ID is the key its ARN elsewhere in the record names: sanitised examples and
      // cross-region calls log an awsRegion other than the key's.
      const scope = isArn(r) ? r : r.keyId !== undefined ? arnOf.get(r.keyId) : undefined;
      const where = { account: scope?.account || account, region: scope?.region || region };
      if (r.keyId !== undefined) keys.set(idOf(where, r.keyId), { keyId: r.keyId, ...where });
      else if (r.alias !== undefined) aliases.set(idOf(where, r.alias), { name: r.alias, ...where });
    }
    return { keys: [...keys.values()], aliases: [...aliases.values()] };
  }

  private key(name: KeyName): KeyEntry | undefined {
    const id = idOf(name, name.keyId);
    let entry = this.keys.get(id);
    if (!entry && this.keys.size < this.cap) {
      entry = { name, usage: new Usage(this.budget), grants: { created: 0, retired: 0, revoked: 0 } };
      this.keys.set(id, entry);
    }
    return entry;
  }

  private alias(name: AliasName): AliasEntry | undefined {
    const id = idOf(name, name.name);
    let entry = this.aliases.get(id);
    if (!entry && this.aliases.size < this.cap) {
      entry = { name, changes: [], observed: new Map(), uses: [] };
      this.aliases.set(id, entry);
    }
    return entry;
  }

  add(record: JsonObject): void {
    const { keys, aliases } = this.named(record);
    if (keys.length === 0 && aliases.length === 0) return;
    const stamp = stampOf(record);
    const by = principalLabel(record);
    const event = text(record, 'eventName') ?? '';
    const ok = !errorCode(record);

    const entries = keys.map((k) => this.key(k));
    if (entries.includes(undefined)) this.untrackedKeyRecords++;
    for (const entry of entries) entry?.usage.add(record, stamp, by);
    if (keys.length === 0) {
      for (const a of aliases) {
        const entry = this.alias(a);
        if (!entry) {
          this.untrackedAliasRecords++;
          continue;
        }
        entry.usage ??= new Usage(this.budget);
        const use = useOf(record, stamp, by);
        entry.usage.addUse(use);
        if (entry.uses && this.usesKept < this.usesToKeep) {
          entry.uses.push(use);
          this.usesKept++;
        } else {
          entry.uses = undefined;
        }
      }
    }

    // The key an event acts on is the first it names: keyId/targetKeyId, else the created or resource key.
    const primary = entries[0];
    if (ok && primary) this.apply(primary, event, record, stamp, by);
    if (aliases.length > 0) this.mapAliases(record, aliases, keys, stamp);
  }

  private apply(entry: KeyEntry, event: string, record: JsonObject, stamp: Stamp, by: string): void {
    const state = stateSetBy(event, record, stamp);
    if (state) entry.state = replaceIfLater(entry.state, { stamp, by, value: state });
    switch (event) {
      case 'CreateKey':
        if (!entry.created || compareStamps(stamp, entry.created.stamp) < 0) entry.created = { stamp, by, value: null };
        break;
      case 'PutKeyPolicy':
        entry.policy = replaceIfLater(entry.policy, { stamp, by, value: null });
        break;
      case 'EnableKeyRotation':
      case 'DisableKeyRotation':
        entry.rotation = replaceIfLater(entry.rotation, { stamp, by, value: event === 'EnableKeyRotation' });
        break;
      case 'RotateKey':
        entry.rotated = replaceIfLater(entry.rotated, { stamp, by, value: null });
        break;
      case 'CreateGrant':
        entry.grants.created++;
        break;
      case 'RetireGrant':
        entry.grants.retired++;
        break;
      case 'RevokeGrant':
        entry.grants.revoked++;
        break;
    }
  }

  /** What the record says about its aliases (the one rule: src/cloudtrail/aliases.ts), against time. */
  private mapAliases(record: JsonObject, aliases: AliasName[], keys: KeyName[], stamp: Stamp): void {
    for (const evidence of evidenceOfRecord(record)) {
      // This inventory names keys and aliases by account and region too (see `named`).
      const key = evidence.key && keys.find((k) => k.keyId === evidence.key?.keyId);
      const target = key ? idOf(key, key.keyId) : undefined;
      for (const a of aliases) {
        if (a.name !== evidence.alias.alias) continue;
        const entry = this.alias(a);
        if (!entry) continue;
        if (evidence.change === undefined) {
          if (target) this.observe(entry, target, stamp);
          continue;
        }
        if (entry.changes.length >= ALIAS_CHANGES_CAP) continue;
        // The key a DeleteAlias names is the one the alias pointed to until then.
        if (evidence.change === 'delete' && target) this.observe(entry, target, stamp);
        if (evidence.change === 'delete') entry.changes.push({ stamp, target: null });
        else if (target) entry.changes.push({ stamp, target });
      }
    }
  }

  private observe(entry: AliasEntry, target: string, stamp: Stamp): void {
    const seen = entry.observed.get(target);
    if (seen) {
      if (compareStamps(stamp, seen.first) < 0) seen.first = stamp;
      if (compareStamps(stamp, seen.last) > 0) seen.last = stamp;
    } else if (entry.observed.size < ALIAS_CHANGES_CAP) {
      entry.observed.set(target, { first: stamp, last: stamp });
    }
  }

  /** The inventory so far; reads the state without changing it, so it may be called again. */
  result(): InventoryResult {
    const aliasesOf = new Map<string, Map<string, boolean>>();
    const usageOf = new Map<string, Usage>();
    const unresolved: KeyRow[] = [];
    for (const alias of this.aliases.values()) {
      const evidence = aliasEvidence(alias);
      const targets = new Set(evidence.flatMap((e) => (e.target !== null ? [e.target] : [])));
      const current = evidence.at(-1)?.target;
      for (const target of targets) {
        const names = aliasesOf.get(target) ?? new Map<string, boolean>();
        // One name may exist in two regions, both on this key: current if current in either.
        names.set(alias.name.name, names.get(alias.name.name) === true || target === current);
        aliasesOf.set(target, names);
      }
      if (!alias.usage) continue;
      // Each part: the alias-only uses that went to one key (undefined: to none known).
      const parts = targets.size > 1 && alias.uses ? resolveUses(evidence, alias.uses) : new Map([[resolveAlias(evidence, targets, alias.usage), alias.usage]]);
      let left: Usage | undefined;
      for (const [resolved, usage] of parts) {
        const entry = resolved !== undefined ? this.keys.get(resolved) : undefined;
        if (entry && resolved !== undefined) usageOf.set(resolved, Usage.sum(usageOf.get(resolved) ?? entry.usage, usage));
        else left = left ? Usage.sum(left, usage) : usage;
      }
      if (left) unresolved.push(aliasRow(alias.name, left, current !== null));
    }
    const rows = [...this.keys]
      .map(([id, entry]) => keyRow(entry, usageOf.get(id) ?? entry.usage, aliasesOf.get(id) ?? new Map()))
      .concat(unresolved)
      .sort(compareRows);
    return {
      keys: rows,
      caps: { keys: this.cap, aliases: this.cap, principalsPerKey: PRINCIPALS_PER_KEY, principalBudget: PRINCIPAL_BUDGET },
      untracked: { keyRecords: this.untrackedKeyRecords, aliasRecords: this.untrackedAliasRecords },
      principalsCapped: rows.some((r) => r.principals.capped),
    };
  }
}

interface Evidence {
  stamp: Stamp;
  target: string | null;
  /** At the same instant a change wins over an observation (DeleteAlias observes, then removes). */
  change: boolean;
}

function aliasEvidence(alias: AliasEntry): Evidence[] {
  const evidence: Evidence[] = alias.changes.map((c) => ({ ...c, change: true }));
  for (const [target, { first, last }] of alias.observed) {
    evidence.push({ stamp: first, target, change: false });
    if (last !== first) evidence.push({ stamp: last, target, change: false });
  }
  return evidence.sort((a, b) => compareStamps(a.stamp, b.stamp) || Number(a.change) - Number(b.change));
}

/**
 * The key the alias named at `ms` by the evidence (sorted by time), or null: none yet, or deleted.
 * A binary search: a moved alias may have many uses, and up to ALIAS_CHANGES_CAP changes.
 */
function targetAt(evidence: Evidence[], ms: number): string | null {
  let lo = 0;
  let hi = evidence.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (evidence[mid].stamp.ms <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : evidence[lo - 1].target;
}

/**
 * An alias moved between keys: each alias-only use goes to the key the alias named at its time
 * (undefined: before any evidence, after a DeleteAlias, or with no time), as a Usage per key.
 */
function resolveUses(evidence: Evidence[], uses: readonly AliasUse[]): Map<string | undefined, Usage> {
  const parts = new Map<string | undefined, Usage>();
  for (const use of uses) {
    const target = Number.isFinite(use.ms) ? (targetAt(evidence, use.ms) ?? undefined) : undefined;
    let usage = parts.get(target);
    if (!usage) {
      usage = new Usage({ left: Infinity });
      parts.set(target, usage);
    }
    usage.addUse(use);
  }
  return parts;
}

/**
 * The key that the alias-only uses of an alias went to, from their aggregate (when they were too
 * many to keep one by one, see ALIAS_USES_KEPT): it keeps only their first and last time, so when
 * the alias was moved between keys they resolve only if all of them fall while it pointed at one
 * key; otherwise they stay with the alias, unresolved, rather than be guessed.
 */
function resolveAlias(evidence: Evidence[], targets: Set<string>, usage: Usage): string | undefined {
  if (targets.size <= 1) return [...targets][0];
  if (!Number.isFinite(usage.first)) return undefined;
  const target = targetAt(evidence, usage.first);
  if (target === null) return undefined;
  const moved = evidence.some((e) => e.stamp.ms > usage.first && e.stamp.ms <= usage.last && e.target !== target);
  return moved ? undefined : target;
}

function partition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function usageFields(usage: Usage) {
  return {
    firstSeen: isoTime(usage.first),
    lastSeen: isoTime(usage.last),
    events: usage.events,
    errors: usage.errors,
    operations: Object.fromEntries(
      [...usage.operations.top(), ...(usage.operations.other ? [{ value: '(other)', count: usage.operations.other }] : [])].map((r) => [r.value, r.count]),
    ),
    principals: {
      distinct: usage.principals.distinct,
      capped: usage.principals.capped,
      counts: usage.principals.top().map((r) => ({ principal: r.value, count: r.count })),
    },
  };
}

const when = (m: Marked<unknown>) => ({ at: isoTime(m.stamp.ms), by: m.by });

function keyRow(entry: KeyEntry, usage: Usage, aliases: Map<string, boolean>): KeyRow {
  const { keyId, account, region } = entry.name;
  return {
    keyId,
    arn: account && region ? `arn:${partition(region)}:kms:${region}:${account}:key/${keyId}` : null,
    account: account || null,
    region: region || null,
    aliases: [...aliases].map(([name, current]) => ({ name, current })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    created: entry.created ? when(entry.created) : null,
    state: entry.state
      ? {
          value: entry.state.value.state,
          ...when(entry.state),
          event: entry.state.value.event,
          ...(entry.state.value.deletionDate !== undefined ? { deletionDate: entry.state.value.deletionDate } : {}),
        }
      : null,
    policyChanged: entry.policy ? when(entry.policy) : null,
    rotation: entry.rotation ? { enabled: entry.rotation.value, ...when(entry.rotation) } : null,
    lastRotation: entry.rotated ? isoTime(entry.rotated.stamp.ms) : null,
    grants: { ...entry.grants },
    ...usageFields(usage),
  };
}

function aliasRow({ name, account, region }: AliasName, usage: Usage, current: boolean): KeyRow {
  return {
    keyId: null,
    arn: null,
    account: account || null,
    region: region || null,
    aliases: [{ name, current }],
    created: null,
    state: null,
    policyChanged: null,
    rotation: null,
    lastRotation: null,
    grants: { created: 0, retired: 0, revoked: 0 },
    ...usageFields(usage),
  };
}

/** Rows by account, region, key ID; aliases without a known key after the keys of their region. */
function compareRows(a: KeyRow, b: KeyRow): number {
  const sortKey = (r: KeyRow) => [r.account ?? '\uffff', r.region ?? '\uffff', r.keyId === null ? '\uffff' : r.keyId, r.aliases[0]?.name ?? ''];
  const ka = sortKey(a);
  const kb = sortKey(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
  return 0;
}

/** The rows that `--key` values name: by key ID or ARN, or by an alias seen for the key. */
export function selectKeys(rows: readonly KeyRow[], wanted: readonly KeyReference[]): KeyRow[] {
  const sameScope = (w: KeyReference, r: KeyRow) =>
    (!w.account || !r.account || w.account === r.account) && (!w.region || !r.region || w.region === r.region);
  const names = (w: KeyReference, r: KeyRow) => {
    // A glob or an ID prefix: any of the key's names (ID, ARN, aliases) it fits.
    if (w.pattern !== undefined) {
      return [r.keyId, r.arn, ...r.aliases.map((a) => a.name)].some((name) => name && keyWanted(w, { given: name }));
    }
    return sameScope(w, r) && ((w.keyId !== undefined && r.keyId === w.keyId) || (w.alias !== undefined && r.aliases.some((a) => a.name.toLowerCase() === w.alias!.toLowerCase())));
  };
  const included = wanted.filter((w) => !w.exclude);
  const excluded = wanted.filter((w) => w.exclude);
  return rows.filter((r) => (included.length === 0 || included.some((w) => names(w, r))) && !excluded.some((w) => names(w, r)));
}

