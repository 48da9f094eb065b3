/** What a detection rule is, what it reports, and the settings a run gives it. */
import type { KmsEvent } from './event.js';

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Orders severities: low 0, medium 1, high 2. */
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export function parseSeverity(value: string): Severity | undefined {
  const s = value.trim().toLowerCase();
  return (SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : undefined;
}

export interface RuleSettings {
  /** KMS-012: this many failed calls from one principal... */
  burstThreshold: number;
  /** ...within this many milliseconds. */
  burstWindowMs: number;
  /** Entries kept per stateful rule (principals, key/principal pairs); the oldest are dropped beyond it. */
  stateLimit: number;
}

export const DEFAULT_SETTINGS: RuleSettings = { burstThreshold: 10, burstWindowMs: 5 * 60_000, stateLimit: 100_000 };

/** Looks at one event (in time order) and returns the one-line reason when it is a hit. */
export type Check = (event: KmsEvent) => string | undefined;

export interface Rule {
  /** Stable: scripts and --rule name it. Never reused for another meaning. */
  id: string;
  severity: Severity;
  title: string;
  description: string;
  /** The settings it reads, for --list-rules. */
  defaults?: (settings: RuleSettings) => string;
  /** A fresh checker for one run; stateful rules keep their state inside it. */
  create(settings: RuleSettings): Check;
}

export interface Hit {
  rule: string;
  severity: Severity;
  title: string;
  time: string;
  eventName: string;
  eventId?: string;
  principal: string;
  principalAccount?: string;
  key?: string;
  keyAccount?: string;
  region?: string;
  reason: string;
  file?: string;
  line?: number;
}

/** A rule that needs no memory between events. */
export function stateless(check: Check): (settings: RuleSettings) => Check {
  return () => check;
}

/** `key arn:aws:kms:...` or `an unnamed key`, for reasons. */
export const keyName = (e: KmsEvent): string => (e.key ? `key ${e.key}` : 'an unnamed key');
