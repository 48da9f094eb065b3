/**
 * The progress bar on stderr: bytes and records read, rate, and the file being read. Only when
 * stderr is a terminal and not --quiet, so pipes and CI logs stay clean; and not when standard
 * output is a pipe, as what reads it (`| head`, `| jq`) may print to the same screen, where the
 * bar would be left in the middle of its lines.
 */
import { fstatSync } from 'node:fs';
import { terminalSafe } from '../sinks/terminal-safe.js';
import type { RunReport } from '../pipeline/run-pipeline.js';
import type { Messages } from './messages.js';

export interface Progress {
  update: RunReport['progress'];
  stop(): void;
}

/** Whether file descriptor `fd` is a pipe or a socket (not a terminal, a file or /dev/null). */
export function isPipe(fd: number): boolean {
  try {
    const stats = fstatSync(fd);
    return stats.isFIFO() || stats.isSocket();
  } catch {
    return false;
  }
}

export function progressFor(run: { quiet: boolean }, messages: Messages, stream: NodeJS.WriteStream = process.stderr, stdoutIsPipe = isPipe(1)): Progress {
  if (run.quiet || !stream.isTTY || stdoutIsPipe) return { update: undefined, stop: () => {} };
  let last = 0;
  let shown = false;
  const clear = () => {
    if (shown) stream.write('\r\x1b[2K');
    shown = false;
  };
  messages.beforeLine(clear);
  return {
    update(stats, file, fileBytes, fileSize) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const seconds = Math.max((now - stats.startedAt) / 1000, 0.001);
      const mib = stats.bytes / (1 << 20);
      const safe = terminalSafe(file);
      const name = safe.length > 40 ? `…${safe.slice(-39)}` : safe;
      const rate = mib / seconds;
      let eta = '';
      if (fileSize && fileBytes !== undefined && fileSize > 0 && rate > 0) {
        const left = (fileSize - fileBytes) / (1 << 20) / rate;
        eta = `, ${Math.floor((100 * fileBytes) / fileSize)}% of file, ETA ${left < 60 ? `${left.toFixed(0)}s` : `${(left / 60).toFixed(1)}m`}`;
      }
      const line = `${stats.files.toLocaleString('en-US')} file${stats.files === 1 ? '' : 's'}, ${mib.toFixed(1)} MiB, ${stats.records.toLocaleString('en-US')} records, ${stats.matched.toLocaleString('en-US')} matched, ${rate.toFixed(0)} MiB/s${eta}  ${name}`;
      stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 100) - 1)}`);
      shown = true;
    },
    stop: clear,
  };
}
