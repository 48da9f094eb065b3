/**
 * How a reader tells an input's faults, the same for both readers: each is counted; past the
 * first MAX_FAULTS_SHOWN_PER_INPUT one line says more are left out and the rest are counted
 * silently (a file of garbage cannot flood the terminal), except a fault that ends the reading,
 * which is the cause of the others; and with --strict a fault says it stopped the reading.
 */
import type { ReadOptions } from './read-options.js';
import type { InputFault } from './trail-record.js';

export const MAX_FAULTS_SHOWN_PER_INPUT = 20;

/** A fault's message as --strict tells it: `...; record skipped` becomes `...; stopped here (--strict)`. */
export function stoppedHere(message: string): string {
  return `${message.replace(/; (?:(?:record )?skipped|read on from the next record)$/, '')}; stopped here (--strict)`;
}

/** Is this fault one that ends the reading of its input under --strict? (Warnings never do.) */
export function stopsReading(fault: Pick<InputFault, 'warning'>, options: Pick<ReadOptions, 'stopOnFault'>): boolean {
  return options.stopOnFault === true && !fault.warning;
}

export interface FaultDelivery {
  deliver(fault: Omit<InputFault, 'file'>): void;
  /** Faults delivered so far, shown or not. */
  readonly count: number;
}

export function faultDelivery(file: string, options: Pick<ReadOptions, 'onFault' | 'stopOnFault'>): FaultDelivery {
  let count = 0;
  return {
    deliver(fault) {
      count++;
      // With --strict the fault ends the run: the message must not say the reading went on past it.
      if (stopsReading(fault, options)) fault = { ...fault, message: stoppedHere(fault.message) };
      const ends = fault.reason === 'unreadable input' || fault.reason === 'truncated or corrupt input';
      if (count === MAX_FAULTS_SHOWN_PER_INPUT + 1) {
        options.onFault({ file, message: 'more problems in this input are not shown (--stats counts them)', reason: fault.reason, warning: true });
      }
      options.onFault({ ...fault, file, ...(count > MAX_FAULTS_SHOWN_PER_INPUT && !ends ? { silent: true } : {}) });
    },
    get count() {
      return count;
    },
  };
}
