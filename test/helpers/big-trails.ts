/**
 * Trail files big enough to be split across two cores (src/pipeline/split-file.ts reads files
 * of 64 MiB and more in two parts), written straight to disk.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED } from './run-cli.js';

export const SPLIT_TEST_MB = 72;

/** A realistic trail from the shared generator. */
export function generateTrail(path: string, mb = SPLIT_TEST_MB, seed = 3): void {
  const gen = spawnSync(process.execPath, [join(SHARED, 'bench/gen-trail.mjs'), '--mb', String(mb), '--seed', String(seed), '--out', path], {
    encoding: 'utf8',
  });
  if (gen.status !== 0) throw new Error(`gen-trail failed: ${gen.stderr}`);
}

/**
 * A trail whose records each hold an array of objects that look like records from outside
 * (`},{"eventVersion":...`): a boundary guessed from bytes alone is nearly always one of these
 * decoys, never a real record start. Real records start each on their own line; decoys never do.
 */
export function writeDecoyTrail(path: string, mb = SPLIT_TEST_MB): number {
  const fd = openSync(path, 'w');
  let written = 0;
  let n = 0;
  try {
    written += writeSync(fd, '{"Records":[\n');
    const decoys = Array.from({ length: 60 }, (_, k) => `{"eventVersion":"decoy-${k}","eventName":"CreateKey"}`).join(',');
    while (written < mb << 20) {
      const name = n % 97 === 0 ? 'CreateKey' : 'Decrypt';
      const record =
        `{"eventVersion":"1.08","eventTime":"2024-03-01T00:00:00Z","eventSource":"kms.amazonaws.com","eventName":"${name}",` +
        `"eventID":"id-${n}","requestParameters":{"copies":[${decoys}]}}`;
      written += writeSync(fd, `${n > 0 ? ',\n' : ''}${record}`);
      n++;
    }
    writeSync(fd, '\n]}\n');
  } finally {
    closeSync(fd);
  }
  return n;
}
