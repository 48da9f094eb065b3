/** Messages between the main thread and the read workers (src/cli/parallel/read-worker.ts). */
import type { FilterSpec } from '../../filters/filter-spec.js';
import type { InputFault } from '../../reader/trail-reader.js';

export interface WorkerSetup {
  spec: FilterSpec;
}

/** Main → worker: read this file. */
export interface ReadRequest {
  id: number;
  path: string;
  size?: number;
}

/** A matching record as JSON text, with its place: [text, offset, line]. */
export type MatchedRecord = [string, number, number];

/** Worker → main. */
export type WorkerReport =
  | { type: 'matches'; id: number; records: MatchedRecord[]; seen: number; bytes: number }
  | { type: 'fault'; id: number; fault: InputFault }
  | { type: 'done'; id: number }
  | { type: 'crash'; id: number; message: string };
