/**
 * Lets a loop that drains a queue sleep until an event handler adds to it: `notify()` from the
 * handler, `await wait()` in the loop. Used where Node streams are consumed through events rather
 * than async iteration, because iteration drops what was buffered when the stream fails.
 */
export class Wakeup {
  private resolve: (() => void) | undefined;

  readonly notify = (): void => {
    const resolve = this.resolve;
    this.resolve = undefined;
    resolve?.();
  };

  wait(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.resolve = resolve;
    });
  }
}
