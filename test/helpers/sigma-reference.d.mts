/** Types of the independent Sigma reference evaluator (sigma-reference.mjs). */
export interface ReferenceRule {
  id: string;
  title: string;
  file: string;
}
export function prepare(record: Record<string, unknown>): unknown;
export function referenceRules(files: string[]): ReferenceRule[];
export function referenceRulesFromText(text: string, file: string): ReferenceRule[];
/** Per rule id: eventIDs for a detection rule, the records of each hit for a count rule. */
export function referenceHits(rules: ReferenceRule[], records: Array<Record<string, unknown>>): Record<string, Array<string | string[]>>;
