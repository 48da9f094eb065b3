/**
 * Hits grouped by rule, for people: a trail of 100 MB gives thousands of hits, most of them one
 * rule, and a line each hides the few that matter. Per rule: how many, when first and last, and
 * who and which keys most often. Memory is bounded by the rules, each counting at most
 * GROUP_DISTINCT_CAP distinct principals and keys (later new ones count as "(other)"). The
 * report also lists the first hits of each rule (`listCap`): the engines hand hits over in
 * eventTime order, so those are the earliest.
 */
import type { Hit, Severity } from '../../rules/rule.js';
import { severityRank } from '../../rules/rule.js';
import { CappedCounter, type CountRow } from './capped-counter.js';

export const GROUP_DISTINCT_CAP = 10_000;

export interface HitGroup {
  rule: string;
  title: string;
  severity: Severity;
  source: 'builtin' | 'sigma';
  tags: readonly string[];
  hits: number;
  /** `time` of the earliest and latest hit (by eventTime; hits without one are counted, not placed). */
  firstSeen: string | null;
  lastSeen: string | null;
  principals: { distinct: number; capped: boolean; top: CountRow[] };
  keys: { distinct: number; capped: boolean; top: CountRow[] };
  /** The first `listCap` hits of the rule, and how many more there were. */
  listed: Hit[];
  omitted: number;
}

interface Group {
  first: Hit;
  hits: number;
  firstAt: number;
  firstSeen: string | null;
  lastAt: number;
  lastSeen: string | null;
  principals: CappedCounter;
  keys: CappedCounter;
  listed: Hit[];
}

export class HitGroups {
  private readonly groups = new Map<string, Group>();
  /** Hits per severity, over all rules. */
  readonly bySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, informational: 0 };
  hits = 0;

  /** `listCap`: hits kept to show per rule (a burst can fire thousands of times; `detect` prints them all). */
  constructor(private readonly listCap: number = 0) {}

  add(hit: Hit): void {
    this.hits++;
    this.bySeverity[hit.severity]++;
    let g = this.groups.get(hit.rule);
    if (!g) {
      g = {
        first: hit,
        hits: 0,
        firstAt: Infinity,
        firstSeen: null,
        lastAt: -Infinity,
        lastSeen: null,
        principals: new CappedCounter(GROUP_DISTINCT_CAP),
        keys: new CappedCounter(GROUP_DISTINCT_CAP),
        listed: [],
      };
      this.groups.set(hit.rule, g);
    }
    g.hits++;
    if (g.listed.length < this.listCap) g.listed.push(hit);
    if (hit.at !== undefined) {
      if (hit.at < g.firstAt) {
        g.firstAt = hit.at;
        g.firstSeen = hit.time;
      }
      if (hit.at > g.lastAt) {
        g.lastAt = hit.at;
        g.lastSeen = hit.time;
      }
    }
    g.principals.add(hit.origin ?? hit.principal);
    if (hit.key) g.keys.add(hit.key);
  }

  get rules(): number {
    return this.groups.size;
  }

  /** Most severe first, then the most hits, then by rule ID; `top` principals and keys each. */
  result(top = 3): HitGroup[] {
    return [...this.groups.values()]
      .map(
        (g): HitGroup => ({
          rule: g.first.rule,
          title: g.first.title,
          severity: g.first.severity,
          source: g.first.source ?? 'builtin',
          tags: g.first.tags ?? [],
          hits: g.hits,
          firstSeen: g.firstSeen,
          lastSeen: g.lastSeen,
          principals: { distinct: g.principals.distinct, capped: g.principals.capped, top: g.principals.top(top) },
          keys: { distinct: g.keys.distinct, capped: g.keys.capped, top: g.keys.top(top) },
          listed: g.listed,
          omitted: g.hits - g.listed.length,
        }),
      )
      .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || b.hits - a.hits || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  }
}
