/**
 * The option tables: every command's commander command is built from its table, parsing is a
 * pure function of what commander collected (and a given now / terminal), and each malformed value
 * is one usage error whose exact text names the option.
 */
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { commanderCommand, type CommandSpec } from '../../../../src/cli/command.js';
import { DETECT } from '../../../../src/cli/commands/detect.js';
import { FILTER } from '../../../../src/cli/commands/filter.js';
import { filterSpecOf } from '../../../../src/cli/options/filter-options.js';
import { KEYS } from '../../../../src/cli/commands/keys.js';
import { SQL } from '../../../../src/cli/commands/sql.js';
import { SUMMARY } from '../../../../src/cli/commands/summary.js';
import { TIMELINE } from '../../../../src/cli/commands/timeline.js';
import { UsageError } from '../../../../src/cli/messages.js';
import { addOptions, option, parseOptions, type OptionTable } from '../../../../src/cli/options/option-table.js';

const NOW = Date.UTC(2024, 2, 1, 12);
const PIPE = { now: NOW, stdout: { isTTY: false } };
const TERMINAL = { now: NOW, stdout: { isTTY: true } };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const COMMANDS: Array<CommandSpec<any>> = [FILTER, SUMMARY, KEYS, TIMELINE, DETECT, SQL];

/** What commander collects for `argv` with the command's table (the real declarations). */
function collected(spec: CommandSpec<OptionTable>, argv: string[]): Record<string, unknown> {
  const command = addOptions(new Command(spec.name), spec.options).exitOverride().allowExcessArguments();
  command.parse(['node', spec.name, ...argv]);
  return command.opts();
}

/** The usage error's exact text for these arguments, or a failure if there is none. */
function usageError(spec: CommandSpec<OptionTable>, argv: string[], context = PIPE): string {
  try {
    parseOptions(spec.options, collected(spec, argv), context);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`no usage error for ${spec.name} ${argv.join(' ')}`);
}

describe('exact usage errors', () => {
  it.each([
    // The value left out: commander took the next option for it (a key named --event).
    [FILTER, ['--key', '--event', 'CreateKey'], "option --key wants a value, and got the option '--event' (was its value left out?)"],
    [FILTER, ['--event', 'Decrypt', '--user', '--since', '24h'], "option --user wants a value, and got the option '--since' (was its value left out?)"],
    [SUMMARY, ['--top', '--json'], "option --top wants a value, and got the option '--json' (was its value left out?)"],
    [FILTER, ['--since', 'yesterday'], "option --since: 'yesterday' is not a time (use ISO 8601 like 2024-03-01T10:00:00Z, or 90m, 24h, 7d)"],
    [FILTER, ['--key', 'arn:aws:s3:::b'], "option --key: 'arn:aws:s3:::b' is not a KMS key ID, ID prefix, key ARN, alias name or alias ARN (* globs allowed)"],
    [FILTER, ['--key', ' , '], 'option --key: empty value'],
    [FILTER, ['--account', '12'], "option --account: '12' is not an account ID (12 digits, * globs allowed)"],
    [FILTER, ['--source-ip', '10.0.0.0/33'], "option --source-ip: '10.0.0.0/33' is not an IP address or CIDR block"],
    [FILTER, ['--format', 'xml'], "option --format: 'xml' is not one of table, jsonl, json, csv"],
    [FILTER, ['--fields', 'time,nope'], "option --fields: unknown column 'nope' (known: time, event, principal, key, region, source-ip, error, account, principal-arn, source, user-agent, event-id, error-message, file, origin)"],
    [FILTER, ['--sort', 'name'], "option --sort: 'name' is not a sort order (only: time)"],
    [FILTER, ['--limit', '0'], "option --limit: '0' is not a positive whole number"],
    [FILTER, ['--jobs', 'two'], "option --jobs: 'two' is not a positive whole number"],
    // More threads than cores only take memory (63 workers on 2 cores: 844 MB, 4x slower): 4 per core at most.
    [FILTER, ['--jobs', String(4 * availableParallelism() + 1)], `option --jobs: ${4 * availableParallelism() + 1} is more than 4 threads per core (this machine has ${availableParallelism()}: at most ${4 * availableParallelism()})`],
    [FILTER, ['--reader', 'slow'], "option --reader: 'slow' is not a reader (fast, stream-json)"],
    [FILTER, ['--endpoint-url', 'ftp://x'], "option --endpoint-url: 'ftp://x' is not an http(s) URL"],
    [SUMMARY, ['--top', '-3'], "option --top: '-3' is not a positive whole number"],
    [SUMMARY, ['--format', 'csv'], "option --format: 'csv' is not one of table, json"],
    [KEYS, ['--format', 'csv'], "option --format: 'csv' is not one of table, json, jsonl"],
    [TIMELINE, ['--format', 'csv'], "option --format: 'csv' is not one of table, jsonl, json"],
    [DETECT, ['--min-severity', 'severe'], "option --min-severity: 'severe' is not one of informational, low, medium, high, critical"],
    [DETECT, ['--fail-on', 'x'], "option --fail-on: 'x' is not one of informational, low, medium, high, critical"],
    [DETECT, ['--burst-window', '5 minutes'], "option --burst-window: '5 minutes' is not a time span (use 90s, 5m, 1h)"],
    [DETECT, ['--burst-threshold', '1.5'], "option --burst-threshold: '1.5' is not a positive whole number"],
    [DETECT, ['--rule', ''], 'option --rule: empty value'],
    [FILTER, ['--tz', 'Mars/Olympus'], "option --tz: 'Mars/Olympus' is not a time zone (use UTC, local, or an IANA name such as Europe/Paris)"],
    [KEYS, ['--tz', ''], "option --tz: '' is not a time zone (use UTC, local, or an IANA name such as Europe/Paris)"],
    [SUMMARY, ['--by', 'user'], "option --by: 'user' is not one of session, role"],
    [SQL, ['--engine', 'mysql'], "option --engine: 'mysql' is not an engine (athena, lake, duckdb)"],
    [SQL, [], 'option --engine: required (athena, lake, duckdb)'],
  ] as Array<[CommandSpec<OptionTable>, string[], string]>)('%#: %s %j', (spec, argv, text) => {
    expect(usageError(spec, argv)).toBe(text);
  });
});

describe('defaults', () => {
  it('formats: a table on a terminal, the machine format when piped', () => {
    expect(parseOptions(FILTER.options, collected(FILTER, []), TERMINAL).format).toBe('table');
    expect(parseOptions(FILTER.options, collected(FILTER, []), PIPE).format).toBe('jsonl');
    expect(parseOptions(SUMMARY.options, collected(SUMMARY, []), PIPE).format).toBe('json');
    expect(parseOptions(KEYS.options, collected(KEYS, []), PIPE).format).toBe('json');
  });

  it('tables fit the terminal unless --wide; times are UTC unless --tz; principals by session unless --by role', () => {
    for (const spec of [FILTER, SUMMARY, KEYS, TIMELINE]) {
      const plain = parseOptions(spec.options, collected(spec, []), TERMINAL) as { wide: boolean; tz: { name: string } };
      expect([plain.wide, plain.tz.name]).toEqual([false, 'UTC']);
      const asked = parseOptions(spec.options, collected(spec, ['--wide', '--tz', 'europe/paris']), TERMINAL) as typeof plain;
      expect([asked.wide, asked.tz.name]).toEqual([true, 'Europe/Paris']);
    }
    expect(parseOptions(SUMMARY.options, collected(SUMMARY, []), PIPE).by).toBe('session');
    expect(parseOptions(SUMMARY.options, collected(SUMMARY, ['--by', 'Role']), PIPE).by).toBe('role');
  });

  it('relative times count back from the given now, not the clock', () => {
    const values = parseOptions(FILTER.options, collected(FILTER, ['--since', '24h']), PIPE);
    expect(filterSpecOf(values).since).toBe(NOW - 24 * 3_600_000);
  });

  it('a --since/--until without a zone is read on the clock of --tz (as a table printed with it shows times); with a zone, or relative, it is that instant', () => {
    const spec = (argv: string[]) => filterSpecOf(parseOptions(FILTER.options, collected(FILTER, argv), PIPE));
    const paris = ['--tz', 'Europe/Paris'];
    // Winter (UTC+1), summer (UTC+2), a date alone (its midnight there).
    expect(spec([...paris, '--since', '2024-01-15T10:00:00']).since).toBe(Date.UTC(2024, 0, 15, 9));
    expect(spec([...paris, '--since', '2024-07-15 10:00:00']).since).toBe(Date.UTC(2024, 6, 15, 8));
    expect(spec([...paris, '--until', '2024-07-15']).until).toBe(Date.UTC(2024, 6, 14, 22));
    // The repeated hour of the autumn change: its first reading. The skipped spring hour: after the jump.
    expect(spec([...paris, '--since', '2024-10-27T02:30:00']).since).toBe(Date.UTC(2024, 9, 27, 0, 30));
    expect(spec([...paris, '--since', '2024-03-31T02:30:00']).since).toBe(Date.UTC(2024, 2, 31, 1, 30));
    // Zones written, relative times and no --tz: as before.
    expect(spec([...paris, '--since', '2024-01-15T10:00:00Z']).since).toBe(Date.UTC(2024, 0, 15, 10));
    expect(spec([...paris, '--since', '2024-01-15T10:00:00+05:30']).since).toBe(Date.UTC(2024, 0, 15, 4, 30));
    expect(spec([...paris, '--since', '24h']).since).toBe(NOW - 24 * 3_600_000);
    expect(spec(['--since', '2024-01-15T10:00:00']).since).toBe(Date.UTC(2024, 0, 15, 10));
    // The empty-window check compares the instants.
    expect(() => spec([...paris, '--since', '2024-01-15T10:30:00', '--until', '2024-01-15T10:00:00Z'])).not.toThrow();
  });

  it('numbers and switches have their documented defaults', () => {
    const summary = parseOptions(SUMMARY.options, collected(SUMMARY, []), PIPE);
    expect(summary.top).toBe(10);
    expect(summary.strict).toBe(false);
    expect(summary.reader).toBe('fast');
    expect(summary.jobs).toBeGreaterThanOrEqual(1);
    const detect = parseOptions(DETECT.options, collected(DETECT, []), PIPE);
    expect(detect.burstThreshold).toBe(10);
    expect(detect.burstWindow).toBe(5 * 60_000);
    const filter = parseOptions(FILTER.options, collected(FILTER, ['--no-errors']), PIPE);
    expect(filter.errors).toBe(false);
    expect(filter.limit).toBeUndefined();
  });

  it('parsing twice gives the same values: nothing is consumed or changed', () => {
    const raw = collected(FILTER, ['--event', 'Decrypt,CreateKey', '--key', 'alias/x', '--since', '1d', '--fields', 'time,key']);
    const copy = structuredClone(raw);
    const first = parseOptions(FILTER.options, raw, PIPE);
    expect(raw).toEqual(copy);
    const second = parseOptions(FILTER.options, raw, PIPE);
    expect({ ...second, color: undefined }).toEqual({ ...first, color: undefined });
  });
});

describe('commander is built from the tables', () => {
  it.each(COMMANDS.map((spec) => [spec.name, spec]))('%s: every table entry is a flag in --help, under its group', (_name, spec) => {
    const help = commanderCommand(spec).helpInformation();
    for (const entry of Object.values(spec.options as OptionTable)) {
      const long = /--[\w-]+/.exec(entry.flags)?.[0] as string;
      expect(help).toContain(long);
      // A long heading is wrapped to the width: compare with lines joined.
      expect(help.replace(/\s+/g, ' ')).toContain(entry.group);
      if (entry.negation) expect(help).toContain(entry.negation.flags);
    }
  });

  it('a switch and its negation given together are refused, in either order; each alone is not', async () => {
    const table = { errors: option({ flags: '--errors', help: 'x', group: 'G', negation: { flags: '--no-errors', help: 'y' }, parse: (raw) => raw }) };
    const parse = async (argv: string[]) => {
      let seen: unknown;
      const command = addOptions(new Command('x').exitOverride(), table).action((options: Record<string, unknown>) => {
        seen = options.errors;
      });
      await command.parseAsync(argv, { from: 'user' });
      return seen;
    };
    for (const argv of [['--errors', '--no-errors'], ['--no-errors', '--errors']]) {
      await expect(parse(argv)).rejects.toThrow(new UsageError('options --errors and --no-errors exclude each other'));
    }
    expect(await parse(['--errors'])).toBe(true);
    expect(await parse(['--no-errors'])).toBe(false);
    expect(await parse([])).toBeUndefined();
  });

  it('a table entry keyed unlike the value commander gives is refused when the command is built', () => {
    const misnamed = { wrongName: option({ flags: '--source-ip <ip>', help: 'x', group: 'G', parse: () => 1 }) };
    expect(() => addOptions(new Command('x'), misnamed)).toThrow("option table: --source-ip <ip> is keyed 'wrongName', not 'sourceIp'");
  });
});
