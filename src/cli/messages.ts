/**
 * Everything the user reads on stderr, and the exit code it adds up to. Every line starts with
 * `kmstrail:` and names the input and the place (`file:line: ... (byte N)`), like a compiler.
 * A problem with one input never stops the others; the exit code is decided at the end.
 */
import type { InputFault } from '../reader/trail-record.js';
import type { SourceProblem } from '../sources/trail-input.js';
import { terminalSafe } from '../sinks/terminal-safe.js';
import { wrapWords } from '../util/wrap-words.js';

export const EXIT_OK = 0;
export const EXIT_INPUT_FAILED = 1;
export const EXIT_USAGE = 2;
/** `detect --fail-on`: a hit at or above the level was found. */
export const EXIT_HITS = 3;

export class UsageError extends Error {}

/** A first pass's faults kept for telling: past this many, the rest go untold (the real pass's are all told). */
const MAX_HELD_FAULTS = 1000;
/** Input problems kept as told, for the report (the rest are counted). */
const MAX_PROBLEM_LINES = 50;

/** A fault by its place, not its words: a first pass may tell the same one otherwise (`record skipped` for --strict's `stopped here`). */
const faultKey = (fault: InputFault) => `${fault.file}\0${fault.offset ?? ''}\0${fault.line ?? ''}\0${fault.reason}`;

export class Messages {
  /** Some input could not be fully read: the run ends with exit code 1. */
  inputFailed = false;
  private readonly lineListeners: Array<() => void> = [];

  /**
   * `width`: the terminal's, when stderr is one. A message is one line, for grep and for logs; on a
   * terminal, a long one is broken at spaces (its further lines indented), not mid-word by the
   * terminal.
   */
  constructor(
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
    private readonly width: () => number | undefined = () => (process.stderr.isTTY ? process.stderr.columns : undefined),
  ) {}

  /** Called before each message line (the progress bar clears itself). */
  beforeLine(listener: () => void): void {
    this.lineListeners.push(listener);
  }

  line(text: string): void {
    for (const listener of this.lineListeners) listener();
    const safe = terminalSafe(text);
    const width = this.width();
    this.write(`${width && width > 0 ? wrapWords(safe, width, 'kmstrail: ', '  ').join('\n') : `kmstrail: ${safe}`}\n`);
  }

  /**
   * The input problems told (faults and unreadable sources, warnings too): the first ones as told,
   * and how many, for a report to say that its input was damaged.
   */
  readonly problems: { lines: string[]; total: number } = { lines: [], total: 0 };

  private noteProblem(text: string): void {
    this.problems.total++;
    if (this.problems.lines.length < MAX_PROBLEM_LINES) this.problems.lines.push(text);
  }

  /** Faults told (or counted silently), by their place (faultKey): a first pass's are told once. */
  private readonly told = new Set<string>();
  /** A first pass's faults, until the real pass has told its own (see RunReport.firstPassFault). */
  private held: InputFault[] = [];

  holdFault(fault: InputFault): void {
    if (!fault.silent && this.held.length < MAX_HELD_FAULTS) this.held.push(fault);
  }

  /** The faults a first pass found and the real pass did not: records it passed over unparsed. */
  tellHeldFaults(): void {
    const held = this.held;
    this.held = [];
    for (const fault of held) if (!this.told.has(faultKey(fault))) this.fault(fault);
  }

  dropHeldFaults(): void {
    this.held = [];
  }

  fault(fault: InputFault): void {
    if (!fault.warning) this.inputFailed = true;
    this.told.add(faultKey(fault));
    if (fault.silent) return;
    let place = fault.file;
    if (fault.line !== undefined) place += `:${fault.line}`;
    if (fault.line !== undefined && fault.column !== undefined) place += `:${fault.column}`;
    const byte = fault.offset !== undefined ? ` (byte ${fault.offset})` : '';
    const text = `${place}: ${fault.warning ? 'warning: ' : ''}${fault.message}${byte}`;
    this.noteProblem(text);
    this.line(text);
  }

  source(problem: SourceProblem): void {
    if (!problem.warning) this.inputFailed = true;
    const text = `${problem.label}: ${problem.warning ? 'warning: ' : ''}${problem.message}`;
    this.noteProblem(text);
    this.line(text);
  }
}
