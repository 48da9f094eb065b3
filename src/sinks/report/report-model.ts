/**
 * What `kmstrail report` puts on its page, as data: every section is a field, filled by the
 * aggregators the other commands use (so its numbers are theirs), and rendered by render-report.ts.
 * A new section is a field here, the code that fills it (report-collector.ts, or a pass of its own
 * in the command), and a function in render-report.ts; an optional field is a section shown only
 * when given.
 */
import type { HitGroup } from '../aggregators/hit-groups.js';
import type { InventoryResult } from '../aggregators/key-inventory.js';
import type { KeyTimeline } from '../aggregators/key-timelines.js';
import type { OriginTable } from '../aggregators/origin-tally.js';
import type { SummaryResult, TopTable } from '../aggregators/summary.js';
import type { TimeZone } from '../../util/time-zone.js';
import type { InputTotals } from '../sink.js';

export interface ReportModel {
  title: string;
  /** When the report was made, ISO 8601. */
  generatedAt: string;
  /** The command line that made it, as given (paths and options). */
  command: string;
  input: InputTotals;
  /** Rows in each top table (--top). */
  top: number;
  /** The same document as `kmstrail summary --format json` with the same options, less `input`. */
  summary: SummaryResult;
  /** User agents of the matched records (summary has no such table; counted the same way). */
  userAgents: TopTable;
  keys: KeySection;
  detections: DetectionSection;
  /** The clock times are shown on (--tz); UTC when absent. */
  zone?: TimeZone;
  timelines: TimelineSection;
  /**
   * Who is really behind the records' role sessions: origin, chain, records. Shown only when given
   * (it needs the index of issuing calls that a pass of its own builds: see ReportSettings.origins).
   */
  origins?: OriginTable;
  /** What the run warned about (caps reached, a read that could not be repeated), shown at the end. */
  warnings: string[];
  /** Input problems the run told on stderr (the first ones, and how many): the input was damaged. */
  inputProblems: { lines: string[]; total: number };
}

export interface KeySection {
  inventory: InventoryResult;
  /** Rows shown (the first ones, in the inventory's order); `kmstrail keys` gives them all. */
  shown: number;
}

export interface DetectionSection {
  /** Rules run: built-in, and Sigma rules given with --sigma. */
  rules: number;
  sigmaRules: number;
  /** KMS events the built-in rules judged, and records the Sigma rules judged. */
  events: number;
  sigmaRecords: number;
  hits: number;
  groups: HitGroup[];
}

export type TimelineSection =
  | {
      /** Keys with destructive or policy events, in the inventory's order, at most the cap. */
      keys: KeyTimeline[];
      /** More such keys, past the cap. */
      more: number;
    }
  | { unavailable: string };
