/** What a detection rule is, what it reports, and the settings a run gives it. */
import type { Origin } from '../cloudtrail/origins.js';
import type { JsonObject } from '../cloudtrail/record.js';
import type { KeyFacts, KmsEvent } from './event.js';

/**
 * Sigma's five levels, least to most severe. The built-in rules use low, medium and high; Sigma
 * rules bring informational and critical too, and --min-severity / --fail-on compare on this scale.
 */
export const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Orders severities: informational 0, low 1, medium 2, high 3, critical 4. */
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export function parseSeverity(value: string): Severity | undefined {
  const s = value.trim().toLowerCase();
  return (SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : undefined;
}

export interface RuleSettings {
  /** KMS-013: this many failed calls from one principal... */
  burstThreshold: number;
  /** ...within this many milliseconds. */
  burstWindowMs: number;
  /** KMS-016: this many distinct encryption contexts decrypted by one principal... */
  decryptSpreeThreshold: number;
  /** ...within this many milliseconds. */
  decryptSpreeWindowMs: number;
  /** KMS-018: this many distinct role sessions of one origin using one key... */
  originSessionsThreshold: number;
  /** ...within this many milliseconds. */
  originSessionsWindowMs: number;
  /** Entries kept per stateful rule (principals, key/principal pairs); the oldest are dropped beyond it. */
  stateLimit: number;
  /**
   * Who is behind a record's session (src/cloudtrail/origins.ts), when the run followed sessions
   * back; the origin rules (KMS-017, KMS-018) need it and stay quiet without it.
   */
  originOf?: (record: JsonObject) => Origin;
}

export const DEFAULT_SETTINGS: RuleSettings = {
  burstThreshold: 10,
  burstWindowMs: 5 * 60_000,
  decryptSpreeThreshold: 15,
  decryptSpreeWindowMs: 60_000,
  originSessionsThreshold: 5,
  originSessionsWindowMs: 60 * 60_000,
  stateLimit: 100_000,
};

/**
 * Looks at one event (in time order) and returns the one-line reason when it is a hit; with the
 * key it is about when that is not the event's first (a ReEncrypt's source key).
 */
export type Check = (event: KmsEvent) => string | { reason: string; key: KeyFacts } | undefined;

export interface Rule {
  /** Stable: scripts and --rule name it. Never reused for another meaning. */
  id: string;
  severity: Severity;
  title: string;
  description: string;
  /** MITRE ATT&CK tactics and techniques, written as Sigma writes them (`attack.impact`, `attack.t1485`). */
  tags?: readonly string[];
  /** The settings it reads, for --list-rules. */
  defaults?: (settings: RuleSettings) => string;
  /** A rule about the identity behind sessions: its hits name it (`origin`), and their groups count it. */
  aboutOrigins?: true;
  /** A fresh checker for one run; stateful rules keep their state inside it. */
  create(settings: RuleSettings): Check;
}

export interface Hit {
  rule: string;
  severity: Severity;
  title: string;
  time: string;
  /** `time` in ms since the epoch, when readable: hits of the built-in and Sigma engines are merged by it. */
  at?: number;
  eventName: string;
  eventId?: string;
  principal: string;
  principalAccount?: string;
  /** Rules on who is behind a session (KMS-017, KMS-018): that identity; groups count it in place of the session. */
  origin?: string;
  key?: string;
  keyAccount?: string;
  region?: string;
  reason: string;
  file?: string;
  line?: number;
  /** Where the rule comes from; absent means built-in. */
  source?: 'builtin' | 'sigma';
  /** The rule's tags (ATT&CK techniques and tactics such as `attack.t1078`). */
  tags?: readonly string[];
  /** Sigma: the rule file. */
  ruleFile?: string;
  /** Sigma correlations: the group-by fields and the values this hit is for. */
  group?: Record<string, string>;
  /** Sigma correlations: what the condition measured (events, distinct values or rules). */
  count?: number;
  /** Sigma correlations: eventIDs of the records that made the hit (the first ones, capped). */
  records?: string[];
  /** Sigma correlations: times of the first and last record of the window (ISO 8601). */
  firstTime?: string;
  lastTime?: string;
}

/** A rule that needs no memory between events. */
export function stateless(check: Check): (settings: RuleSettings) => Check {
  return () => check;
}

/** `key arn:aws:kms:...` or `an unnamed key`, for reasons. */
export const keyName = (e: Pick<KmsEvent, 'key'>): string => (e.key ? `key ${e.key}` : 'an unnamed key');
