/**
 * Buffered writes to stdout (or any stream) that respect back-pressure and treat a closed pipe as
 * the reader having had enough (`kmstrail ... | head` ends quietly), while any other write error
 * (a full disk) is remembered and reported by the command.
 */
import type { Writable } from 'node:stream';

const FLUSH_AT = 1 << 16;
/**
 * Huge text goes to the stream in pieces of at most this many characters, each once the stream has
 * taken the last: the stream turns what it is given into bytes of its own, so a 50 MB write (or a
 * pile of pieces a pipe has not taken yet, which it joins into one buffer) would cost 50 MB more.
 */
const PIECE = 1 << 20;

export class Output {
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Text flushed but not yet given to the stream, because the stream asked to wait. */
  private queue: string[] = [];
  /** Characters of `queue[0]` already given to the stream. */
  private queueFrom = 0;
  private waiting: Promise<void> | undefined;
  /** The reader of our output went away (EPIPE): stop producing, exit quietly. */
  closed = false;
  /** A write failed for another reason. */
  error: Error | undefined;

  constructor(private readonly stream: Writable) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else this.error ??= error;
      this.pending = [];
      this.queue = [];
    });
  }

  /** True once nothing more should be written. */
  get stopped(): boolean {
    return this.closed || this.error !== undefined;
  }

  write(text: string): void {
    if (this.stopped) return;
    if (text.length >= FLUSH_AT) {
      // A huge value (a 50 MB policy) goes out alone: joining it to others would copy it again.
      this.flush();
      this.send(text);
      return;
    }
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0 || this.stopped) return;
    const text = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    this.send(text);
  }

  private send(text: string): void {
    this.queue.push(text);
    this.pump();
  }

  /** Gives queued text to the stream, huge text a piece at a time, until the stream asks to wait. */
  private pump(): void {
    // A destroyed stream never drains: writing on would wait forever.
    while (this.queue.length > 0 && !this.waiting && !this.stopped && !this.stream.destroyed) {
      const text = this.queue[0];
      const from = this.queueFrom;
      let to = Math.min(from + PIECE, text.length);
      // Never between the two halves of a surrogate pair: each would be written as U+FFFD.
      if (to < text.length && isHighSurrogate(text.charCodeAt(to - 1))) to--;
      if (to === text.length) {
        this.queue.shift();
        this.queueFrom = 0;
      } else {
        this.queueFrom = to;
      }
      // A slice of a flat string shares its characters: nothing is copied until the stream encodes it.
      const piece = from === 0 && to === text.length ? text : text.slice(from, to);
      if (!this.stream.write(piece)) this.waitForDrain();
    }
  }

  private waitForDrain(): void {
    this.waiting = new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        this.waiting = undefined;
        this.pump();
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
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
    if (this.stopped) return;
    await new Promise<void>((resolve) => {
      // Writing an empty string with a callback tells us when earlier writes reached the OS.
      this.stream.write('', () => resolve());
    });
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
