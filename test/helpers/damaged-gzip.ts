/**
 * Gzip files damaged in the middle of their deflate data, for the tests of what a damaged member
 * still gives (test/unit/sources/gzip-members.test.ts, test/e2e/bad-input.test.ts).
 */
import { gunzipSync, constants as zlibConstants } from 'node:zlib';

/**
 * The gzip with `count` pseudo-random bytes written over its middle, the first of a few fixed
 * seeds that zlib finds wrong in the deflate data (deflate takes many bytes as some code: the
 * damage may show only in the checksum, which these tests do not want).
 */
export function damagedInMiddle(gz: Buffer, count = 2000): Buffer {
  for (let seed = 1; seed < 50; seed++) {
    const copy = Buffer.from(gz);
    let x = seed;
    for (let k = 0; k < count; k++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      copy[(copy.length >> 1) + k] = x >> 16;
    }
    try {
      gunzipSync(copy, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (error) {
      if (!/check/.test((error as Error).message)) return copy;
    }
  }
  throw new Error('no seed damages the deflate data');
}
