/**
 * Records as JSON text for jsonl and json output: `recordText` (the reader's own bytes, or
 * JSON.stringify), written so that a record of many megabytes is never copied whole once more.
 */
import { recordText, type TrailRecord } from '../reader/trail-record.js';
import { textPieces, type Output } from './output.js';

/** A re-serialised record whose source text is at least this long is written by `hugeRecordJson`. */
const HUGE_RECORD = 1 << 20;
/** ...and its strings at least this long are streamed rather than stringified whole. */
const HUGE_STRING = 1 << 16;
/**
 * Characters of a streamed string escaped at a time. Escaped (up to 6 characters each, \u001f), a
 * slice stays a small string: bigger ones are allocated apart and grow the heap's young space.
 */
const STREAMED_SLICE = 1 << 14;

/** Writes `recordText(record)`; a huge pretty-printed record goes out in pieces, never whole. */
export function writeRecordJson(out: Output, record: TrailRecord): void {
  if (record.raw === undefined && record.multiline !== undefined && record.multiline.length >= HUGE_RECORD) {
    out.writePieces(hugeRecordJson(record));
  } else {
    out.write(recordText(record));
  }
}

/**
 * `recordText` of a huge record, made as the output takes it. JSON.stringify would return the whole
 * line as one more copy of the record, and as a rope, which writing copies once again. So its long
 * strings are stringified as placeholders, and streamed in their place a slice at a time: the same
 * characters JSON.stringify writes, as long as no slice splits a surrogate pair (a lone half is
 * escaped). The placeholders hold a random tag, which no string in a log can know in advance.
 */
function* hugeRecordJson(record: TrailRecord): Generator<string> {
  const tag = `\u0000kmstrail:${globalThis.crypto.randomUUID()}:`;
  const long: string[] = [];
  let skeleton: string;
  try {
    skeleton = JSON.stringify(record.record, (_key, value: unknown) =>
      typeof value === 'string' && value.length >= HUGE_STRING ? tag + (long.push(value) - 1) : value,
    );
  } catch {
    // Nested too deep for JSON.stringify: recordText has the answer for that.
    yield* textPieces(recordText(record));
    return;
  }
  const opening = JSON.stringify(tag).slice(0, -1);
  let at = 0;
  for (let index = 0; index < long.length; index++) {
    const placeholder = `${opening}${index}"`;
    const found = skeleton.indexOf(placeholder, at);
    yield* textPieces(skeleton.slice(at, found));
    yield '"';
    for (const slice of textPieces(long[index], STREAMED_SLICE)) yield JSON.stringify(slice).slice(1, -1);
    yield '"';
    at = found + placeholder.length;
  }
  yield* textPieces(skeleton.slice(at));
}
