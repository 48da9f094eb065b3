/**
 * The plainest strategy: every input in turn, on this thread. Used for standard input, S3, a
 * single file, --strict (nothing after the first fault may be read) and the stream-json reader;
 * the other strategies fall back to `readHere` for what they cannot share out or batch.
 */
import { readTrail } from '../reader/trail-reader.js';
import type { TrailPartOptions } from '../reader/trail-part.js';
import type { TrailRecord } from '../reader/trail-record.js';
import type { TrailInput } from '../sources/trail-input.js';
import { matchBatch, type MatchBatch, type ReadContext, type ReadStrategy } from './read-strategy.js';

/**
 * One input (or part of one: `part`, for the split and hand-back paths) read on this thread, its
 * matching records yielded batch by batch. `counted`: bytes of this file already reported to the
 * progress by whoever read before (a part resumed in the middle reports absolute positions).
 */
export async function* readHere(input: TrailInput, context: ReadContext, part?: TrailPartOptions, counted = 0): AsyncGenerator<MatchBatch> {
  let bytesSoFar = counted;
  const options = {
    prefilter: context.filter.acceptsAll ? undefined : context.filter.hot,
    stopOnFault: context.strict,
    unparsed: context.unparsed,
    onFault: context.fault,
    onProgress: ({ records, bytes, gzipped }: { records: number; bytes: number; gzipped: boolean }) => {
      context.progress(records, Math.max(0, bytes - bytesSoFar), input.label, bytes, gzipped ? undefined : input.size);
      bytesSoFar = Math.max(bytesSoFar, bytes);
    },
  };
  const reader = (part ? readTrail(input, options, part) : context.read(input, options))[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      let next: IteratorResult<TrailRecord[]>;
      try {
        next = await reader.next();
      } catch (error) {
        // One input the reader could not go on with (a record too big for a string) is one fault,
        // as a worker's crash is: the inputs after it are still read.
        done = true;
        context.fault({ file: input.label, message: readerStopped(error), reason: 'unreadable input' });
        return;
      }
      if (next.done) {
        done = true;
        return;
      }
      yield matchBatch(next.value, context.filter);
    }
  } finally {
    if (!done) await reader.return?.(undefined);
  }
}

/** What is said of an input whose reading stopped on an error the reader did not expect. */
export function readerStopped(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Node's ERR_STRING_TOO_LONG (Buffer.toString), V8's RangeError (JSON.parse, joins).
  if ((error as { code?: string } | undefined)?.code === 'ERR_STRING_TOO_LONG' || (error instanceof RangeError && /Invalid string length/i.test(message))) {
    return 'a record too big to read (over 512 MiB of text); the rest of this input is not read';
  }
  if (process.env.KMSTRAIL_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return `internal error: ${message}; the rest of this input is not read`;
}

export const sequential: ReadStrategy = {
  name: 'sequential',
  async *matches(inputs, context) {
    for (;;) {
      if (context.stopped) return;
      const next = await inputs.next();
      if (next.done) return;
      yield* readHere(next.value, context);
    }
  },
};
