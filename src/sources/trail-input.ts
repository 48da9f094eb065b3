/**
 * The sources stage: what the user named on the command line, as a list of inputs to read. An
 * input knows how to name itself in messages and how to open its bytes; it knows nothing of JSON.
 */
import type { Readable } from 'node:stream';

export interface TrailInput {
  /** How messages name it: the path as given or as found while walking, or `<stdin>`. */
  label: string;
  /** The local file behind it, when there is one (not stdin, not S3): it can be read in parts. */
  path?: string;
  /** Size in bytes as stored (compressed, if it is), when known. */
  size?: number;
  /** Opens the stored bytes; gzip is undone later, by `decodedChunks`. */
  open(): Readable;
  /**
   * Reads all stored bytes at once: cheaper than a stream for the many small files of a trail
   * tree. Undefined when they are more than `maxBytes` (the size may not be known beforehand).
   */
  readWhole?(maxBytes?: number): Promise<Buffer | undefined>;
}

/** A problem with a path itself (missing, unreadable, nothing to read), reported by the walker. */
export interface SourceProblem {
  label: string;
  message: string;
  /** Warnings are told but do not fail the run. */
  warning?: boolean;
}
