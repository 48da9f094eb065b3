/** `kmstrail detect`: run the built-in detection rules over the records, print hits as they are found. */
import { parseDuration } from '../../cloudtrail/event-time.js';
import { buildRecordFilter } from '../../filters/record-filter.js';
import { formatDuration } from '../../rules/activity-rules.js';
import { RULES, selectRules } from '../../rules/catalog.js';
import { REORDER_WINDOW } from '../../rules/engine.js';
import { DEFAULT_SETTINGS, parseSeverity, severityRank, type Hit, type RuleSettings, type Severity } from '../../rules/rule.js';
import { DETECT_FORMATS, printRules } from '../../sinks/hit-format.js';
import { Output } from '../../sinks/output.js';
import { defineCommand, PATHS_HELP } from '../command.js';
import { finish } from '../finish.js';
import { EXIT_HITS, Messages, UsageError } from '../messages.js';
import { FILTER_OPTIONS, filterSpecOf } from '../options/filter-options.js';
import { listOf, option, positiveInteger, stringValue } from '../options/option-table.js';
import { formatOptions } from '../options/output-options.js';
import { RUN_OPTIONS } from '../options/run-options.js';
import { prepareFilter, readInto, statsLines } from '../read-run.js';
import { ORIGIN_RULES } from '../../rules/origin-rules.js';

const RULE_OPTIONS = 'Rule options:';

const HELP = `
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

function severityOption(flag: string, help: string) {
  return option({
    flags: `${flag} <level>`,
    help,
    group: RULE_OPTIONS,
    parse: (raw): Severity | undefined => {
      const value = stringValue(raw);
      if (value === undefined) return undefined;
      const severity = parseSeverity(value);
      if (!severity) throw new UsageError(`option ${flag}: '${value}' is not one of high, medium, low`);
      return severity;
    },
  });
}

export const DETECT = defineCommand({
  name: 'detect',
  description: 'run built-in detection rules for risky KMS activity and print their hits',
  paths: PATHS_HELP,
  help: HELP,
  options: {
    rule: option({
      flags: '-r, --rule <id>',
      help: 'run only these rules; comma list (repeatable)',
      group: RULE_OPTIONS,
      repeatable: true,
      parse: (raw) => listOf('--rule', raw),
    }),
    minSeverity: severityOption('--min-severity', 'run only rules of this severity or above: high, medium, low'),
    failOn: severityOption('--fail-on', 'exit with code 3 when a hit at or above this severity is found'),
    listRules: option({ flags: '--list-rules', help: 'print the rules (those chosen by --rule/--min-severity) and exit', group: RULE_OPTIONS, parse: (raw) => raw === true }),
    burstThreshold: option({
      flags: '--burst-threshold <n>',
      help: `KMS-013: failed calls from one principal that make a burst (default ${DEFAULT_SETTINGS.burstThreshold})`,
      group: RULE_OPTIONS,
      parse: (raw) => (stringValue(raw) === undefined ? DEFAULT_SETTINGS.burstThreshold : positiveInteger('--burst-threshold', raw as string)),
    }),
    burstWindow: option({
      flags: '--burst-window <span>',
      help: `KMS-013: within this time span, e.g. 90s, 5m, 1h (default ${formatDuration(DEFAULT_SETTINGS.burstWindowMs)})`,
      group: RULE_OPTIONS,
      parse: (raw) => {
        const value = stringValue(raw);
        if (value === undefined) return DEFAULT_SETTINGS.burstWindowMs;
        const ms = parseDuration(value);
        if (ms === undefined || ms <= 0) throw new UsageError(`option --burst-window: '${value}' is not a time span (use 90s, 5m, 1h)`);
        return ms;
      },
    }),
    originSessionsThreshold: option({
      flags: '--origin-sessions-threshold <n>',
      help: `KMS-018: distinct role sessions of one identity on one key that make a spread (default ${DEFAULT_SETTINGS.originSessionsThreshold})`,
      group: RULE_OPTIONS,
      parse: (raw) =>
        stringValue(raw) === undefined ? DEFAULT_SETTINGS.originSessionsThreshold : positiveInteger('--origin-sessions-threshold', raw as string),
    }),
    originSessionsWindow: option({
      flags: '--origin-sessions-window <span>',
      help: `KMS-018: within this time span, e.g. 30m, 1h (default ${formatDuration(DEFAULT_SETTINGS.originSessionsWindowMs)})`,
      group: RULE_OPTIONS,
      parse: (raw) => {
        const value = stringValue(raw);
        if (value === undefined) return DEFAULT_SETTINGS.originSessionsWindowMs;
        const ms = parseDuration(value);
        if (ms === undefined || ms <= 0) throw new UsageError(`option --origin-sessions-window: '${value}' is not a time span (use 30m, 1h)`);
        return ms;
      },
    }),
    ...FILTER_OPTIONS,
    ...formatOptions(DETECT_FORMATS, 'jsonl'),
    ...RUN_OPTIONS,
  },
  async run(paths, o) {
    const rules = selectRules(o.rule, o.minSeverity);
    if (!Array.isArray(rules)) {
      throw new UsageError(`option --rule: unknown rule '${rules.unknown}' (known: ${RULES.map((r) => r.id).join(', ')})`);
    }
    const settings: RuleSettings = {
      ...DEFAULT_SETTINGS,
      burstThreshold: o.burstThreshold,
      burstWindowMs: o.burstWindow,
      originSessionsThreshold: o.originSessionsThreshold,
      originSessionsWindowMs: o.originSessionsWindow,
    };
    const messages = new Messages();
    const out = new Output(process.stdout);
    if (o.listRules) {
      printRules(out, rules, settings, o.format, o.color, process.stdout.columns);
      return finish(out, messages, []);
    }
    if (rules.length === 0) throw new UsageError('no rule is left to run: --rule and --min-severity exclude each other here');
    // The origin rules follow sessions back: a first pass collects the issuing calls for them.
    const followsOrigins = rules.some((r) => ORIGIN_RULES.includes(r));
    const { filter, originOf } = await prepareFilter(paths, buildRecordFilter(filterSpecOf(o)), o, messages, followsOrigins);
    if (followsOrigins) settings.originOf = originOf;
    let failing = false;
    const onHit = (hit: Hit) => {
      if (o.failOn && severityRank(hit.severity) >= severityRank(o.failOn)) failing = true;
    };
    const sink = DETECT_FORMATS[o.format]({ out, color: o.color, columns: process.stdout.columns }, { rules, settings, onHit });
    const result = await readInto(paths, filter, sink, o, messages, out);
    await finish(out, messages, o.stats ? statsLines(result) : [], failing ? EXIT_HITS : undefined);
  },
});
