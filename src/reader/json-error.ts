/**
 * Exact places for JSON syntax errors. V8's JSON.parse names a position for most errors but not
 * all (an unexpected token carries none), so stream-json's verifier, which tracks offset, line and
 * column exactly, re-reads the failed slice to find the place.
 */
import { none } from 'stream-chain/defs.js';
import { jsonVerifier } from 'stream-json/utils/verifier.js';

export interface JsonErrorPlace {
  message: string;
  /** Byte offset of the fault within the slice. */
  byteOffset: number;
  /** Newlines between the slice's start and the fault. */
  lineDelta: number;
  /** 1-based column on the fault's line, in characters. */
  column: number;
}

export function describeJsonError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Drop V8's position suffix and its quotation of the input: log text is never echoed.
  return message
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/^Verifier (?:cannot parse input|has expected)[: ]*/, '');
}

export function locateJsonError(text: string, parseError: unknown): JsonErrorPlace {
  let message = describeJsonError(parseError);
  let charOffset: number | undefined;
  const v8 = /at position (\d+)/.exec(parseError instanceof Error ? parseError.message : '');
  if (v8) charOffset = Number(v8[1]);
  if (charOffset === undefined) {
    const verify = jsonVerifier();
    try {
      verify(text);
      (verify as (chunk: unknown) => unknown)(none);
    } catch (error) {
      const place = error as { offset?: number };
      if (typeof place.offset === 'number') charOffset = place.offset;
      if (!message) message = describeJsonError(error);
    }
  }
  if (charOffset === undefined) charOffset = 0;
  const before = text.slice(0, charOffset);
  const lastNewline = before.lastIndexOf('\n');
  let lineDelta = 0;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) lineDelta++;
  return {
    message: message || 'invalid JSON',
    byteOffset: Buffer.byteLength(before),
    lineDelta,
    column: charOffset - lastNewline,
  };
}
