/**
 * Buffered writes to stdout (or any stream) that respect back-pressure and treat a closed pipe as
 * the reader having had enough (`kmstrail ... | head` ends quietly), while any other write error
 * (a full disk) is remembered and reported by the command.
 */
import type { Writable } from 'node:stream';

const FLUSH_AT = 1 << 16;

export class Output {
  private pending: string[] = [];
  private pendingBytes = 0;
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
      this.pending.push(text);
      this.flush();
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
    if (!this.stream.write(text) && !this.waiting) {
      this.waiting = new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          this.stream.off('close', done);
          this.waiting = undefined;
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('error', done);
        this.stream.on('close', done);
      });
    }
  }

  /** Resolves when the stream can take more; call between batches so memory stays bounded. */
  async ready(): Promise<void> {
    if (this.waiting) await this.waiting;
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
