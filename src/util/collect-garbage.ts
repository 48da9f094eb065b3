/**
 * A full garbage collection, now. Only for records of many megabytes: V8 collects when its heap
 * grows, not when a 50 MB string has just become garbage, so without this the copies of one huge
 * record (and the read chunks it was copied out of) would sit beside the next one's, or beside the
 * ordinary heap growth of the rest of the run, and a constant memory bound would not hold.
 */
import { v8, vm } from './lazy-builtins.js';

let gc: (() => void) | null | undefined;

export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      // The documented way to reach gc() without a command-line flag: a context made after the
      // flag is set has it.
      v8().setFlagsFromString('--expose-gc');
      gc = vm().runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
