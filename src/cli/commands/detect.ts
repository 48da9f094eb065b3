/** `kmstrail detect`: run the built-in detection rules over the records, print hits as they are found. */
import { Command } from 'commander';
import { parseDuration } from '../../cloudtrail/event-time.js';
import { buildRecordFilter } from '../../filters/record-filter.js';
import { splitList } from '../../util/text-pattern.js';
import { RULES, selectRules } from '../../rules/catalog.js';
import { DetectionEngine, REORDER_WINDOW } from '../../rules/engine.js';
import { DEFAULT_SETTINGS, parseSeverity, severityRank, type RuleSettings, type Severity } from '../../rules/rule.js';
import { formatDuration } from '../../rules/activity-rules.js';
import { HIT_FORMATS, printRules, type HitFormat } from '../../sinks/hit-format.js';
import { Output } from '../../sinks/output.js';
import { withAliasKeys } from '../alias-keys.js';
import { addFilterOptions, filterSpecFromOptions, type RawFilterOptions } from '../filter-options.js';
import { finish } from '../finish.js';
import { addFormatOptions, formatFromOptions, type RawFormatOptions } from '../format-option.js';
import { forEachMatch, statsLines } from '../matching-records.js';
import { EXIT_HITS, Messages, UsageError } from '../messages.js';
import { progressFor } from '../progress.js';
import { addRunOptions, positiveInteger, runSettingsFromOptions, type RawRunOptions } from '../run-options.js';

const FORMATS = Object.keys(HIT_FORMATS) as HitFormat[];

interface RawDetectOptions {
  rule?: string[];
  minSeverity?: string;
  failOn?: string;
  listRules?: boolean;
  burstThreshold?: string;
  burstWindow?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const EXAMPLES = `
Examples:
  kmstrail detect AWSLogs/
  kmstrail detect --list-rules
  kmstrail detect --min-severity high --since 24h --fail-on high logs/ || alert     in cron or CI
  kmstrail detect --rule KMS-004,KMS-006 --format jsonl logs/ | jq -r .reason
  kmstrail detect --rule KMS-013 --burst-threshold 5 --burst-window 1m logs/
  kmstrail detect --account 111122223333 --format json logs/ > hits.json

Each hit names the rule (a stable ID such as KMS-001), its severity (high, medium, low), the event
and a one-line reason with the principal, the key and the evidence. Only KMS events are judged,
and only those the filter options let through: a burst or "seen before" judgment counts nothing else.
Rules that change a key (deletion, disabling, policies, grants, key material) fire only on calls
that succeeded; the burst rule counts the failures.

Exit codes: 0 done; 1 some input could not be read; 2 usage; 3 with --fail-on, a hit at or above
that level was found. 3 wins over 1: the hit is what a cron job or CI must not miss, and the
input problems are still named on stderr.

Hits come out in eventTime order as the reading goes: events pass through a buffer of the latest
${REORDER_WINDOW.toLocaleString('en-US')} KMS events, so files may arrive in any order; a record that arrives later than that is
judged where it lands (rules that remember, bursts and "seen before", may then miss or misjudge it).
What rules remember is capped (${DEFAULT_SETTINGS.stateLimit.toLocaleString('en-US')} principals or key/principal pairs each, least recently
seen dropped first), so memory stays bounded on a trail of any size. Copies of one event (same
eventID, time, name, outcome and recipient account, e.g. a delivery file stored twice) are judged
once if they arrive within ${(DEFAULT_SETTINGS.stateLimit / 2).toLocaleString('en-US')} KMS events of each other.
With no path, or with -, records are read from standard input.
`;

function severityOption(option: string, value: string | undefined): Severity | undefined {
  if (value === undefined) return undefined;
  const severity = parseSeverity(value);
  if (!severity) throw new UsageError(`option ${option}: '${value}' is not one of high, medium, low`);
  return severity;
}

export function settingsFromOptions(raw: RawDetectOptions): RuleSettings {
  let burstWindowMs = DEFAULT_SETTINGS.burstWindowMs;
  if (raw.burstWindow !== undefined) {
    const ms = parseDuration(raw.burstWindow);
    if (ms === undefined || ms <= 0) {
      throw new UsageError(`option --burst-window: '${raw.burstWindow}' is not a time span (use 90s, 5m, 1h)`);
    }
    burstWindowMs = ms;
  }
  return {
    ...DEFAULT_SETTINGS,
    burstThreshold: raw.burstThreshold !== undefined ? positiveInteger('--burst-threshold', raw.burstThreshold) : DEFAULT_SETTINGS.burstThreshold,
    burstWindowMs,
  };
}

export function detectCommand(): Command {
  const command = new Command('detect')
    .description('run built-in detection rules for risky KMS activity and print their hits')
    .argument('[paths...]', 'trail files, directories (walked for .json, .json.gz, .jsonl), s3://bucket/prefix, or - for stdin');
  command
    .option('-r, --rule <id>', 'run only these rules; comma list (repeatable)', collect)
    .option('--min-severity <level>', 'run only rules of this severity or above: high, medium, low')
    .option('--fail-on <level>', 'exit with code 3 when a hit at or above this severity is found')
    .option('--list-rules', 'print the rules (those chosen by --rule/--min-severity) and exit')
    .option('--burst-threshold <n>', `KMS-013: failed calls from one principal that make a burst (default ${DEFAULT_SETTINGS.burstThreshold})`)
    .option('--burst-window <span>', `KMS-013: within this time span, e.g. 90s, 5m, 1h (default ${formatDuration(DEFAULT_SETTINGS.burstWindowMs)})`);
  addFilterOptions(command);
  addFormatOptions(command, FORMATS);
  addRunOptions(command, { limit: false });
  command.addHelpText('after', EXAMPLES);
  command.action(async (paths: string[], raw: RawDetectOptions & RawFilterOptions & RawFormatOptions & RawRunOptions) => {
    const minSeverity = severityOption('--min-severity', raw.minSeverity);
    const failOn = severityOption('--fail-on', raw.failOn);
    const rules = selectRules(splitList(raw.rule), minSeverity);
    if (!Array.isArray(rules)) {
      throw new UsageError(`option --rule: unknown rule '${rules.unknown}' (known: ${RULES.map((r) => r.id).join(', ')})`);
    }
    const settings = settingsFromOptions(raw);
    const { format, color } = formatFromOptions(raw, process.stdout, FORMATS);
    const messages = new Messages();
    const out = new Output(process.stdout);
    if (raw.listRules) {
      printRules(out, rules, settings, format, color, process.stdout.columns);
      return finish(out, messages, []);
    }
    if (rules.length === 0) throw new UsageError('no rule is left to run: --rule and --min-severity exclude each other here');
    const spec = filterSpecFromOptions(raw);
    const run = runSettingsFromOptions(raw);
    const filter = await withAliasKeys(paths, buildRecordFilter(spec), run);

    const sink = HIT_FORMATS[format](out, color, process.stdout.columns);
    let failing = false;
    const engine = new DetectionEngine(rules, settings, (hit) => {
      if (failOn && severityRank(hit.severity) >= severityRank(failOn)) failing = true;
      sink.write(hit);
    });
    const progress = progressFor(run, messages);
    const stats = await forEachMatch(
      paths,
      filter,
      run,
      messages,
      out,
      (record) => engine.feed(record.record, record),
      progress.hooks,
    );
    engine.end();
    progress.stop();
    if (!out.stopped) sink.end();
    const e = engine.stats;
    const summary = run.stats
      ? [
          ...statsLines(stats, messages),
          `detect: ${rules.length} rules, ${e.events.toLocaleString('en-US')} KMS events judged, ` +
            `${e.duplicates.toLocaleString('en-US')} duplicate records dropped, ${e.hits.toLocaleString('en-US')} hits`,
        ]
      : [];
    await finish(out, messages, summary, failing ? EXIT_HITS : undefined);
  });
  return command;
}
