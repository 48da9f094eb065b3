import { useWebAssembly } from '../../src/reader/json-scan.js';
import type { ReadOptions } from '../../src/reader/read-options.js';
import { readTrail } from '../../src/reader/trail-reader.js';
import type { TrailRecord } from '../../src/reader/trail-record.js';
import type { TrailInput } from '../../src/sources/trail-input.js';

/**
 * `readTrail` with the splitter's WebAssembly loops turned off, as for a chunk over
 * `MAX_CHUNK`: the JavaScript loops must read every input exactly as the default does. Read it to
 * the end before starting another reader (the switch is the thread's).
 */
export async function* readTrailWithJsLoops(input: TrailInput, options: ReadOptions): AsyncGenerator<TrailRecord[]> {
  useWebAssembly(false);
  try {
    yield* readTrail(input, options);
  } finally {
    useWebAssembly(true);
  }
}
