/**
 * Inputs that can be read only once (standard input, a pipe given as a path such as `<(zcat …)`),
 * made readable again for the commands that read their inputs twice: a first pass for origins or
 * aliases, then the real one (or report's key timelines after it). Once a command asks for it
 * (`spoolReadOnceInputs`), the first read of such an input also writes its bytes to a temporary
 * file, and later reads take them from there, under the same label. The file goes when the
 * process ends.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

interface Spool {
  file: string;
  /** Settles once every byte of the input is in `file`. */
  written: Promise<void>;
  /** What the first read was given: ended early by its reader, the input still goes on into `file`. */
  first: PassThrough;
}

let spooling = false;
let dir: string | undefined;
const spools = new Map<string, Spool>();

/** From now on, inputs read once are kept for a second read. */
export function spoolReadOnceInputs(): void {
  spooling = true;
}

/** Are inputs read once kept for a second read? */
export function readOnceInputsSpooled(): boolean {
  return spooling;
}

function spoolDir(): string {
  if (dir === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'kmstrail-input-'));
    dir = made;
    // Also on SIGINT, SIGTERM and SIGHUP, which the CLI turns into process.exit (src/cli/main.ts).
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return dir;
}

/** Opens an input that can be read once (`open`), through its spool when spooling. */
export function openReadOnce(label: string, open: () => Readable): Readable {
  if (!spooling) return open();
  const spool = spools.get(label);
  if (spool) {
    // The read before is over (passes run one after another): whatever it left unread still goes
    // into the file once its stream is let go.
    spool.first.destroy();
    const again = new PassThrough({ highWaterMark: 1 << 20 });
    spool.written.then(
      () => createReadStream(spool.file, { highWaterMark: 1 << 20 }).pipe(again),
      (error: unknown) => again.destroy(error as Error),
    );
    return again;
  }
  const file = join(spoolDir(), `input-${spools.size}`);
  const source = open();
  const copy = createWriteStream(file);
  const first = new PassThrough({ highWaterMark: 1 << 20 });
  source.pipe(copy);
  source.pipe(first);
  source.once('error', (error) => {
    copy.destroy(error);
    first.destroy(error);
  });
  const written = finished(copy);
  // Told to a second read, if one comes; not an unhandled rejection when none does.
  written.catch(() => {});
  spools.set(label, { file, written, first });
  return first;
}
