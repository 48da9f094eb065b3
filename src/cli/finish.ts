/** How every command ends: flush stdout, print the summary lines, settle the exit code. */
import type { Output } from '../sinks/output.js';
import { EXIT_INPUT_FAILED, EXIT_OK, type Messages } from './messages.js';

export async function finish(out: Output, messages: Messages, summary: string[], exitCode?: number): Promise<void> {
  await out.end();
  if (out.error) {
    messages.line(`cannot write output: ${describeWriteError(out.error)}`);
    process.exitCode = EXIT_INPUT_FAILED;
    return;
  }
  for (const line of summary) messages.line(line);
  process.exitCode = exitCode ?? (messages.inputFailed ? EXIT_INPUT_FAILED : EXIT_OK);
}

function describeWriteError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return 'no space left on device';
  if (code === 'EIO') return 'input/output error';
  return error.message;
}
