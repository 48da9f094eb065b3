/**
 * The general reader, built on stream-json's token parser: slower than the record splitter, but an
 * independent implementation of the same shapes, so each reader keeps the other honest in the
 * differential tests (`--reader stream-json` selects it on the command line).
 *
 * Same interface as `readTrail` (TrailReader): records in input order, faults to `onFault`,
 * progress to `onProgress`. It has no byte positions for records (the parser gives none), and a
 * syntax error ends the input. A prefilter is not needed for correctness and is not used: every
 * record is assembled anyway, and the filter judges it whole.
 */
import { Readable } from 'node:stream';
import Assembler from 'stream-json/assembler.js';
import { parser } from 'stream-json/parser.js';
import type { Token } from 'stream-json/parser.js';
import { decodedChunks, ReadFault } from '../sources/decoded-chunks.js';
import type { TrailInput } from '../sources/trail-input.js';
import { unwrapValue } from './trail-reader.js';
import type { ReadOptions } from './read-options.js';
import type { SliceKind } from './record-splitter.js';
import type { TrailRecord } from './trail-record.js';
import { Wakeup } from '../util/wakeup.js';

export async function* readTrailWithStreamJson(input: TrailInput, options: ReadOptions): AsyncGenerator<TrailRecord[]> {
  const file = input.label;
  let delivered = 0;
  const bytes = Readable.from(
    (async function* () {
      for await (const chunk of decodedChunks(input, () => {
        gzipped = true;
      })) {
        delivered += chunk.length;
        yield chunk;
      }
    })(),
  );
  const tokens = bytes.pipe(parser.asStream({ jsonStreaming: true, packValues: true, streamValues: false }));
  bytes.on('error', (error) => tokens.destroy(error));

  let depth = 0;
  /** Depth at which array elements are records (1: bare array, 2: a Records/Events array), or -1. */
  let elementDepth = -1;
  let elementKind: SliceKind = 'element';
  let lastTopKey: string | null = null;
  let asm: Assembler | null = null;
  let asmKind: SliceKind = 'top';
  let sawValue = false;
  let batch: TrailRecord[] = [];
  /** Values seen since the last progress report, records or not (as the splitter counts them). */
  let seen = 0;
  let gzipped = false;
  const progress = () => {
    options.onProgress?.({ records: seen, bytes: delivered, gzipped });
    seen = 0;
  };

  const emit = (value: unknown, kind: SliceKind) => {
    seen++;
    const { record, problem } = unwrapValue(value, kind);
    if (problem || !record) {
      const [reason, message] = problem ?? ['not an object', 'skipped'];
      options.onFault({ file, message, reason });
      return;
    }
    batch.push({ record, raw: undefined, file, offset: -1, line: -1 });
  };

  const onToken = (token: Token) => {
    if (asm) {
      asm.consume(token);
      if (asm.done) {
        emit(asm.current, asmKind);
        asm = null;
      }
    }
    // Depth is tracked through assembled values too.
    switch (token.name) {
      case 'startObject':
      case 'startArray': {
        if (depth === 0) {
          sawValue = true;
          lastTopKey = null;
          if (token.name === 'startArray') {
            elementDepth = 1;
            elementKind = 'element';
          } else {
            asm = new Assembler();
            asmKind = 'top';
            asm.consume(token);
          }
        } else if (depth === 1 && elementDepth < 0 && token.name === 'startArray' && (lastTopKey === 'Records' || lastTopKey === 'Events')) {
          // `{"Records": [`: stream the elements, drop the wrapper being assembled.
          elementDepth = 2;
          elementKind = lastTopKey === 'Events' ? 'lookup-event' : 'element';
          asm = null;
        } else if (depth === elementDepth && !asm) {
          asm = new Assembler();
          asmKind = elementKind;
          asm.consume(token);
        }
        depth++;
        break;
      }
      case 'endObject':
      case 'endArray':
        depth--;
        if (depth === elementDepth - 1) elementDepth = -1;
        if (depth === 0) lastTopKey = null;
        break;
      case 'keyValue':
        if (depth === 1) lastTopKey = token.value;
        break;
      default:
        if (depth === elementDepth && !asm) {
          // A scalar element: not a record, reported as such.
          emit(token.name === 'numberValue' ? Number(token.value) : 'value' in token ? token.value : null, elementKind);
        } else if (depth === 0) {
          sawValue = true;
          options.onFault({ file, message: 'expected a JSON object or array', reason: 'malformed JSON' });
        }
    }
  };

  // Tokens are taken as the parser emits them ('data'), not by async iteration: when the parser
  // fails, iteration would drop tokens it had already emitted, and with them complete records.
  let failure: unknown;
  let ended = false;
  const wakeup = new Wakeup();
  const notify = wakeup.notify;
  tokens.on('data', (token: Token) => {
    onToken(token);
    if (batch.length >= 256) {
      tokens.pause();
      notify();
    }
  });
  tokens.on('error', (error) => {
    failure ??= error;
    notify();
  });
  tokens.on('end', () => {
    ended = true;
    notify();
  });

  try {
    for (;;) {
      if (batch.length > 0) {
        const out = batch;
        batch = [];
        progress();
        yield out;
        if (tokens.isPaused()) tokens.resume();
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) break;
      await wakeup.wait();
    }
  } catch (error) {
    progress();
    if (batch.length > 0) yield batch;
    batch = [];
    const message = error instanceof ReadFault ? error.message : `malformed JSON (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
    options.onFault({ file, message: `${message} (after ${delivered} bytes of data)`, reason: 'truncated or corrupt input' });
    return;
  } finally {
    // Stopping early (--limit, a closed pipe) must release the input.
    tokens.destroy();
    bytes.destroy();
  }
  progress();
  if (batch.length > 0) yield batch;
  if (!sawValue) options.onFault({ file, message: delivered === 0 ? 'empty input' : 'no JSON value (only whitespace)', reason: 'empty input' });
}
