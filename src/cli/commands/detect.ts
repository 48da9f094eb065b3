/**
 * `kmstrail detect`: run the built-in detection rules and any Sigma rules over the records, print
 * their hits (grouped by rule in a table; one per line in jsonl).
 */
import { parseDuration } from '../../cloudtrail/event-time.js';
import { buildRecordFilter } from '../../filters/record-filter.js';
import { formatDuration } from '../../rules/activity-rules.js';
import { chooseRules, RULES } from '../../rules/catalog.js';
import { hotNeeds, narrowedFilter } from '../../rules/detector.js';
import { REORDER_WINDOW } from '../../rules/engine.js';
import { ORIGIN_RULES } from '../../rules/origin-rules.js';
import { DEFAULT_SETTINGS, parseSeverity, SEVERITIES, severityRank, type Hit, type RuleSettings, type Severity } from '../../rules/rule.js';
import { loadSigmaRules } from '../../rules/sigma/index.js';
import { DETECT_FORMATS, printRules } from '../../sinks/hit-format.js';
import { defineCommand, PATHS_HELP } from '../command.js';
import { finish } from '../finish.js';
import { EXIT_HITS, EXIT_INPUT_FAILED, Messages, UsageError } from '../messages.js';
import { FILTER_OPTIONS, filterSpecOf } from '../options/filter-options.js';
import { listOf, option, positiveInteger, stringValue } from '../options/option-table.js';
import { formatContext, formatOptions, SCREEN_OPTIONS } from '../options/output-options.js';
import { RUN_OPTIONS } from '../options/run-options.js';
import { sigmaOption, sigmaStats } from '../options/sigma-options.js';
import { prepareFilter, readInto, statsLines } from '../read-run.js';

const RULE_OPTIONS = 'Rule options:';
const LEVELS = SEVERITIES.join(', ');

const HELP = `
Examples:
  kmstrail detect AWSLogs/
  kmstrail detect --list-rules
  kmstrail detect --min-severity high --since 24h --fail-on high logs/ || alert     in cron or CI
  kmstrail detect --rule KMS-004,KMS-006 --format jsonl logs/ | jq -r .reason
  kmstrail detect --rule KMS-013 --burst-threshold 5 --burst-window 1m logs/
  kmstrail detect --rule KMS-016 --decrypt-spree-threshold 30 --decrypt-spree-window 2m logs/
  kmstrail detect --sigma sigma/rules/cloud/aws/cloudtrail/ AWSLogs/         SigmaHQ's rules beside the built-in ones
  kmstrail detect --sigma my-rules/ --no-builtin --format jsonl logs/ | jq -r '[.rule, .title] | @tsv'
  kmstrail detect --account 111122223333 --format json logs/ > hits.json

Each hit names the rule (a stable ID such as KMS-001, or a Sigma rule's id), its severity
(informational < low < medium < high < critical; a Sigma rule's level is its severity, medium when
it has none), the event, the principal, the key and a one-line reason. The table groups hits by
rule (count, first and last seen, top principals and keys); --format jsonl gives one hit per line,
json one document with every hit and the groups.

The built-in rules judge KMS events only, and only those the filter options let through: a burst or
"seen before" judgment counts nothing else. Records no rule can judge are passed over unparsed,
unless --all-sources or --source asks for them: then they are read (a broken one is told) as filter
reads them. Rules that change a key (deletion, disabling, policies,
grants, key material) fire only on calls that succeeded; the burst rule counts the failures.

Sigma rules (--sigma, files or directories of .yml/.yaml, repeatable) judge every record the filter
options let through: with --sigma, every event source is read unless --source says otherwise. Only
rules whose logsource is CloudTrail apply (product aws, service cloudtrail or none, no category);
--stats counts the others. A rule that does not load is named on stderr, one line each, and the
other rules still run; the exit code is then 1. Correlations (event_count, value_count, temporal,
temporal_ordered; Sigma 1's "| count() by x > N" with a timeframe) group and count in bounded memory.

Exit codes: 0 done; 1 some input or Sigma rule could not be read; 2 usage; 3 with --fail-on, a hit at
or above that level was found. 3 wins over 1: the hit is what a cron job or CI must not miss, and the
input problems are still named on stderr.

Hits come out in eventTime order as the reading goes: events pass through a buffer of the latest
${REORDER_WINDOW.toLocaleString('en-US')} events, so files may arrive in any order; a record that arrives later than that is
judged where it lands (rules that remember, bursts, "seen before" and correlations, may then miss or
misjudge it). What rules remember is capped (${DEFAULT_SETTINGS.stateLimit.toLocaleString('en-US')} principals, key/principal pairs or correlation
groups each, least recently seen dropped first), so memory stays bounded on a trail of any size.
Copies of one event (same eventID, time, name, outcome and recipient account, e.g. a delivery file
stored twice) are judged once.
With no path, or with -, records are read from standard input.
`;

function severityOption(flag: string, help: string) {
  return option({
    flags: `${flag} <level>`,
    help,
    group: RULE_OPTIONS,
    values: () => SEVERITIES,
    parse: (raw): Severity | undefined => {
      const value = stringValue(raw);
      if (value === undefined) return undefined;
      const severity = parseSeverity(value);
      if (!severity) throw new UsageError(`option ${flag}: '${value}' is not one of ${LEVELS}`);
      return severity;
    },
  });
}

function thresholdOption(flag: string, help: string, fallback: number) {
  return option({
    flags: `${flag} <n>`,
    help: `${help} (default ${fallback})`,
    group: RULE_OPTIONS,
    parse: (raw) => (stringValue(raw) === undefined ? fallback : positiveInteger(flag, raw as string)),
  });
}

function windowOption(flag: string, help: string, fallbackMs: number) {
  return option({
    flags: `${flag} <span>`,
    help: `${help}, e.g. 90s, 5m, 1h (default ${formatDuration(fallbackMs)})`,
    group: RULE_OPTIONS,
    parse: (raw) => {
      const value = stringValue(raw);
      if (value === undefined) return fallbackMs;
      const ms = parseDuration(value);
      if (ms === undefined || ms <= 0) throw new UsageError(`option ${flag}: '${value}' is not a time span (use 90s, 5m, 1h)`);
      return ms;
    },
  });
}

export const DETECT = defineCommand({
  name: 'detect',
  description: 'run built-in detection rules for risky KMS activity, and Sigma rules, and print their hits',
  paths: PATHS_HELP,
  help: HELP,
  options: {
    rule: option({
      flags: '-r, --rule <id>',
      help: 'run only these rules (built-in IDs, Sigma ids or names); comma list (repeatable)',
      group: RULE_OPTIONS,
      repeatable: true,
      parse: (raw) => listOf('--rule', raw),
    }),
    ...sigmaOption(RULE_OPTIONS),
    builtin: option({
      flags: '--no-builtin',
      help: 'leave out the built-in rules (run only the Sigma rules)',
      group: RULE_OPTIONS,
      parse: (raw) => raw !== false,
    }),
    minSeverity: severityOption('--min-severity', `run only rules of this severity or above: ${LEVELS}`),
    failOn: severityOption('--fail-on', 'exit with code 3 when a hit at or above this severity is found'),
    listRules: option({ flags: '--list-rules', help: 'print the rules (those chosen by --rule/--min-severity/--sigma) and exit', group: RULE_OPTIONS, parse: (raw) => raw === true }),
    burstThreshold: thresholdOption('--burst-threshold', 'KMS-013: failed calls from one principal that make a burst', DEFAULT_SETTINGS.burstThreshold),
    burstWindow: windowOption('--burst-window', 'KMS-013: within this time span', DEFAULT_SETTINGS.burstWindowMs),
    decryptSpreeThreshold: thresholdOption(
      '--decrypt-spree-threshold',
      'KMS-016: distinct encryption contexts (secrets, parameters...) one principal decrypts that make a spree',
      DEFAULT_SETTINGS.decryptSpreeThreshold,
    ),
    decryptSpreeWindow: windowOption('--decrypt-spree-window', 'KMS-016: within this time span', DEFAULT_SETTINGS.decryptSpreeWindowMs),
    originSessionsThreshold: thresholdOption(
      '--origin-sessions-threshold',
      'KMS-018: distinct role sessions of one identity on one key that make a spread',
      DEFAULT_SETTINGS.originSessionsThreshold,
    ),
    originSessionsWindow: windowOption('--origin-sessions-window', 'KMS-018: within this time span', DEFAULT_SETTINGS.originSessionsWindowMs),
    ...FILTER_OPTIONS,
    ...formatOptions(DETECT_FORMATS, 'jsonl'),
    ...SCREEN_OPTIONS,
    ...RUN_OPTIONS,
  },
  async run(paths, o) {
    const messages = new Messages();
    const context = formatContext(o);
    const out = context.out;
    const sigma = o.sigma.length > 0 ? await loadSigmaRules(o.sigma) : undefined;
    // Named one line each, before anything else is printed; the exit code says it at the end.
    for (const problem of sigma?.problems ?? []) messages.source({ label: problem.file, message: problem.message, warning: problem.warning });
    const sigmaLines = sigma && o.stats ? sigmaStats(sigma) : [];

    const rules = chooseRules({ ids: o.rule, minSeverity: o.minSeverity, builtin: o.builtin, sigma: sigma?.rules ?? [] });
    if ('unknown' in rules) {
      throw new UsageError(
        `option --rule: unknown rule '${rules.unknown}' (known: ${RULES.map((r) => r.id).join(', ')}${sigma ? ', and the ids and names of the Sigma rules loaded' : ''})`,
      );
    }
    // A building block chosen without its correlation runs silently: say so rather than print nothing.
    for (const rule of rules.sigma) {
      if (rule.standalone || rules.sigma.some((r) => r.kind === 'correlation' && r.rules.includes(rule))) continue;
      const feeds = (sigma?.rules ?? []).filter((r) => r.kind === 'correlation' && r.rules.includes(rule)).map((r) => `'${r.name ?? r.id ?? r.title}'`);
      messages.line(
        feeds.length > 0
          ? `warning: --rule: '${rule.title}' only feeds ${feeds.length === 1 ? 'the correlation' : 'the correlations'} ${feeds.join(', ')}: it reports nothing on its own (name the correlation)`
          : `warning: --rule: '${rule.title}' is named by a correlation that did not load: it reports nothing on its own`,
      );
    }
    const settings: RuleSettings = {
      ...DEFAULT_SETTINGS,
      burstThreshold: o.burstThreshold,
      burstWindowMs: o.burstWindow,
      originSessionsThreshold: o.originSessionsThreshold,
      originSessionsWindowMs: o.originSessionsWindow,
      decryptSpreeThreshold: o.decryptSpreeThreshold,
      decryptSpreeWindowMs: o.decryptSpreeWindow,
    };
    if (o.listRules) {
      printRules(out, rules, settings, o.format, o.color);
      return finish(out, messages, sigmaLines);
    }
    if (rules.builtin.length === 0 && rules.sigma.length === 0) {
      if (!o.builtin && sigma && o.rule.length === 0 && o.minSeverity === undefined) {
        // Nothing loaded that reports on its own: the rule files are the bad input, as an
        // unreadable trail would be (the rules left only feed correlations that failed to load).
        messages.line(
          sigma.rules.length === 0
            ? 'no rule is left to run: the Sigma paths hold no rule that loads and applies to CloudTrail'
            : 'no rule is left to run: the Sigma rules that load only feed correlations that did not load',
        );
        return finish(out, messages, sigmaLines, EXIT_INPUT_FAILED);
      }
      if (!o.builtin && !sigma) throw new UsageError('no rule is left to run: --no-builtin needs --sigma');
      if (o.rule.length > 0 && o.minSeverity !== undefined) throw new UsageError('no rule is left to run: --rule and --min-severity exclude each other here');
      if (o.minSeverity !== undefined) {
        throw new UsageError(`no rule is left to run: no ${o.builtin ? 'built-in ' : ''}${sigma ? 'or Sigma ' : ''}rule is of severity ${o.minSeverity} or above; --list-rules lists them`);
      }
      throw new UsageError('no rule is left to run: --rule names none of the rules loaded; --list-rules lists them');
    }

    // Sigma rules are about every service: unless --source or --all-sources says, all are read.
    const spec = filterSpecOf(rules.sigma.length > 0 && o.source.length === 0 ? { ...o, allSources: true } : o);
    // The origin rules follow sessions back: a first pass collects the issuing calls for them.
    const followsOrigins = rules.builtin.some((r) => ORIGIN_RULES.includes(r));
    const prepared = await prepareFilter(paths, buildRecordFilter(spec), o, messages, followsOrigins);
    if (followsOrigins) settings.originOf = prepared.originOf;
    // Records no chosen rule can judge are passed over unparsed, unless --source or --all-sources
    // asked for them: then they are read (and their faults told) as filter and summary read them.
    const sourcesChosen = o.allSources || o.source.length > 0;
    const filter = sourcesChosen ? prepared.filter : narrowedFilter(prepared.filter, hotNeeds(rules));
    let failing = false;
    const onHit = (hit: Hit) => {
      if (o.failOn && severityRank(hit.severity) >= severityRank(o.failOn)) failing = true;
    };
    const sink = DETECT_FORMATS[o.format](context, { rules, settings, onHit });
    const result = await readInto(paths, filter, sink, o, messages, out);
    await finish(out, messages, o.stats ? [...statsLines(result), ...sigmaLines] : [], failing ? EXIT_HITS : undefined);
  },
});
