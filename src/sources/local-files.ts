/**
 * Local files as trail inputs: a whole file, part of one (read by two threads), standard input,
 * and the recursive walk of a directory, in name order so runs are repeatable. Symbolic links are
 * followed, once.
 */
import { closeSync, createReadStream, fstatSync, lstatSync, openSync, read, readdirSync, readSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { describeFsError } from './fs-errors.js';
import { openReadOnce } from './read-once-spool.js';
import { ACCOUNT_FOLDER, deliveryDays, folderMatchers, LayoutTrust, periodMayHold, PROBE_MAX_BYTES, REGION_FOLDER, type InputPruning } from './pruning.js';
import { isDigestFileName, isTrailFileName } from './trail-file-name.js';
import type { SourceProblem, TrailInput } from './trail-input.js';

export const STDIN_LABEL = '<stdin>';

const CHUNK_BYTES = 1 << 20;

/**
 * A local file. A small one is read with one blocking call: a tree's thousands of small files
 * would otherwise each wait for the thread pool four times (open, stat, read, close), and that
 * wait, not the reading, was most of the time on a tree.
 */
export function fileInput(path: string, size: number | undefined): TrailInput {
  return {
    label: path,
    path,
    size,
    open: () => createReadStream(path, { highWaterMark: 1 << 20 }),
    readWhole: async (maxBytes) => readSmallFile(path, maxBytes),
  };
}

/** Small files are read into this first (one read call, no fstat), then copied out at their size. */
const SMALL_READ_BYTES = 256 << 10;
let smallRead: Buffer | undefined;

/** FileArena chunks released on this thread, for its next batches. */
const spareChunks: Buffer[] = [];
const SPARE_CHUNKS_KEPT = 4;

/**
 * Room for a batch's small files, read one after the other into one buffer: each file's bytes are
 * a view into it, not a copy out of a read buffer, and a run of files read in a row is already the
 * one piece that gunzipping them together takes (see decodedTogether). On this VM, memory is
 * costly the first time it is touched: over the SANS tree (3,872 files of about 2 KB), the copies
 * out and the joins, and the fresh memory each took, made the run 10% slower.
 *
 * The walk does not stat files, so their sizes are not known ahead: the room is taken in chunks,
 * and a file that does not fit the room left goes to a new chunk. Once the batch is done with
 * every view into them (records are strings), `release` keeps the chunks for this thread's next
 * batch: fresh memory for each batch cost as many page faults as the copies did.
 */
export class FileArena {
  private buffer: Buffer;
  private used = 0;
  private readonly chunks: Buffer[] = [];

  constructor(private readonly chunkBytes: number) {
    this.buffer = this.newChunk();
  }

  /** Nothing points into the chunks any more: they go to the next arena made on this thread. */
  release(): void {
    for (const chunk of this.chunks.splice(0)) if (spareChunks.length < SPARE_CHUNKS_KEPT) spareChunks.push(chunk);
  }

  private newChunk(): Buffer {
    const spare = spareChunks.at(-1)?.length === this.chunkBytes ? spareChunks.pop() : undefined;
    const chunk = spare ?? Buffer.allocUnsafe(this.chunkBytes);
    this.chunks.push(chunk);
    return chunk;
  }

  /**
   * A file's bytes, read whole into the room left, or into a new chunk when that room was too
   * small; undefined when they may not fit a whole chunk either (a read filled it).
   */
  read(fd: number): Buffer | undefined {
    const bytes = this.readHere(fd);
    if (bytes || this.used === 0) return bytes;
    const last = { buffer: this.buffer, used: this.used };
    this.buffer = this.newChunk();
    this.used = 0;
    const inNew = this.readHere(fd);
    // Too big for any chunk: the room left in the last one is still good for the next file.
    if (!inNew) Object.assign(this, last);
    return inNew;
  }

  private readHere(fd: number): Buffer | undefined {
    const room = this.buffer.length - this.used;
    // A read that fills the room may have been cut at its end: not trusted.
    const n = room === 0 ? 0 : readSync(fd, this.buffer, this.used, room, 0);
    if (n === room) return undefined;
    const bytes = this.buffer.subarray(this.used, this.used + n);
    this.used += n;
    return bytes;
  }
}

/**
 * A file's bytes, read with blocking calls, or undefined when it holds more than `maxBytes`.
 * Throws what the file system says (missing, unreadable).
 */
export function readSmallFile(path: string, maxBytes = Infinity): Buffer | undefined {
  const read = readFileUpTo(path, maxBytes);
  return Buffer.isBuffer(read) ? read : undefined;
}

/**
 * As readSmallFile, read into `arena` when the file fits there, and a file of more than `maxBytes`
 * gives its size as this read saw it: asked again by name, a file removed or replaced since would
 * answer for another or for none (a tree being synced while it is read).
 */
export function readFileUpTo(path: string, maxBytes = Infinity, arena?: FileArena): Buffer | { tooBig: number } {
  const fd = openSync(path, 'r');
  try {
    // A short read of a regular file is its end.
    const inArena = arena?.read(fd);
    if (inArena) return inArena.length > maxBytes ? { tooBig: inArena.length } : inArena;
    // Most of a tree's files fit in one read.
    smallRead ??= Buffer.allocUnsafe(SMALL_READ_BYTES);
    const first = readSync(fd, smallRead, 0, SMALL_READ_BYTES, 0);
    if (first < SMALL_READ_BYTES) return first > maxBytes ? { tooBig: first } : Buffer.from(smallRead.subarray(0, first));
    const size = fstatSync(fd).size;
    if (size > maxBytes) return { tooBig: size };
    const buffer = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buffer, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === size ? buffer : buffer.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * Part of a plain file, from `start`, for the two parts of a split file (src/pipeline/
 * split-file.ts); `size` is the whole file's, for progress. While `blocking()` says so, reads are blocking calls on the calling thread: with
 * both cores scanning, a read waiting for a thread-pool thread leaves its scanner idle. After that
 * (the other part's worker gave up, and this thread reads on alone), reads go to the thread pool
 * one chunk ahead, overlapping with the scan, as a file stream's do.
 */
export function filePartInput(path: string, start: number, blocking: () => boolean = () => true, label = path, size?: number): TrailInput {
  return {
    label,
    size,
    open: () => {
      let fd: number | undefined;
      let position = start;
      let reads = 0;
      let ahead: Promise<Buffer | null> | undefined;
      // Blocking reads take turns in two buffers: the reader is done with a chunk before it asks
      // for the next one (the splitter copies what it keeps), and a fresh 1 MiB buffer per read
      // left hundreds of MB waiting for a garbage collection on a 2 GiB file.
      const own = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
      let turn = 0;
      const readAhead = (descriptor: number) =>
        new Promise<Buffer | null>((resolve, reject) => {
          const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
          const at = position;
          position += CHUNK_BYTES;
          read(descriptor, chunk, 0, CHUNK_BYTES, at, (error, bytes) => (error ? reject(error) : resolve(bytes > 0 ? chunk.subarray(0, bytes) : null)));
        });
      return new Readable({
        highWaterMark: 0,
        read() {
          const readChunk = () => {
            if (this.destroyed) return;
            try {
              fd ??= openSync(path, 'r');
              if (ahead || !blocking()) {
                const descriptor = fd;
                const next = ahead ?? readAhead(descriptor);
                next.then(
                  (chunk) => {
                    ahead = chunk && !this.destroyed ? readAhead(descriptor) : undefined;
                    this.push(chunk);
                  },
                  (error: Error) => this.destroy(error),
                );
                return;
              }
              const chunk = own[turn];
              turn ^= 1;
              const bytes = readSync(fd, chunk, 0, CHUNK_BYTES, position);
              position += bytes;
              this.push(bytes > 0 ? chunk.subarray(0, bytes) : null);
            } catch (error) {
              this.destroy(error as Error);
            }
          };
          // Every 16 MiB through the event loop: reads that never wait would leave signals
          // (Ctrl-C), timers and messages unhandled until the whole part is read.
          if (++reads % 16 === 0) setImmediate(readChunk);
          else readChunk();
        },
        destroy(error, callback) {
          // A read still in flight must not land in a closed (maybe reused) descriptor.
          const close = () => {
            if (fd !== undefined) closeSync(fd);
            callback(error);
          };
          if (ahead) ahead.then(close, close);
          else close();
        },
      });
    },
  };
}

export function stdinInput(): TrailInput {
  return { label: STDIN_LABEL, open: () => openReadOnce(STDIN_LABEL, () => process.stdin) };
}

/**
 * A path that is no regular file (`<(zcat …)`, /dev/stdin, a named pipe): streamed once, from its
 * start, without the blocking positioned read of small files (a pipe has no positions).
 */
export function pipeInput(path: string): TrailInput {
  return { label: path, open: () => openReadOnce(path, () => createReadStream(path, { highWaterMark: 1 << 20 })) };
}

/** What a directory walk is told and tells: problems, and the files it leaves unread, and why. */
export interface WalkContext {
  /** Real paths of the directories walked so far (a symbolic link loop is walked once). */
  seen: Set<string>;
  onProblem(problem: SourceProblem): void;
  /** Folders of an AWSLogs layout the window, accounts and regions rule out are not read. */
  pruning?: InputPruning;
  /** Files left unread in pruned folders. */
  onPruned?(files: number): void;
  /** Each day folder of an AWSLogs layout met, read or pruned: the days the inputs cover. */
  onDayFolder?(day: Date): void;
  /** A file whose name and first bytes say it is not a trail file (notes.txt, .DS_Store). */
  onNotTrail?(path: string): void;
}

/** The pruning, compiled once for a whole walk. */
interface FolderRule {
  account?: (name: string) => boolean;
  region?: (name: string) => boolean;
  days?: { first: number; last: number };
  /** Whether the tree keeps CloudTrail's layout, as the folders checked so far tell. */
  layout: LayoutTrust;
}

const folderRules = new WeakMap<InputPruning, FolderRule>();

function folderRule(pruning: InputPruning): FolderRule {
  let rule = folderRules.get(pruning);
  if (!rule) folderRules.set(pruning, (rule = { ...folderMatchers(pruning), days: deliveryDays(pruning), layout: new LayoutTrust('tree') }));
  return rule;
}

/**
 * Where a folder sits in the CloudTrail layout, `AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/
 * YYYY/MM/DD/`, as far as its name and its parents' names tell; `other` outside it. A region folder
 * found elsewhere (trees copied without the levels above it) counts too when it holds only years.
 */
export type Level = 'other' | 'awslogs' | 'org' | 'account' | 'trail' | 'region' | 'year' | 'month' | 'day';

function levelOf(parent: Level, name: string): Level {
  if (name === 'AWSLogs') return 'awslogs';
  switch (parent) {
    case 'awslogs':
      return name.startsWith('o-') ? 'org' : ACCOUNT_FOLDER.test(name) ? 'account' : 'other';
    case 'org':
      return ACCOUNT_FOLDER.test(name) ? 'account' : 'other';
    case 'account':
      return name === 'CloudTrail' ? 'trail' : 'other';
    case 'region':
      return /^\d{4}$/.test(name) ? 'year' : 'other';
    case 'year':
      return /^\d{2}$/.test(name) ? 'month' : 'other';
    case 'month':
      return /^\d{2}$/.test(name) ? 'day' : 'other';
    default:
      return REGION_FOLDER.test(name) ? 'region' : 'other';
  }
}

/** The year, month and day a folder at `level` names with its parents (none outside those levels). */
function datesOf(level: Level, parentDates: number[], name: string): number[] {
  return level === 'year' || level === 'month' || level === 'day' ? [...parentDates, Number(name)] : [];
}

/**
 * Where a folder a walk starts from sits in the layout, from the names of it and its parents: a
 * walk from `…/CloudTrail/us-east-1/2024/` prunes its month and day folders as a walk from
 * `AWSLogs/` would (and an S3 listing of that prefix does).
 */
export function placeOf(dir: string): { level: Level; dates: number[] } {
  let level: Level = 'other';
  let dates: number[] = [];
  for (const name of resolve(dir).split(sep)) {
    if (name === '') continue;
    level = levelOf(level, name);
    dates = datesOf(level, dates, name);
  }
  return { level, dates };
}

/** Can a folder at this place of the layout hold records the pruning lets through? */
function folderMayHold(level: Level, name: string, dates: number[], walk: WalkContext): boolean {
  if (!walk.pruning) return true;
  const { account, region, days } = folderRule(walk.pruning);
  if (level === 'account') return !account || account(name);
  if (level === 'region') return !region || region(name);
  if (!days || (level !== 'year' && level !== 'month' && level !== 'day')) return true;
  const [year, month, day] = [...dates, Number(name)];
  return periodMayHold(days, year, month, day);
}

/**
 * May a folder the filters rule out be left unread? A day folder may (a file lands in the folder
 * of its delivery day, see pruning.ts); a region or account folder only while the tree keeps
 * CloudTrail's layout, as its first trail file shows (LayoutTrust).
 */
function layoutAllowsPruning(dir: string, level: Level, context: WalkContext): boolean {
  if ((level !== 'region' && level !== 'account') || !context.pruning) return true;
  const trust = folderRule(context.pruning).layout;
  if (trust.settled !== undefined) return trust.settled;
  const first = firstTrailFile(dir);
  // Nothing in it to lose.
  if (first === undefined) return true;
  let stored: Buffer | undefined;
  try {
    stored = readSmallFile(first, PROBE_MAX_BYTES);
  } catch {
    stored = undefined;
  }
  return trust.judge(stored, level, basename(dir), first, context.onProblem);
}

/** Whether the path, as a string, names something (a name that was not UTF-8 no longer does). */
function existsByName(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * An entry's name as its bytes, the bytes past ASCII written `\xff`: Node reads names as UTF-8,
 * and what it cannot read becomes U+FFFD, which would name no file a user could find.
 */
function rawName(dir: string, name: string): string {
  try {
    for (const raw of readdirSync(dir, { encoding: 'buffer' })) {
      if (raw.toString('utf8') !== name) continue;
      let text = '';
      for (const byte of raw) text += byte < 0x80 ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
      return text;
    }
  } catch {
    // gone since: its name as Node read it
  }
  return name;
}

/** Directory entries in name order, as the walk reads them (code-unit order, not the locale's). */
const byName = (a: Dirent, b: Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The first file of a folder the walk would read (in name order, depth first), if any. */
function firstTrailFile(dir: string, depth = 0): string | undefined {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  entries.sort(byName);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = depth < 8 ? firstTrailFile(path, depth + 1) : undefined;
      if (found) return found;
    } else if (entry.isFile() && !isDigestFileName(path) && (isTrailFileName(path) || looksLikeTrail(path))) {
      return path;
    }
  }
  return undefined;
}

/**
 * Files under a pruned folder, counted (not read, not even stat'ed) for --stats; the day folders
 * among them are told, so that a window missing every folder can say which days there are.
 */
function countFiles(dir: string, onDayFolder?: (day: Date) => void): number {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return 0;
  }
  let files = 0;
  for (const entry of entries) {
    if (!entry.isDirectory()) {
      files++;
      continue;
    }
    const date = /(?:^|[/\\])(\d{4})[/\\](\d{2})[/\\](\d{2})$/.exec(join(entry.parentPath, entry.name));
    if (date) onDayFolder?.(new Date(Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]))));
  }
  return files;
}

/** Bytes enough to see what a file holds: past a byte order mark and a delivery file's first key. */
const SNIFF_BYTES = 4096;
const TRAIL_MARKERS = ['"Records"', '"eventVersion"', '"eventSource"', '"eventName"', '"eventTime"', '"userIdentity"', '"Events"', '"CloudTrailEvent"'];

/**
 * Does a file whose name says nothing (S3 downloads lose extensions: `obj1`, `x.gz`) hold a trail?
 * Its first bytes, gunzipped when they are gzip, must start a JSON object or array and name a
 * CloudTrail field.
 */
export function looksLikeTrail(path: string): boolean {
  let head: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(SNIFF_BYTES);
      head = buffer.subarray(0, readSync(fd, buffer, 0, SNIFF_BYTES, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    // Unreadable: let the reader say so, as for a file named like a trail.
    return true;
  }
  if (head[0] === 0x1f && head[1] === 0x8b) {
    // Gzip that breaks or ends before it says anything (a truncated download) is still a file
    // meant to be read: the reader names the fault rather than the walk passing it over.
    try {
      head = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch {
      return true;
    }
    if (head.length === 0) return true;
  }
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  return (text.startsWith('{') || text.startsWith('[')) && TRAIL_MARKERS.some((marker) => text.includes(marker));
}

/** A directory being walked: its entries in name order, and the next one to look at. */
interface WalkFrame {
  prefix: string;
  level: Level;
  dates: number[];
  entries: Dirent[];
  next: number;
}

/**
 * A directory opened for the walk (listed, sorted, placed in the layout), or undefined when it is
 * not to be walked: unreadable, already walked (a link loop), or pruned.
 */
function openFolder(dir: string, context: WalkContext, level: Level, dates: number[]): WalkFrame | undefined {
  const { seen, onProblem } = context;
  let real: string;
  try {
    // The C library's realpath: the JavaScript one stats every part of the path, for every folder.
    real = realpathSync.native(dir);
  } catch (error) {
    onProblem({ label: dir, message: describeFsError(error) });
    return undefined;
  }
  if (seen.has(real)) {
    // A link to a folder it is in is a loop; one to a folder beside it (or a path given twice) only
    // leads to files already read.
    let parent = '';
    try {
      parent = realpathSync.native(dirname(dir));
    } catch {
      // gone since: told as no loop
    }
    const loop = parent === real || parent.startsWith(real.endsWith(sep) ? real : real + sep);
    onProblem({ label: dir, message: loop ? 'symbolic link loop, already walked; skipped' : 'the same folder as one already walked; skipped', warning: true });
    return undefined;
  }
  seen.add(real);
  let entries: Dirent[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    onProblem({ label: dir, message: describeFsError(error) });
    return undefined;
  }
  entries = entries.sort(byName);
  // A region-named folder outside the documented layout is a region folder only if it holds years.
  if (level === 'region' && !entries.every((e) => e.isDirectory() && /^\d{4}$/.test(e.name))) level = 'other';
  if (!folderMayHold(level, basename(dir), dates.slice(0, -1), context) && layoutAllowsPruning(dir, level, context)) {
    if (level === 'day' && dates.length === 3) context.onDayFolder?.(new Date(Date.UTC(dates[0], dates[1] - 1, dates[2])));
    context.onPruned?.(countFiles(dir, context.onDayFolder));
    return undefined;
  }
  if (level === 'day' && dates.length === 3) context.onDayFolder?.(new Date(Date.UTC(dates[0], dates[1] - 1, dates[2])));
  return { prefix: dir.endsWith('/') ? dir : `${dir}/`, level, dates, entries, next: 0 };
}

/**
 * The walk uses blocking calls: each takes microseconds, where a call through the thread pool
 * waits far longer, and a tree has thousands of files. A directory is listed at once; the caller
 * reads files between two directories. Depth first, in name order, with a stack of open folders:
 * one generator however deep the tree, and a plain one, as nothing in it waits (a nested
 * generator per level cost every file a round of promises per level, ~4 µs a file in an AWSLogs
 * tree, and V8 spent tens of milliseconds optimising each async generator on the way).
 */
export function* walk(dir: string, context: WalkContext, { level, dates } = placeOf(dir)): Generator<TrailInput> {
  const { onProblem } = context;
  const stack: WalkFrame[] = [];
  const top = openFolder(dir, context, level, dates);
  if (top) stack.push(top);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.next >= frame.entries.length) {
      stack.pop();
      continue;
    }
    const entry = frame.entries[frame.next++];
    const path = frame.prefix + entry.name;
    if (entry.name.includes('\uFFFD') && !existsByName(path)) {
      onProblem({ label: frame.prefix + rawName(frame.prefix, entry.name), message: 'its name is not valid UTF-8, and Node opens files only by UTF-8 names: rename it to read it' });
      continue;
    }
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    let size: number | undefined;
    if (entry.isSymbolicLink()) {
      try {
        const target = statSync(path);
        isDir = target.isDirectory();
        isFile = target.isFile();
        size = target.size;
      } catch (error) {
        onProblem({ label: path, message: describeFsError(error) });
        continue;
      }
    }
    if (isDir) {
      const child = levelOf(frame.level, entry.name);
      const opened = openFolder(path, context, child, datesOf(child, frame.dates, entry.name));
      if (opened) stack.push(opened);
      continue;
    }
    if (isDigestFileName(path)) continue;
    // A socket, a named pipe or a device inside a tree is no trail file: counted as one passed over
    // (a pipe named on the command line is read, see expand-paths.ts).
    if (!isFile || (!isTrailFileName(path) && !looksLikeTrail(path))) {
      context.onNotTrail?.(path);
      continue;
    }
    // No stat here: a tree has thousands of files, and whoever reads one learns its size then.
    yield fileInput(path, size);
  }
}
