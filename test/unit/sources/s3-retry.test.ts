/**
 * The S3 retry pieces on their own: back-off bounds, which faults the SDK is told to retry, how a
 * fault reads, and resuming a body over real streams that break. The whole path against a real
 * server that misbehaves is test/e2e/s3-faults.test.ts; here are the answers s3rver cannot give
 * (a store that ignores Range, S3's 412 to If-Match).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  describeS3Error,
  ObjectChanged,
  rangeStart,
  requestRetryStrategy,
  resumableObject,
  retryBases,
  RETRY_CAP_MS,
  type FetchObject,
  type ObjectResponse,
} from '../../../src/sources/s3-retry.js';

describe('backoffDelay', () => {
  it('full jitter under base * 2^(retry-1), capped', () => {
    expect(backoffDelay(1, 100, () => 0.999)).toBe(99);
    expect(backoffDelay(3, 100, () => 0.5)).toBe(200);
    expect(backoffDelay(4, 500, () => 0.999)).toBe(3996);
    expect(backoffDelay(20, 500, () => 0.999)).toBe(Math.floor(0.999 * RETRY_CAP_MS));
    for (let retry = 1; retry <= 4; retry++) {
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelay(retry, 100);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(100 * 2 ** (retry - 1));
      }
    }
  });

  it('bases: 100 ms transient, 500 ms throttling, or one base from the test variable', () => {
    expect(retryBases(undefined)).toEqual({ transient: 100, throttling: 500 });
    expect(retryBases('')).toEqual({ transient: 100, throttling: 500 });
    expect(retryBases('soon')).toEqual({ transient: 100, throttling: 500 });
    expect(retryBases('-3')).toEqual({ transient: 100, throttling: 500 });
    expect(retryBases('5')).toEqual({ transient: 5, throttling: 5 });
    expect(retryBases('0')).toEqual({ transient: 0, throttling: 0 });
  });
});

describe('requestRetryStrategy (the SDK retry middleware asks it)', () => {
  const bases = { transient: 100, throttling: 500 };
  const error = new Error('fault');

  async function retries(errorType: string, attempts = 5): Promise<number[]> {
    const strategy = requestRetryStrategy(attempts, bases, () => 0.5);
    let token = await strategy.acquireInitialRetryToken('');
    const delays: number[] = [];
    for (;;) {
      try {
        token = await strategy.refreshRetryTokenForRetry(token, { error, errorType } as never);
      } catch (refusal) {
        expect(refusal).toBe(error);
        return delays;
      }
      delays.push(token.getRetryDelay());
    }
  }

  it('throttling: four retries, waits from the 500 ms base', async () => {
    expect(await retries('THROTTLING')).toEqual([250, 500, 1000, 2000]);
  });

  it('transient faults: four retries, waits from the 100 ms base', async () => {
    expect(await retries('TRANSIENT')).toEqual([50, 100, 200, 400]);
    expect(await retries('TRANSIENT', 2)).toEqual([50]);
  });

  it('client errors (403, 404) and other server errors (501) are not retried', async () => {
    expect(await retries('CLIENT_ERROR')).toEqual([]);
    expect(await retries('SERVER_ERROR')).toEqual([]);
  });

  it('a Retry-After hint lengthens the wait, within the cap', async () => {
    const strategy = requestRetryStrategy(5, bases, () => 0);
    const token = await strategy.acquireInitialRetryToken('');
    const hinted = await strategy.refreshRetryTokenForRetry(token, { error, errorType: 'THROTTLING', retryAfterHint: new Date(Date.now() + 3_000) } as never);
    expect(hinted.getRetryDelay()).toBeGreaterThan(2_500);
    expect(hinted.getRetryDelay()).toBeLessThanOrEqual(3_000);
    const far = await strategy.refreshRetryTokenForRetry(token, { error, errorType: 'THROTTLING', retryAfterHint: new Date(Date.now() + 600_000) } as never);
    expect(far.getRetryDelay()).toBe(RETRY_CAP_MS);
  });
});

describe('describeS3Error', () => {
  const sdkError = (name: string, status: number | undefined, message: string, attempts?: number) =>
    Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status, attempts } });

  it('says how often a request was tried, and with what last', () => {
    expect(describeS3Error(sdkError('SlowDown', 503, 'Please reduce your request rate.', 5))).toBe(
      'failed 5 times, last with SlowDown (HTTP 503): Please reduce your request rate.',
    );
    expect(describeS3Error(sdkError('InternalError', 500, 'We encountered an internal error.', 1))).toBe('InternalError (HTTP 500): We encountered an internal error.');
  });

  it('network errors name their code; the SDK package prefix is dropped', () => {
    const reset = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET', $metadata: { attempts: 5 } });
    expect(describeS3Error(reset)).toBe('failed 5 times, last with TimeoutError ECONNRESET: socket hang up');
    const idle = Object.assign(
      new Error('@smithy/node-http-handler - the request socket timed out after 30000 ms of inactivity (configured by client requestHandler).'),
      { name: 'TimeoutError' },
    );
    expect(describeS3Error(idle)).toBe('TimeoutError: the request socket timed out after 30000 ms of inactivity.');
  });

  it('permanent faults in plain words', () => {
    expect(describeS3Error(sdkError('AccessDenied', 403, 'Access Denied', 1))).toBe('access denied (AccessDenied)');
    expect(describeS3Error(sdkError('NoSuchKey', 404, 'The specified key does not exist.'))).toBe('no such object (NoSuchKey)');
    expect(describeS3Error(sdkError('NoSuchBucket', 404, 'The specified bucket does not exist'))).toBe('no such bucket');
  });

  it('no credentials: names the profile asked for, else says how to give one', () => {
    const none = sdkError('CredentialsProviderError', undefined, 'Could not load credentials from any providers');
    expect(describeS3Error(none)).toMatch(/^no AWS credentials found \(set AWS_PROFILE, use --profile/);
    expect(describeS3Error(none, 'audit')).toMatch(/^no AWS credentials for profile "audit" \(is it in ~\/\.aws\/config or ~\/\.aws\/credentials\?/);
  });
});

describe('rangeStart', () => {
  it('reads the first byte of a Content-Range, nothing else', () => {
    expect(rangeStart('bytes 100-3145727/3145728')).toBe(100);
    expect(rangeStart('bytes 0-9/*')).toBe(0);
    expect(rangeStart(undefined)).toBeUndefined();
    expect(rangeStart('bytes */3145728')).toBeUndefined();
    expect(rangeStart('items 1-2/3')).toBeUndefined();
  });
});

/** A body that hands over `bytes`, then fails the way a cut connection does (or ends, if `cut` is undefined). */
function body(bytes: Buffer, cut?: string): Readable {
  const pieces = [];
  for (let at = 0; at < bytes.length; at += 1000) pieces.push(bytes.subarray(at, at + 1000));
  return Readable.from(
    (async function* () {
      yield* pieces;
      if (cut) throw Object.assign(new Error('aborted'), { code: cut });
    })(),
    { objectMode: false },
  );
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('resumableObject', () => {
  const object = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
  const etag = '"e1"';

  /** Answers as a store would: a list of scripted answers, one per request; records what was asked. */
  function store(answers: Array<(from: { start: number; ifMatch?: string } | undefined) => ObjectResponse>) {
    const asked: Array<{ start: number; ifMatch?: string } | undefined> = [];
    const fetch: FetchObject = async (from) => {
      asked.push(from);
      const answer = answers[Math.min(asked.length - 1, answers.length - 1)];
      return answer(from);
    };
    return { fetch, asked };
  }
  const ranged =
    (cutAfter?: number) =>
    (from: { start: number } | undefined): ObjectResponse => {
      const start = from?.start ?? 0;
      const end = cutAfter === undefined ? object.length : Math.min(object.length, start + cutAfter);
      return {
        ETag: etag,
        ContentLength: object.length - start,
        ...(from ? { ContentRange: `bytes ${start}-${object.length - 1}/${object.length}` } : {}),
        Body: body(object.subarray(start, end), end < object.length ? 'ECONNRESET' : undefined),
      };
    };

  it('resumes each break from the byte reached, with the first ETag: every byte once', async () => {
    const { fetch, asked } = store([ranged(3_000), ranged(4_000), ranged()]);
    const read = await collect(resumableObject(fetch, new AbortController().signal, 5, 0));
    expect(read.equals(object)).toBe(true);
    expect(asked).toEqual([undefined, { start: 3_000, ifMatch: etag }, { start: 7_000, ifMatch: etag }]);
  });

  it('breaks that each bring new bytes do not count against it: ten breaks, the object arrives', async () => {
    const { fetch, asked } = store([ranged(1_000)]);
    const read = await collect(resumableObject(fetch, new AbortController().signal, 5, 0));
    expect(read.equals(object)).toBe(true);
    expect(asked).toHaveLength(10);
  });

  it('a store that ignores Range sends it all again: the bytes already handed over are skipped', async () => {
    const whole = (cutAfter?: number) => (): ObjectResponse => ({
      ETag: etag,
      ContentLength: object.length,
      Body: body(object.subarray(0, cutAfter ?? object.length), cutAfter === undefined ? undefined : 'ECONNRESET'),
    });
    const { fetch, asked } = store([whole(2_500), whole(6_000), whole()]);
    const read = await collect(resumableObject(fetch, new AbortController().signal, 5, 0));
    expect(read.equals(object)).toBe(true);
    expect(asked).toHaveLength(3);
  });

  it('gives up after five breaks in a row that bring no new byte, and says where it stopped', async () => {
    const { fetch, asked } = store([ranged(3_000), ranged(0)]);
    const read: Buffer[] = [];
    await expect(
      (async () => {
        for await (const chunk of resumableObject(fetch, new AbortController().signal, 5, 0)) read.push(chunk);
      })(),
    ).rejects.toThrow('the download broke off 5 times without getting past byte 3000 of 10000, last with ECONNRESET: aborted');
    expect(Buffer.concat(read).equals(object.subarray(0, 3_000))).toBe(true);
    expect(asked).toHaveLength(6);
  });

  it('an object changed between two requests fails, whether the store checks If-Match (412) or not', async () => {
    const precondition = Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    const s3 = store([
      ranged(3_000),
      () => {
        throw precondition;
      },
    ]);
    await expect(collect(resumableObject(s3.fetch, new AbortController().signal, 5, 0))).rejects.toThrow(ObjectChanged);
    const lax = store([ranged(3_000), (from) => ({ ...ranged()(from), ETag: '"e2"' })]);
    await expect(collect(resumableObject(lax.fetch, new AbortController().signal, 5, 0))).rejects.toThrow(
      'the object changed while it was read (ETag "e1" became "e2"); read it again',
    );
  });

  it('a request that fails after the SDK gave up ends the object at once, with the SDK error told', async () => {
    const throttled = Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503, attempts: 5 } });
    const { fetch, asked } = store([
      ranged(3_000),
      () => {
        throw throttled;
      },
    ]);
    await expect(collect(resumableObject(fetch, new AbortController().signal, 5, 0))).rejects.toThrow(
      'failed 5 times, last with SlowDown (HTTP 503): Please reduce your request rate.',
    );
    expect(asked).toHaveLength(2);
  });
});
