/**
 * `kmstrail report --out FILE.html`: the summary, activity, principals, key inventory, detections
 * and per-key timelines of the matching records, in one HTML file that opens offline.
 */
import { closeSync, lstatSync, openSync, readlinkSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildRecordFilter } from '../../filters/record-filter.js';
import { readableTwice, readOnce } from '../../pipeline/alias-pass.js';
import { describeFsError } from '../../sources/fs-errors.js';
import { spoolReadOnceInputs } from '../../sources/read-once-spool.js';
import { runPipeline } from '../../pipeline/run-pipeline.js';
import { chooseRules, type RuleChoice } from '../../rules/catalog.js';
import { DEFAULT_SETTINGS } from '../../rules/rule.js';
import { loadSigmaRules } from '../../rules/sigma/index.js';
import { Output } from '../../sinks/output.js';
import { selectKeys } from '../../sinks/aggregators/key-inventory.js';
import { capWarnings, KeyTimelineCollector, keysWithDestructiveEvents, ReportCollector, TIMELINE_KEYS_CAP } from '../../sinks/report/report-collector.js';
import type { ReportModel, TimelineSection } from '../../sinks/report/report-model.js';
import { renderReport } from '../../sinks/report/render-report.js';
import { defineCommand, PATHS_HELP } from '../command.js';
import { finish } from '../finish.js';
import { Messages, UsageError } from '../messages.js';
import { FILTER_OPTIONS, filterSpecOf } from '../options/filter-options.js';
import { option, positiveInteger, stringValue } from '../options/option-table.js';
import { RUN_OPTIONS } from '../options/run-options.js';
import { NO_ORIGINS_OPTION, SCREEN_OPTIONS } from '../options/output-options.js';
import { sigmaOption, sigmaStats } from '../options/sigma-options.js';
import { progressFor } from '../progress.js';
import { pipelineSettings, prepareFilter, readInto, statsLines } from '../read-run.js';

/** Rows of the key inventory shown; `kmstrail keys` lists every key. */
const KEY_ROWS_SHOWN = 1_000;

const HELP = `
Examples:
  kmstrail report --out report.html AWSLogs/
  kmstrail report --since 2024-03-01 --until 2024-03-08 --out week.html s3://org-trail/AWSLogs/
  kmstrail report --key alias/prod-db --title 'prod-db key, March' --out prod-db.html logs/
  kmstrail report --all-sources --out everything.html logs/       every service, not only KMS
  kmstrail report --all-sources --sigma rules/cloudtrail/ --out triage.html logs/   with Sigma rules' hits
  kmstrail report --tz Europe/Paris --out report.html logs/       times on Paris clocks

One HTML file, self-contained (no script, font, image or network request; it opens offline): the
summary (the numbers of kmstrail summary --format json with the same options), the activity over
time, the top principals and user agents, event names, keys, source IPs, regions and error codes,
the key inventory with states (kmstrail keys), who is behind the role sessions (origins counted per
origin and chain: kmstrail summary counts per origin; --no-origins leaves them
and their first pass out), the hits of the built-in
detection rules and of any --sigma rules grouped by rule (kmstrail detect), the destructive and
policy events, and a timeline for each key with destructive or policy events: the calls that
changed it or failed, in time order.

Sigma rules see the records the filter options choose, as every section does: KMS events unless
--source or --all-sources says otherwise (kmstrail detect --sigma reads every source by default).

The inputs are read twice: once for everything, once more for the timelines of the keys the first
read found (files come in any order, so those keys are known only at the end). Standard input is
kept in a temporary file as first read, and read again from there. The file is written when the report is
complete (an unreadable input is still named on stderr and makes the exit code 1).
With no path, or with -, records are read from standard input.
`;

/** Shell-like quoting, for showing the command line in the report. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export const REPORT = defineCommand({
  name: 'report',
  description: 'one self-contained HTML report: summary, activity chart, principals, keys, detections, key timelines',
  paths: PATHS_HELP,
  help: HELP,
  options: {
    out: option({
      flags: '-o, --out <file>',
      help: 'the HTML file to write (required)',
      group: 'Output options:',
      parse: (raw) => {
        const value = stringValue(raw);
        if (value === undefined || value.trim() === '') throw new UsageError('option --out: give the HTML file to write, e.g. --out report.html');
        // Elsewhere '-' is standard input; a report is a file that is replaced whole once written.
        if (value === '-') throw new UsageError("option --out: the report is written to a file, not to standard output: give its name, e.g. --out report.html (or ./- for a file named '-')");
        return value;
      },
    }),
    title: option({
      flags: '--title <text>',
      help: 'the report\'s title (default "kmstrail report")',
      group: 'Output options:',
      parse: (raw) => stringValue(raw) ?? 'kmstrail report',
    }),
    top: option({
      flags: '--top <n>',
      help: 'rows in each top table (default 10)',
      group: 'Output options:',
      parse: (raw) => (stringValue(raw) === undefined ? 10 : positiveInteger('--top', raw as string)),
    }),
    ...NO_ORIGINS_OPTION,
    ...sigmaOption('Output options:'),
    tz: SCREEN_OPTIONS.tz,
    ...FILTER_OPTIONS,
    ...RUN_OPTIONS,
  },
  async run(paths, o) {
    const spec = filterSpecOf(o);
    const target = reportTarget(o.out);
    const messages = new Messages();
    // Written beside the target and renamed at the end: a failed or interrupted run leaves the
    // previous report as it was, and an unwritable place is found before any reading.
    const partial = `${target}.${process.pid}.partial`;
    let fd: number;
    try {
      fd = openSync(partial, 'w');
    } catch (error) {
      messages.line(`cannot write ${target}: ${describeFsError(error)}`);
      process.exitCode = 1;
      return;
    }
    let done = false;
    const cleanUp = () => {
      if (done) return;
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      try {
        unlinkSync(partial);
      } catch {
        // already gone
      }
    };
    process.once('exit', cleanUp);
    try {
      const sigma = o.sigma.length > 0 ? await loadSigmaRules(o.sigma) : undefined;
      for (const problem of sigma?.problems ?? []) messages.source({ label: problem.file, message: problem.message, warning: problem.warning });
      if (sigma && sigma.rules.length > 0 && o.source.length === 0 && !o.allSources) {
        messages.line('warning: --sigma rules see only the records the filter options choose, KMS events here (add --all-sources for the others)');
      }
      // The key timelines read the inputs a second time: standard input or a pipe is kept as read.
      if (!readableTwice(paths)) spoolReadOnceInputs();
      const { filter, originOf } = await prepareFilter(paths, buildRecordFilter(spec), o, messages, o.origins);
      // Nothing goes to stdout; the pipeline's back-pressure is moot for a sink that writes at its end.
      const out = new Output(process.stdout);
      // The rules `detect` would run with these files: a Sigma rule that only feeds a correlation
      // reports nothing of its own.
      const rules = chooseRules({ ids: [], builtin: true, sigma: sigma?.rules ?? [] }) as RuleChoice;
      const collector = new ReportCollector({
        top: o.top,
        rules,
        ruleSettings: { ...DEFAULT_SETTINGS, originOf },
        originOf: o.origins ? originOf : undefined,
      });
      const result = await readInto(paths, filter, collector, o, messages, out);
      const first = collector.result();
      // As `keys --key` shows them: the chosen keys only, not every key a matched record also
      // names (a ReEncrypt's other key, counted from that one record).
      // With the keys an alias names in the logs (the alias pass), as the records were chosen.
      const inventory = spec.keys.length > 0 ? { ...first.inventory, keys: selectKeys(first.inventory.keys, filter.spec.keys) } : first.inventory;

      const wanted = keysWithDestructiveEvents(inventory);
      const followed = wanted.slice(0, TIMELINE_KEYS_CAP);
      let timelines: TimelineSection;
      const warnings = capWarnings(first);
      if (wanted.length > 0 && !readableTwice(paths)) {
        const why = `${readOnce(paths)}: the report has no key timelines (give the files as paths for them)`;
        messages.line(`warning: ${why}`);
        warnings.push(why);
        timelines = { unavailable: `Not made: ${why}.` };
      } else {
        const second = new KeyTimelineCollector(followed);
        if (followed.length > 0) {
          // The same inputs, filter and settings as the first read, so the same records; its
          // faults were told by the first read.
          const settings = pipelineSettings(o, messages);
          const progress = progressFor(o, messages);
          await runPipeline(paths, filter, second, { ...settings, report: { fault() {}, problem() {}, progress: progress.update } });
          progress.stop();
        }
        timelines = { keys: second.result(), more: wanted.length - followed.length };
      }

      const model: ReportModel = {
        title: o.title,
        generatedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        command: ['kmstrail', ...process.argv.slice(2)].map(shellWord).join(' '),
        input: first.input,
        top: o.top,
        summary: first.summary,
        userAgents: first.userAgents,
        keys: { inventory, shown: KEY_ROWS_SHOWN },
        detections: first.detections,
        zone: o.tz,
        timelines,
        origins: first.origins,
        warnings,
        inputProblems: messages.problems,
      };
      const page = renderReport(model);
      try {
        const bytes = Buffer.from(page, 'utf8');
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
        closeSync(fd);
        renameSync(partial, target);
        done = true;
        result.sink.stats = [...(result.sink.stats ?? []), `report: ${target}, ${bytes.length.toLocaleString('en-US')} bytes, key timelines for ${followed.length} of ${wanted.length} keys`];
      } catch (error) {
        messages.line(`cannot write ${target}: ${describeFsError(error)}`);
        messages.inputFailed = true;
      }
      await finish(out, messages, o.stats ? [...statsLines(result), ...(sigma ? sigmaStats(sigma) : [])] : []);
    } finally {
      cleanUp();
      process.removeListener('exit', cleanUp);
    }
  },
});

/**
 * The file `--out` names, through a symbolic link to its file (the link stays). Never a device,
 * a pipe or a socket (renamed over, /dev/null would become a report), and never an existing file
 * that is not a report: a trail file given as `--out` by a slip would be lost, evidence and all.
 */
function reportTarget(out: string): string {
  let target = out;
  for (let hops = 0; lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink(); hops++) {
    if (hops === 40) throw new UsageError(`option --out: '${out}' is a loop of symbolic links`);
    target = resolve(dirname(target), readlinkSync(target));
  }
  const stat = statSync(target, { throwIfNoEntry: false });
  if (!stat) return target;
  if (stat.isDirectory()) throw new UsageError(`option --out: '${out}' is a directory`);
  if (!stat.isFile()) throw new UsageError(`option --out: '${out}' is not a regular file (a device, a pipe or a socket): the report goes to a file`);
  if (stat.size > 0 && !isReport(target)) {
    throw new UsageError(`option --out: '${out}' exists and is not an HTML report: it is not replaced (remove it, or choose another name)`);
  }
  return target;
}

/** Whether a file starts as the pages `report` writes do. */
function isReport(path: string): boolean {
  const head = Buffer.alloc(64);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const n = readSync(fd, head, 0, head.length, 0);
    return /^\s*<!doctype html/i.test(head.toString('latin1', 0, n));
  } catch {
    // Unreadable: opening it for the report will say why.
    return true;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
