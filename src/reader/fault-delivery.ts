/**
 * How a reader tells an input's faults, the same for both readers: in file order among its
 * records (FaultQueue); each counted; past the first MAX_FAULTS_SHOWN_PER_INPUT one line says more
 * are left out and the rest are counted silently (a file of garbage cannot flood the terminal),
 * except a fault that ends the reading, which is the cause of the others; and with --strict the
 * first fault ends the input and says so.
 */
import type { ReadOptions } from './read-options.js';
import type { InputFault, TrailRecord } from './trail-record.js';

export const MAX_FAULTS_SHOWN_PER_INPUT = 20;

/** A fault's message as --strict tells it: `...; record skipped` becomes `...; stopped here (--strict)`. */
export function stoppedHere(message: string): string {
  return `${message.replace(/; (?:(?:record )?skipped|read on from the next record)$/, '')}; stopped here (--strict)`;
}

/** Is this fault one that ends the reading of its input under --strict? (Warnings never do.) */
function stopsReading(fault: Pick<InputFault, 'warning'>, options: Pick<ReadOptions, 'stopOnFault'>): boolean {
  return options.stopOnFault === true && !fault.warning;
}

/**
 * Tells an input's faults to `onFault`: counted, the first MAX_FAULTS_SHOWN_PER_INPUT shown. A class,
 * not a closure: one is made per file of a tree.
 */
class FaultDelivery {
  /** Faults delivered so far, shown or not. */
  count = 0;

  constructor(
    private readonly file: string,
    private readonly options: Pick<ReadOptions, 'onFault' | 'stopOnFault'>,
  ) {}

  deliver(fault: Omit<InputFault, 'file'>): void {
    const { file, options } = this;
    const count = ++this.count;
    // With --strict the fault ends the run: the message must not say the reading went on past it.
    if (stopsReading(fault, options)) fault = { ...fault, message: stoppedHere(fault.message) };
    const ends = fault.reason === 'unreadable input' || fault.reason === 'truncated or corrupt input';
    if (count === MAX_FAULTS_SHOWN_PER_INPUT + 1) {
      options.onFault({ file, message: 'more problems in this input are not shown (--stats counts them)', reason: fault.reason, warning: true });
    }
    options.onFault({ ...fault, file, ...(count > MAX_FAULTS_SHOWN_PER_INPUT && !ends ? { silent: true } : {}) });
  }
}

/** A fault as a reader finds it (the file is the queue's). */
type FoundFault = Omit<InputFault, 'file'> & { file?: string };

/**
 * An input's faults, each waiting with the number of records found before it until the piece of
 * input that found it is done: `drain` then hands out records and faults in file order, however
 * the pieces fell.
 */
export class FaultQueue {
  private readonly delivery: FaultDelivery;
  private readonly queued: Array<{ fault: FoundFault; after: number }> = [];
  private stopped = false;

  constructor(
    file: string,
    private readonly options: Pick<ReadOptions, 'onFault' | 'stopOnFault'>,
  ) {
    this.delivery = new FaultDelivery(file, options);
  }

  /** True once the reading of the input ended (a --strict fault, or `halt`): nothing more is told. */
  get halted(): boolean {
    return this.stopped;
  }

  /** Faults handed out so far, shown or not. */
  get count(): number {
    return this.delivery.count;
  }

  /** A fault found after `recordsBefore` records of the piece being read. */
  tell(fault: FoundFault, recordsBefore: number): void {
    if (this.stopped) return;
    if (stopsReading(fault, this.options)) this.stopped = true;
    this.queued.push({ fault, after: recordsBefore });
  }

  /** The reading stops here for another reason (the rest is handed to someone else). */
  halt(): void {
    this.stopped = true;
  }

  /** Any fault waiting to be handed out? */
  get waiting(): boolean {
    return this.queued.length > 0;
  }

  /** The piece's records, with the faults told among them in their places. */
  *drain(records: TrailRecord[]): Generator<TrailRecord[]> {
    let from = 0;
    for (const { fault, after } of this.queued.splice(0)) {
      if (after > from) yield records.slice(from, after);
      from = Math.max(from, after);
      this.delivery.deliver(fault);
    }
    if (records.length > from) yield from === 0 ? records : records.slice(from);
  }
}
