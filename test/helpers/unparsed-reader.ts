import { eventFingerprintHash } from '../../src/cloudtrail/fingerprint.js';
import type { ReadOptions } from '../../src/reader/read-options.js';
import { readTrail } from '../../src/reader/trail-reader.js';
import { UnparsedRecord, type TrailRecord } from '../../src/reader/trail-record.js';
import type { TrailInput } from '../../src/sources/trail-input.js';

let handedOnUnparsed = 0;

/** Records `readTrailUnparsed` has handed on unparsed so far (lets a test tell that it happens). */
export function unparsedSeen(): number {
  return handedOnUnparsed;
}

/**
 * `readTrail` asked for unparsed records, as `filter --format jsonl` over every record asks
 * (ReadOptions.unparsed): it must read every input as the default does. A record handed on
 * unparsed must also carry the fingerprint its parse gives, or this throws.
 */
export async function* readTrailUnparsed(input: TrailInput, options: ReadOptions): AsyncGenerator<TrailRecord[]> {
  for await (const batch of readTrail(input, { ...options, unparsed: true })) {
    for (const r of batch) {
      if (!(r instanceof UnparsedRecord)) continue;
      handedOnUnparsed++;
      const want = eventFingerprintHash(r.record) ?? null;
      if (JSON.stringify(r.fingerprint) !== JSON.stringify(want)) {
        throw new Error(`${r.file}:${r.line}: fingerprint ${JSON.stringify(r.fingerprint)} of a record handed on unparsed, ${JSON.stringify(want)} parsed`);
      }
    }
    yield batch;
  }
}
