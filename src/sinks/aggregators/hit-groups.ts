/**
 * Detection hits grouped by rule, for the report: every hit counted, the first `listCap` of each
 * rule kept to show (the engine hands hits over in eventTime order, so those are the earliest).
 */
import { severityRank, type Hit, type Severity } from '../../rules/rule.js';

/** Hits shown per rule; a burst can fire thousands of times, and the rest is in `kmstrail detect`. */
export const HITS_LISTED_PER_RULE = 100;

export interface HitGroup {
  rule: string;
  severity: Severity;
  title: string;
  hits: number;
  listed: Hit[];
  omitted: number;
}

export class HitGroups {
  private readonly groups = new Map<string, HitGroup>();
  private total = 0;

  constructor(private readonly listCap: number = HITS_LISTED_PER_RULE) {}

  add(hit: Hit): void {
    this.total++;
    let group = this.groups.get(hit.rule);
    if (!group) {
      group = { rule: hit.rule, severity: hit.severity, title: hit.title, hits: 0, listed: [], omitted: 0 };
      this.groups.set(hit.rule, group);
    }
    group.hits++;
    if (group.listed.length < this.listCap) group.listed.push(hit);
    else group.omitted++;
  }

  get hits(): number {
    return this.total;
  }

  /** Most severe rules first, then by rule ID. */
  result(): HitGroup[] {
    return [...this.groups.values()].sort(
      (a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
    );
  }
}
