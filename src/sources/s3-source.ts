/**
 * Trail files straight from S3 (`s3://bucket/prefix`), streamed through the same reader as local
 * files, without temporary files.
 *
 * Listing prunes before it lists: under `AWSLogs/` it walks the documented layout
 * (`[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/`), and with a time window, accounts or
 * regions it lists only the day folders that can hold matching records, never the whole bucket.
 * Accounts and regions are discovered with `StartAfter` hops (one small listing per value), which
 * works on S3 and on S3-compatible stores whose delimiter listings are incomplete.
 */
import { Readable } from 'node:stream';
import type { S3Client as S3ClientType } from '@aws-sdk/client-s3';
import { describeS3Error, requestRetryStrategy, resumableObject, S3_ATTEMPTS, type FetchObject } from './s3-retry.js';
import { dayFolders, deliveryDays, folderMatchers, LayoutTrust, listAfter, PROBE_MAX_BYTES, type InputPruning, type LayoutLevel } from './pruning.js';
import { isDigestFileName, isTrailFileName } from './trail-file-name.js';
import type { SourceProblem, TrailInput } from './trail-input.js';

export interface S3Location {
  bucket: string;
  prefix: string;
}

export function parseS3Url(url: string): S3Location | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(url);
  if (!m) return undefined;
  return { bucket: m[1], prefix: m[2] };
}

export interface S3Settings {
  profile?: string;
  endpointUrl?: string;
  /** Objects downloaded ahead of the reader. */
  prefetch: number;
}


/** Objects up to this size are downloaded ahead, whole (as local files are read whole). */
const SMALL_OBJECT = 16 << 20;
const AFTER_EVERYTHING = '\u{10FFFF}';
/**
 * Most day folders of a window listed one by one per region. `--since` alone ran to today: over a
 * trail of 2024, 1,000 listings per region (12,055 in all, 46 s, against 31 and 2.4 s for the whole
 * tree). Past this, the region folder is listed from the window's first day on.
 */
const MAX_DAY_LISTINGS = 31;

let clientModule: Promise<typeof import('@aws-sdk/client-s3')> | undefined;

/** The SDK is loaded only when an s3:// path is given: it is large, and local runs need none of it. */
function sdk(): Promise<typeof import('@aws-sdk/client-s3')> {
  if (!clientModule) {
    // The SDK warns on every start that its future releases need Node 22; that is for the README,
    // not for an analyst's stderr.
    const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
    process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
      const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
      if (type === 'NodeVersionSupportWarning' || String(warning).includes('AWS SDK for JavaScript (v3)')) return;
      emit(warning, ...rest);
    }) as typeof process.emitWarning;
    clientModule = import('@aws-sdk/client-s3');
  }
  return clientModule;
}

/**
 * A connection that sends nothing for this long is given up (and the request or the rest of the
 * body asked for again): without it a stalled download would hang the run.
 * `KMSTRAIL_S3_IDLE_TIMEOUT_MS` (internal, for tests; read once) replaces it.
 */
const IDLE_TIMEOUT_MS = Number(process.env.KMSTRAIL_S3_IDLE_TIMEOUT_MS) || 30_000;

export class S3Source {
  private client: Promise<S3ClientType> | undefined;

  constructor(private readonly settings: S3Settings) {}

  private s3(): Promise<S3ClientType> {
    this.client ??= sdk().then(
      ({ S3Client }) =>
        new S3Client({
          region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
          // The bucket's own region is found by following S3's redirect, not taken from --region.
          followRegionRedirects: true,
          // Requests are retried by the SDK with our strategy; bodies by resumableObject (s3-retry.ts).
          maxAttempts: S3_ATTEMPTS,
          retryStrategy: requestRetryStrategy(),
          requestHandler: { connectionTimeout: 10_000, socketTimeout: IDLE_TIMEOUT_MS },
          ...(this.settings.profile ? { profile: this.settings.profile } : {}),
          ...(this.settings.endpointUrl ? { endpoint: this.settings.endpointUrl, forcePathStyle: true } : {}),
        }),
    );
    return this.client;
  }

  /**
   * Every object under `prefix`, all pages, in key order. With `days`, objects in day folders of
   * the layout outside them are not listed: the listing goes on after them (listAfter), so that
   * `--until` alone, or a window under a prefix that names a year, does not list and fetch years
   * of trail. An object named exactly (`prefix` itself) is listed whatever its folder.
   */
  private async *list(bucket: string, prefix: string, days?: { first: number; last: number }, leftOut?: { days: boolean }): AsyncGenerator<{ key: string; size?: number }> {
    const { ListObjectsV2Command } = await sdk();
    const client = await this.s3();
    let from: { ContinuationToken: string } | { StartAfter: string } | undefined;
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...from }));
      let after: string | undefined;
      for (const object of page.Contents ?? []) {
        if (!object.Key) continue;
        after = days && object.Key !== prefix ? listAfter(object.Key, days) : undefined;
        if (after) break;
        yield { key: object.Key, size: object.Size };
      }
      if (after) {
        if (leftOut) leftOut.days = true;
        from = { StartAfter: after };
      } else if (page.IsTruncated && page.NextContinuationToken) from = { ContinuationToken: page.NextContinuationToken };
      else return;
    }
  }

  /** The distinct next path segments under `prefix`, one small listing per segment (and per file among them). */
  private async children(bucket: string, prefix: string): Promise<string[]> {
    const { ListObjectsV2Command } = await sdk();
    const client = await this.s3();
    const found: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1, ...(after ? { StartAfter: after } : {}) }),
      );
      const key = page.Contents?.[0]?.Key;
      if (!key) return found;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash < 0) {
        // The empty "folder" object the S3 console, rclone or s3fs leave (`AWSLogs/` itself), or
        // a file among the folders: passed over, not the end of the folders.
        after = key;
        continue;
      }
      const segment = rest.slice(0, slash);
      found.push(segment);
      after = `${prefix}${segment}/${AFTER_EVERYTHING}`;
    }
  }

  /**
   * The first trail object of a bucket's folder, for a layout check: its key and bytes; 'none' when
   * the folder holds none (nothing to lose); undefined when it cannot tell (too big, unreadable, or
   * no trail object among the first listed): its folder is then listed, and reading it says what
   * is wrong.
   */
  private async firstObject(bucket: string, base: string): Promise<{ key: string; bytes: Buffer } | 'none' | undefined> {
    try {
      const { ListObjectsV2Command } = await sdk();
      const client = await this.s3();
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: base, MaxKeys: 100 }));
      const first = page.Contents?.find((o) => o.Key && isTrailFileName(o.Key) && !isDigestFileName(o.Key));
      if (!first?.Key) return page.IsTruncated ? undefined : 'none';
      if ((first.Size ?? 0) > PROBE_MAX_BYTES) return undefined;
      const parts: Buffer[] = [];
      for await (const part of resumableObject(this.fetcher(bucket, first.Key), new AbortController().signal)) parts.push(part);
      return { key: first.Key, bytes: Buffer.concat(parts) };
    } catch {
      return undefined;
    }
  }

  /**
   * The prefixes to list for one bucket location, pruned as far as the layout allows. A region or
   * account folder the filters rule out is left unlisted only while the bucket keeps CloudTrail's
   * layout, as its first trail object shows (LayoutTrust, as for a local tree): the first that
   * does not says so (`onProblem`), and every region and account folder after it is listed.
   */
  async prefixes(location: S3Location, pruning: InputPruning, onProblem: (problem: SourceProblem) => void = () => {}): Promise<string[]> {
    const { bucket } = location;
    let prefix = location.prefix;
    const at = prefix.indexOf('AWSLogs/');
    let root: string;
    if (at >= 0) {
      root = prefix.slice(0, at + 'AWSLogs/'.length);
    } else {
      const candidate = `${prefix}${prefix === '' || prefix.endsWith('/') ? '' : '/'}AWSLogs/`;
      const probe = await this.children(bucket, candidate);
      if (probe.length === 0) return [prefix];
      root = candidate;
      prefix = candidate;
    }
    // Levels the user already fixed in the URL, e.g. s3://b/AWSLogs/111122223333/.
    const fixed = prefix.slice(root.length).split('/');
    const complete = prefix.endsWith('/') || prefix === root;
    if (!complete) return [prefix];
    fixed.pop();

    const { account: accountMatch, region: regionMatch } = folderMatchers(pruning);
    const trust = new LayoutTrust('bucket');
    const mayPrune = async (base: string, level: LayoutLevel, name: string): Promise<boolean> => {
      if (trust.settled !== undefined) return trust.settled;
      const first = await this.firstObject(bucket, base);
      if (first === 'none') return true;
      return trust.judge(first?.bytes, level, name, `s3://${bucket}/${first?.key ?? base}`, onProblem);
    };
    const accountKept = async (base: string, account: string) => !accountMatch || accountMatch(account) || !(await mayPrune(`${base}CloudTrail/`, 'account', account));

    // [<org-id>/]<account>/
    const accountBases: string[] = [];
    const firstLevel = fixed[0] !== undefined ? [fixed[0]] : await this.children(bucket, root);
    for (const first of firstLevel) {
      if (/^o-/.test(first)) {
        const accounts = fixed[1] !== undefined ? [fixed[1]] : await this.children(bucket, `${root}${first}/`);
        for (const account of accounts) if (await accountKept(`${root}${first}/${account}/`, account)) accountBases.push(`${root}${first}/${account}/`);
      } else if (await accountKept(`${root}${first}/`, first)) {
        accountBases.push(`${root}${first}/`);
      }
    }
    const depthAfterAccount = fixed.length - (fixed[0] && /^o-/.test(fixed[0]) ? 2 : 1);
    const afterAccount = depthAfterAccount > 0 ? fixed.slice(fixed.length - depthAfterAccount) : [];
    if (afterAccount.length > 0 && afterAccount[0] !== 'CloudTrail') return [prefix];

    const result: string[] = [];
    for (const accountBase of accountBases) {
      const trailBase = `${accountBase}CloudTrail/`;
      const regions = afterAccount[1] !== undefined ? [afterAccount[1]] : await this.children(bucket, trailBase);
      for (const region of regions) {
        const regionBase = `${trailBase}${region}/`;
        if (regionMatch && !regionMatch(region) && (await mayPrune(regionBase, 'region', region))) continue;
        const dateParts = afterAccount.slice(2);
        if (dateParts.length > 0 || pruning.since === undefined) {
          result.push(`${regionBase}${dateParts.map((p) => `${p}/`).join('')}`);
          continue;
        }
        // A listing per day folder for a short window; for a long one (`--since` a year back, or
        // alone: up to today), the region folder, which `list` reads from the window's first day.
        const days = dayFolders(pruning.since, pruning.until ?? Date.now());
        if (days.length > MAX_DAY_LISTINGS) result.push(regionBase);
        else for (const day of days) result.push(`${regionBase}${day}`);
      }
    }
    return result;
  }

  /** Trail inputs for one s3:// URL, downloads started a few objects ahead of the reader. */
  async *inputs(url: string, pruning: InputPruning, onProblem: (problem: SourceProblem) => void): AsyncGenerator<TrailInput> {
    const location = parseS3Url(url);
    if (!location) {
      onProblem({ label: url, message: 'not an s3://bucket/prefix URL' });
      return;
    }
    const pending: TrailInput[] = [];
    let found = 0;
    /** The AWSLogs layout was walked: the prefixes listed are the folders pruning allowed. */
    let layoutSeen = false;
    /** Day folders were passed over, out of the window. */
    const leftOut = { days: false };
    try {
      const prefixes = await this.prefixes(location, pruning, onProblem);
      layoutSeen = !(prefixes.length === 1 && prefixes[0] === location.prefix);
      // Wherever a key sits in a day folder of the layout: under a prefix that names a year too.
      const days = deliveryDays(pruning);
      for (const prefix of prefixes) {
        for await (const { key, size } of this.list(location.bucket, prefix, days, leftOut)) {
          // An object named exactly is read whatever its name (downloads and copies lose
          // extensions); under a prefix, names decide, as a GET per object to sniff would cost.
          if (!isTrailFileName(key) && key !== location.prefix) continue;
          found++;
          pending.push(this.objectInput(location.bucket, key, size));
          if (pending.length > this.settings.prefetch) yield pending.shift() as TrailInput;
        }
      }
    } catch (error) {
      onProblem({ label: url, message: `cannot list: ${describeS3Error(error, this.settings.profile)}` });
      yield* pending;
      return;
    }
    yield* pending;
    if (found > 0) return;
    // An AWSLogs layout whose folders the window, regions or accounts all ruled out: an answer
    // (none), as for a local tree, not a failed run.
    const narrowed = pruning.since !== undefined || pruning.until !== undefined || pruning.regions.length > 0 || pruning.accounts.length > 0;
    if (narrowed && (layoutSeen || leftOut.days)) {
      onProblem({ label: url, message: 'no trail files in the folders that --since/--until, --region and --account allow', warning: true });
    } else if (isTrailFileName(location.prefix)) {
      // Named as one object (`…/x.json.gz`): what is missing is that object, not a folder's files.
      onProblem({ label: url, message: 'no such object (nor trail files under it as a prefix)' });
    } else {
      onProblem({ label: url, message: 'no trail files under this prefix (.json, .json.gz, .jsonl)' });
    }
  }

  /** GetObject, whole or from a byte on, as `resumableObject` asks for it. */
  private fetcher(bucket: string, key: string): FetchObject {
    return async (from, signal) => {
      const { GetObjectCommand } = await sdk();
      const client = await this.s3();
      const range = from ? { Range: `bytes=${from.start}-`, ...(from.ifMatch ? { IfMatch: from.ifMatch } : {}) } : {};
      return client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...range }), { abortSignal: signal });
    };
  }

  /**
   * One object. A trail-sized object is downloaded whole, starting now, so several are in flight
   * while one is read; a large one is streamed when the reader gets to it.
   *
   * Both resume a broken body where it stopped (resumableObject). What the reader sees when an
   * object still fails: a whole download fails before any of its bytes are handed over, so none of
   * its records are emitted, only the message; a streamed one has handed over what arrived before
   * the failure, so its records up to there are emitted, then the message (as for a truncated
   * local file).
   */
  private objectInput(bucket: string, key: string, size: number | undefined): TrailInput {
    const label = `s3://${bucket}/${key}`;
    const fetch = this.fetcher(bucket, key);
    const open = () => {
      const stopped = new AbortController();
      const out = Readable.from(resumableObject(fetch, stopped.signal), { objectMode: false, highWaterMark: 1 << 20 });
      // Stopping early (--limit, a closed pipe) ends the download at once.
      out.once('close', () => stopped.abort());
      return out;
    };
    if (size === undefined || size > SMALL_OBJECT) return { label, size, open };
    const download = (async () => {
      const parts: Buffer[] = [];
      for await (const part of resumableObject(fetch, new AbortController().signal)) parts.push(part);
      return Buffer.concat(parts);
    })();
    // Handled when the reader gets here; until then an early failure is not "unhandled".
    download.catch(() => {});
    return { label, size, open, readWhole: async (maxBytes = Infinity) => (size <= maxBytes ? download : undefined) };
  }
}
