/**
 * The command line: builds the program from the command files, turns every failure into one
 * stderr line and an exit code (0 worked, 1 some input failed, 2 usage), and makes a closed stdout
 * or Ctrl-C end the run cleanly.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { commanderCommand } from './command.js';
import { fittedHelp } from './help-text.js';
import { reportIfAbandoned } from './abandoned-run.js';
import { EXIT_INPUT_FAILED, EXIT_USAGE, UsageError } from './messages.js';
import { settleOutputs } from '../sinks/output.js';

/** Longest a stopped run waits for its output to go out whole (a reader that no longer reads). */
const SETTLE_MS = 2000;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The commands, loaded on demand: a run loads only its own command's modules (the table, the
 * rules, SQL...), which is a good part of start-up time on a small file.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  filter: async () => commanderCommand((await import('./commands/filter.js')).FILTER),
  summary: async () => commanderCommand((await import('./commands/summary.js')).SUMMARY),
  keys: async () => commanderCommand((await import('./commands/keys.js')).KEYS),
  timeline: async () => commanderCommand((await import('./commands/timeline.js')).TIMELINE),
  detect: async () => commanderCommand((await import('./commands/detect.js')).DETECT),
  report: async () => commanderCommand((await import('./commands/report.js')).REPORT),
  sql: async () => commanderCommand((await import('./commands/sql.js')).SQL),
  trace: async () => commanderCommand((await import('./commands/trace.js')).TRACE),
  completion: async () => (await import('./commands/completion.js')).completionCommand(),
};

/** The program with every command, or only `only` when that names one (the usual case). */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('kmstrail')
    .description('Inspect AWS CloudTrail logs for AWS KMS activity: stream, filter, print as tables or JSON lines.')
    .version(version(), '-V, --version')
    .enablePositionalOptions()
    .showSuggestionAfterError(true);
  fittedHelp(
    program,
    `
Examples:
  kmstrail filter --event CreateKey samples/
  kmstrail filter --key 1234abcd-12ab-34cd-56ef-1234567890ab --since 24h AWSLogs/ | jq .userIdentity.arn
  kmstrail filter --help`,
  );
  const names = only !== undefined && only in COMMANDS ? [only] : Object.keys(COMMANDS);
  for (const command of await Promise.all(names.map((name) => COMMANDS[name]()))) program.addCommand(command);
  // Parse errors are printed by main() in one line; commander prints nothing itself.
  const quiet = (command: Command) => {
    command.exitOverride().configureOutput({ outputError: () => {} });
    command.commands.forEach(quiet);
  };
  quiet(program);
  return program;
}

/** One line: the error, commander's suggestion for a typo (`(did you mean --event?)`), where help is. */
function usageLine(message: string, command: string): string {
  const [text, ...rest] = message.replace(/^error: /, '').split('\n');
  let suggestion = rest.find((line) => /^\(Did you mean /.test(line))?.replace(/^\(Did/, ' (did') ?? '';
  // Commander suggests by edit distance alone (`--fields` → `--eds`): one that does not start as
  // the typed word did is noise, not help.
  const typed = /'-{1,2}([^'=\s])/.exec(text)?.[1];
  const offered = /did you mean -{1,2}(\S)/.exec(suggestion)?.[1];
  if (typed && offered && typed.toLowerCase() !== offered.toLowerCase()) suggestion = '';
  return `kmstrail: ${text}${suggestion} (see 'kmstrail${command ? ` ${command}` : ''} --help')\n`;
}

export function main(argv: string[]): Promise<number> {
  // Ctrl-C, `timeout`, `kill` and a closed terminal: exit as a signal would, but through
  // process.exit, so that what a run leaves behind is removed (a report's partial file, a kept
  // copy of stdin), and once what was printed went out whole: the last line, not part of it.
  // A second signal exits at once.
  const stopOn = (signal: NodeJS.Signals, code: number, message = '') => {
    process.once(signal, () => {
      process.once(signal, () => process.exit(code));
      if (message) process.stderr.write(message);
      void settleOutputs(SETTLE_MS).finally(() => process.exit(code));
    });
  };
  // On a terminal, over the progress line (it is one line, cut to the width) rather than under it.
  stopOn('SIGINT', 130, `${process.stderr.isTTY ? '\r\x1b[2K' : '\n'}kmstrail: interrupted\n`);
  stopOn('SIGTERM', 143);
  stopOn('SIGHUP', 129);
  // A closed stdout (| head) is not an error: stop quietly. Output handles the rest.
  process.stdout.on('error', () => {});
  const run = runCommand(argv);
  reportIfAbandoned(run, () => {
    process.stderr.write('kmstrail: internal error: the run stopped before the end of its input, waiting for nothing; its output is incomplete\n');
    process.exitCode = EXIT_INPUT_FAILED;
  });
  return run;
}

async function runCommand(argv: string[]): Promise<number> {
  const commandName = argv.slice(2).find((a) => !a.startsWith('-')) ?? '';
  // Only when the command comes first: `kmstrail --help` and typos need them all.
  const program = await buildProgram(argv[2] === commandName ? commandName : undefined);
  // `kmstrail help nope` showed the general help and exited 0: ask commander about `nope`
  // instead, for its 'unknown command' (with its 'did you mean').
  const helpFor = argv[2] === 'help' ? argv[3] : undefined;
  if (helpFor !== undefined && !helpFor.startsWith('-') && !program.commands.some((c) => c.name() === helpFor)) argv = [...argv.slice(0, 2), helpFor];
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        return 0;
      }
      const known = program.commands.some((c) => c.name() === commandName) ? commandName : '';
      process.stderr.write(usageLine(error.message, known));
      return EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      const known = program.commands.some((c) => c.name() === commandName) ? commandName : '';
      process.stderr.write(usageLine(error.message, known));
      return EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`kmstrail: internal error: ${message}\n`);
    if (process.env.KMSTRAIL_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return EXIT_INPUT_FAILED;
  }
}
