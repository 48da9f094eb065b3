/**
 * What kmstrail does when S3 misbehaves: which faults are worth another try, how long to wait, how
 * an object whose body broke off is read on from where it stopped, and how a fault is told.
 *
 * Two layers, because the SDK covers only one of them:
 * - Requests (every ListObjectsV2 page, every GetObject up to its response headers) are retried by
 *   the SDK's retry middleware, with `requestRetryStrategy` below as its strategy: the SDK sorts
 *   faults (throttling: 429, SlowDown, RequestLimitExceeded and the like; transient: 500, 502, 503,
 *   504, connection resets, refused connections, timeouts, DNS hiccups), this strategy decides
 *   how often and how long to wait. Listing bodies are read inside that middleware, so a listing
 *   cut off mid-answer is retried there too. Permanent faults (403, 404 NoSuchKey, NoSuchBucket,
 *   missing credentials, any other 4xx) are not retried.
 * - An object's body is handed over as a stream once the headers are in, outside the middleware:
 *   the SDK never retries a body that dies half-way. `resumableObject` does, with a `Range` request
 *   from the first byte not yet handed over, so nothing is handed over twice.
 */
import type { Readable } from 'node:stream';
import type { S3ClientConfig } from '@aws-sdk/client-s3';

/** Attempts per request, and attempts in a row without progress per object body. */
export const S3_ATTEMPTS = 5;
/** No single wait is longer than this. */
export const RETRY_CAP_MS = 10_000;

export interface RetryBases {
  /** First back-off after a transient fault (a 500, a reset), doubled per retry. */
  transient: number;
  /** First back-off after throttling: S3 asks for fewer requests, so wait longer. */
  throttling: number;
}

/**
 * 100 ms after a transient fault and 500 ms after throttling, doubling up to `RETRY_CAP_MS`: at
 * most 1.5 s (transient) or 7.5 s (throttling) of waiting over five attempts, half that on average.
 * `KMSTRAIL_S3_RETRY_BASE_MS` (internal, for tests; read once) replaces both bases.
 */
export function retryBases(override: string | undefined): RetryBases {
  const base = override === undefined || override.trim() === '' ? Number.NaN : Number(override);
  if (Number.isFinite(base) && base >= 0) return { transient: base, throttling: base };
  return { transient: 100, throttling: 500 };
}

const BASES = retryBases(process.env.KMSTRAIL_S3_RETRY_BASE_MS);

/**
 * Waits before retry number `retry` (1 for the first retry): "full jitter", a random time up to
 * `base * 2^(retry-1)`, so clients throttled together do not come back together.
 */
export function backoffDelay(retry: number, base: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(RETRY_CAP_MS, base * 2 ** (retry - 1)));
}

type RetryStrategyV2 = Extract<NonNullable<S3ClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;
type RetryErrorInfo = Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1];

function retryToken(count: number, delay: number): RetryToken {
  return { getRetryCount: () => count, getRetryDelay: () => delay };
}

/**
 * The SDK's retry strategy, for the client's `retryStrategy`: `attempts` per request, waits from
 * `backoffDelay` (or longer when S3 sends Retry-After). Unlike the SDK's standard strategy it keeps
 * no retry budget shared by the whole client: a run reads thousands of objects, and one throttled
 * minute must not leave the rest of the run without retries. The middleware waits the token's
 * delay; a refusal (a throw) makes it give up with the request's last error.
 */
export function requestRetryStrategy(attempts = S3_ATTEMPTS, bases: RetryBases = BASES, random: () => number = Math.random): RetryStrategyV2 {
  return {
    acquireInitialRetryToken: async () => retryToken(0, 0),
    refreshRetryTokenForRetry: async (token: RetryToken, info: RetryErrorInfo) => {
      const retry = token.getRetryCount() + 1;
      const retryable = info.errorType === 'THROTTLING' || info.errorType === 'TRANSIENT';
      if (!retryable || retry >= attempts) throw info.error;
      let delay = backoffDelay(retry, info.errorType === 'THROTTLING' ? bases.throttling : bases.transient, random);
      if (info.retryAfterHint instanceof Date) delay = Math.max(delay, Math.min(RETRY_CAP_MS, info.retryAfterHint.getTime() - Date.now()));
      return retryToken(retry, delay);
    },
    recordSuccess: () => {},
  };
}

/** The SDK's own words, without its package name and its note on where a timeout was configured. */
function sdkMessage(message: string): string {
  return message.replace(/^@smithy\/[\w-]+ - /, '').replace(/ \((?:configured by client requestHandler|service default socket timeout)\)/, '');
}

interface S3ErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

/**
 * One line for an S3 fault: what went wrong, and how often it was tried. `profile`: the one
 * --profile named, whose name is the first thing to check when no credentials were found.
 */
export function describeS3Error(error: unknown, profile?: string): string {
  const e = (error ?? {}) as S3ErrorShape;
  const name = e.name ?? e.Code ?? 'error';
  const status = e.$metadata?.httpStatusCode;
  if (name === 'NoSuchBucket') return 'no such bucket';
  if (name === 'NoSuchKey' || status === 404) return 'no such object (NoSuchKey)';
  if (name === 'AccessDenied' || status === 403) return `access denied (${name})`;
  if (name === 'CredentialsProviderError') {
    return profile
      ? `no AWS credentials for profile ${JSON.stringify(profile)} (is it in ~/.aws/config or ~/.aws/credentials? an SSO profile: aws sso login --profile ${profile})`
      : 'no AWS credentials found (set AWS_PROFILE, use --profile, or aws sso login)';
  }
  const message = sdkMessage(e.message ?? 'request failed');
  const what = e.code && e.code !== name ? `${name} ${e.code}` : name;
  const cause = `${what}${status ? ` (HTTP ${status})` : ''}: ${message}`;
  const attempts = e.$metadata?.attempts ?? 1;
  return attempts > 1 ? `failed ${attempts} times, last with ${cause}` : cause;
}

/** What one GetObject answered: the body and what identifies the bytes in it. */
export interface ObjectResponse {
  Body?: unknown;
  ETag?: string;
  ContentLength?: number;
  ContentRange?: string;
}

/** Fetches the object, from `start` on when given, only if its ETag is still `ifMatch` when given. */
export type FetchObject = (from: { start: number; ifMatch: string | undefined } | undefined, signal: AbortSignal) => Promise<ObjectResponse>;

export class ObjectChanged extends Error {}

/** The first byte a ranged answer holds: its `Content-Range` start; undefined if it is not ranged. */
export function rangeStart(contentRange: string | undefined): number | undefined {
  const m = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(contentRange?.trim() ?? '');
  return m ? Number(m[1]) : undefined;
}

function isPreconditionFailed(error: unknown): boolean {
  const e = error as S3ErrorShape;
  return e?.name === 'PreconditionFailed' || e?.$metadata?.httpStatusCode === 412;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * An object's bytes, each handed over once, however often its body breaks off. After a break the
 * rest is asked for with `Range: bytes=<handed over>-` and `If-Match: <first ETag>`; the answer
 * must carry that ETag (S3 answers 412 to If-Match when the object changed; stores that ignore
 * If-Match are caught by comparing the ETag). A store that ignores Range sends the whole object
 * again: the bytes already handed over are skipped. A changed object fails with ObjectChanged,
 * since its new bytes cannot continue the old ones.
 *
 * Faults of the request itself come from `fetch` already retried (the SDK's layer) and end the
 * object at once. Body breaks are retried here, after `backoffDelay`: `attempts` breaks in a row
 * that brought no new byte end it; a break after new bytes starts the count again, so a long
 * object over a flaky link gets through, while one that makes no progress gives up in bounded time.
 */
export async function* resumableObject(
  fetch: FetchObject,
  signal: AbortSignal,
  attempts = S3_ATTEMPTS,
  base = BASES.transient,
): AsyncGenerator<Buffer> {
  let delivered = 0;
  let etag: string | undefined;
  let size: number | undefined;
  let fruitless = 0;
  for (;;) {
    const resuming = delivered > 0;
    let response: ObjectResponse;
    try {
      response = await fetch(resuming ? { start: delivered, ifMatch: etag } : undefined, signal);
    } catch (error) {
      if (resuming && isPreconditionFailed(error)) throw new ObjectChanged(`the object changed while it was read (its ETag is no longer ${etag}); read it again`);
      throw new Error(describeS3Error(error), { cause: error });
    }
    const body = response.Body as Readable | undefined;
    if (!body) throw new Error('S3 answered without a body');
    let skip = 0;
    if (!resuming) {
      etag = response.ETag;
      size = response.ContentLength;
    } else {
      const start = rangeStart(response.ContentRange);
      let refusal: Error | undefined;
      if (etag !== undefined && response.ETag !== undefined && response.ETag !== etag) {
        refusal = new ObjectChanged(`the object changed while it was read (ETag ${etag} became ${response.ETag}); read it again`);
      } else if (start === undefined) {
        skip = delivered;
      } else if (start !== delivered) {
        refusal = new Error(`S3 resumed the object at byte ${start}, not at byte ${delivered}`);
      }
      if (refusal) {
        body.destroy();
        throw refusal;
      }
    }
    const before = delivered;
    const stop = () => body.destroy();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const piece of body as AsyncIterable<Buffer>) {
        let chunk = piece;
        if (skip > 0) {
          const dropped = Math.min(skip, chunk.length);
          skip -= dropped;
          chunk = chunk.subarray(dropped);
          if (chunk.length === 0) continue;
        }
        delivered += chunk.length;
        yield chunk;
      }
      return;
    } catch (error) {
      if (signal.aborted) throw error;
      // Every byte is in (the break came after the last one): nothing is left to ask for.
      if (size !== undefined && delivered >= size) return;
      fruitless = delivered > before ? 0 : fruitless + 1;
      if (fruitless >= attempts) throw new Error(describeBreak(error, fruitless, delivered, size), { cause: error });
    } finally {
      signal.removeEventListener('abort', stop);
      body.destroy();
    }
    await sleep(backoffDelay(Math.max(1, fruitless), base), signal);
    if (signal.aborted) throw new Error('stopped');
  }
}

function describeBreak(error: unknown, times: number, at: number, size: number | undefined): string {
  const e = (error ?? {}) as S3ErrorShape;
  const what = [e.code, e.name !== 'Error' ? e.name : undefined].filter(Boolean).join(' ') || 'error';
  const message = sdkMessage(e.message ?? String(error));
  return `the download broke off ${times} times without getting past byte ${at}${size !== undefined ? ` of ${size}` : ''}, last with ${what}: ${message}`;
}
