/**
 * Exact places for JSON syntax errors. V8's JSON.parse names a position for most errors but not
 * all (an unexpected token carries none), so stream-json's verifier, which tracks offset, line and
 * column exactly, re-reads the failed slice to find the place. It is loaded only then: most runs
 * never need it, and start-up time counts on small files.
 */
import { describeJsonError } from '../util/json-error-text.js';

export interface JsonErrorPlace {
  message: string;
  /** Byte offset of the fault within the slice. */
  byteOffset: number;
  /** Newlines between the slice's start and the fault. */
  lineDelta: number;
  /** 1-based column on the fault's line, in characters. */
  column: number;
}


/**
 * The place of a JSON.parse failure in `text`: at once when V8 gave a position, otherwise after
 * loading stream-json's verifier to find it.
 */
export function locateJsonError(text: string, parseError: unknown): JsonErrorPlace | Promise<JsonErrorPlace> {
  const message = describeJsonError(parseError);
  const v8 = /at position (\d+)/.exec(parseError instanceof Error ? parseError.message : '');
  if (v8) return placeAt(text, Number(v8[1]), message);
  return verifierOffset(text).then(({ offset, message: verifierMessage }) =>
    placeAt(text, offset ?? 0, message || verifierMessage),
  );
}

async function verifierOffset(text: string): Promise<{ offset?: number; message: string }> {
  const [{ jsonVerifier }, { none }] = await Promise.all([import('stream-json/utils/verifier.js'), import('stream-chain/defs.js')]);
  const verify = jsonVerifier();
  try {
    verify(text);
    (verify as (chunk: unknown) => unknown)(none);
  } catch (error) {
    const offset = (error as { offset?: number }).offset;
    return { offset: typeof offset === 'number' ? offset : undefined, message: describeJsonError(error) };
  }
  return { message: '' };
}

function placeAt(text: string, charOffset: number, message: string): JsonErrorPlace {
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
