/**
 * Buffered writes to stdout (or any stream) that respect back-pressure and treat a closed pipe as
 * the reader having had enough (`kmstrail ... | head` ends quietly), while any other write error
 * (a full disk) is remembered and reported by the command.
 */
import type { Writable } from 'node:stream';

const FLUSH_AT = 1 << 16;
/**
 * Text longer than this goes to the stream in pieces of this many characters, each encoded into
 * one reused buffer once the stream is done with the last. Handed over whole, a 50 MB string would
 * be encoded into a 50 MB buffer; in fresh pieces, the pieces would pile up until a garbage
 * collection; and a pipe joins the pieces it has not taken yet into one buffer.
 */
const PIECE = 1 << 20;

/** Every Output of the run, for an interrupt (see settleOutputs). */
const outputs = new Set<Output>();

/**
 * For a run stopped by a signal: what each output was given goes to its stream whole, and nothing
 * more is taken. Resolves once the streams took it, or after `ms` (a reader that never reads
 * again). Exiting at once dropped the writes a full pipe had queued, and a record was cut off.
 */
export async function settleOutputs(ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([Promise.all([...outputs].map((output) => output.settle())), late]);
  clearTimeout(timer);
}

export class Output {
  private pending: string[] = [];
  /** Set by settle: the run was stopped, and what comes after is not written. */
  private settling = false;
  private readonly closers: Array<() => void> = [];
  private pendingBytes = 0;
  /** A flush is due once the work in hand is done (see write). */
  private flushDue = false;
  /**
   * Text flushed but not yet given to the stream, because the stream asked to wait. Huge text waits
   * as pieces still to be made, so that only the piece being written exists as a copy.
   */
  private queue: Array<string | Iterator<string>> = [];
  /** Where a piece of huge text is encoded; busy until the stream calls back for it. */
  private scratch: Buffer | undefined;
  private scratchBusy = false;
  private waiting: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Told before text goes to the stream: a progress line on the same terminal clears itself. */
  private readonly beforeWrites: Array<() => void> = [];
  /** The reader of our output went away (EPIPE): stop producing, exit quietly. */
  closed = false;
  /** A write failed for another reason. */
  error: Error | undefined;

  /**
   * `fit: false` (`--wide`): tables keep every column and every value whole, whatever the
   * terminal's width.
   */
  constructor(
    private readonly stream: Writable,
    private readonly options: { fit?: boolean } = {},
  ) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else this.error ??= error;
      this.pending = [];
      this.queue = [];
      this.resume();
    });
    stream.on('drain', () => this.resume());
    stream.on('close', () => this.resume());
    outputs.add(this);
  }

  /**
   * `close` writes what makes the output whole if the run is stopped now (a JSON array's `]`): told
   * by settle, before it takes nothing more.
   */
  onSettle(close: () => void): void {
    this.closers.push(close);
  }

  /** Writes what was given, takes nothing more, and resolves once the stream took it (see settleOutputs). */
  async settle(): Promise<void> {
    for (const close of this.closers.splice(0)) close();
    this.flush();
    this.settling = true;
    await this.ready();
    if (this.stream.destroyed) return;
    // Taken is not written: exiting while the stream still held the last text (a JSON array's
    // closing `]`) dropped it, about once in ten under load.
    await this.written();
  }

  /**
   * The width tables must fit: the terminal's, read when asked (a window may be resized), or
   * undefined when the output is not a terminal or tables need not fit.
   */
  get width(): number | undefined {
    const tty = this.stream as Writable & { isTTY?: boolean; columns?: number };
    return this.options.fit !== false && tty.isTTY === true && (tty.columns ?? 0) > 0 ? tty.columns : undefined;
  }

  /** `listener` runs before each write to the stream (not on every buffered `write`). */
  beforeWrite(listener: () => void): void {
    this.beforeWrites.push(listener);
  }

  /** True once nothing more should be written. */
  get stopped(): boolean {
    return this.closed || this.error !== undefined;
  }

  write(text: string): void {
    if (this.stopped || this.settling) return;
    if (text.length >= FLUSH_AT) {
      // A huge value (a 50 MB policy) goes out alone: joining it to others would copy it again.
      this.flush();
      this.send(text.length > PIECE ? textPieces(text) : text);
      return;
    }
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= FLUSH_AT) this.flush();
    else if (!this.flushDue) {
      // Text also goes out when the run next waits (for input from a pipe, a live feed): what
      // was found is shown then, not held until 64 KB more of it or the end.
      this.flushDue = true;
      setImmediate(() => {
        this.flushDue = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    if (this.pending.length === 0 || this.stopped) return;
    const text = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    this.send(text);
  }

  /**
   * Writes text made a piece at a time, each piece at most PIECE characters: the next piece is asked
   * for only once the stream has taken the last.
   */
  writePieces(pieces: Iterable<string>): void {
    if (this.stopped || this.settling) return;
    this.flush();
    this.send(pieces[Symbol.iterator]());
  }

  private send(text: string | Iterator<string>): void {
    this.queue.push(text);
    this.pump();
  }

  /** Gives queued text to the stream until the stream asks to wait. */
  private pump(): void {
    // A destroyed stream never drains: writing on would wait forever.
    while (this.queue.length > 0 && !this.waiting && !this.stopped && !this.stream.destroyed) {
      for (const listener of this.beforeWrites) listener();
      const text = this.queue[0];
      if (typeof text === 'string') {
        this.queue.shift();
        if (!this.stream.write(text)) this.pause();
        continue;
      }
      if (this.scratchBusy) {
        this.pause();
        return;
      }
      const next = text.next();
      if (next.done) {
        this.queue.shift();
        continue;
      }
      const piece = next.value;
      if (piece.length > PIECE) {
        if (!this.stream.write(piece)) this.pause();
        continue;
      }
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      this.scratch ??= Buffer.allocUnsafeSlow(3 * PIECE);
      const length = this.scratch.write(piece);
      this.scratchBusy = true;
      const more = this.stream.write(this.scratch.subarray(0, length), () => {
        this.scratchBusy = false;
        this.resume();
      });
      if (!more) this.pause();
    }
  }

  private pause(): void {
    this.waiting ??= new Promise<void>((resolve) => (this.wake = resolve));
  }

  /** The stream drained, took a piece, failed or closed: carry on, and wake whoever waits. */
  private resume(): void {
    const wake = this.wake;
    this.waiting = undefined;
    this.wake = undefined;
    this.pump();
    wake?.();
  }

  /**
   * Resolves when the stream has taken all queued text and can take more; call between batches so
   * memory stays bounded.
   */
  async ready(): Promise<void> {
    while (this.waiting) await this.waiting;
  }

  /** Flushes everything and waits until the stream has taken it. */
  async end(): Promise<void> {
    this.flush();
    await this.ready();
    await this.written();
  }

  /** Resolves once earlier writes reached the OS (an empty write's callback tells); at once when stopped. */
  private async written(): Promise<void> {
    if (this.stopped) return;
    await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
  }
}

/**
 * `text` in slices of at most `size` characters, never cut between the two halves of a surrogate
 * pair (each half alone would be encoded as U+FFFD, or escaped by JSON.stringify). A slice of a
 * flat string shares its characters: nothing is copied.
 */
export function* textPieces(text: string, size = PIECE): Generator<string> {
  for (let from = 0; from < text.length; ) {
    let to = Math.min(from + size, text.length);
    if (to < text.length && isHighSurrogate(text.charCodeAt(to - 1))) to--;
    yield from === 0 && to === text.length ? text : text.slice(from, to);
    from = to;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
