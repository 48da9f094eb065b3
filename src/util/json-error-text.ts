/** JSON.parse's error message without V8's position suffix or its quotation of the input: log text is never echoed. */
export function describeJsonError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Drop V8's position suffix and its quotation of the input: log text is never echoed.
  return message
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/^Verifier (?:cannot parse input|has expected)[: ]*/, '');
}
