/**
 * A command is one option table and one `run`: the table builds its commander command (flags,
 * help, grouping), and `run` gets the parsed, typed values. Each file in commands/ defines one.
 */
import { Command } from 'commander';
import { addOptions, parseOptions, type OptionTable, type OptionValues } from './options/option-table.js';
import { fittedHelp } from './help-text.js';
import { UsageError } from './messages.js';
import { isStdinPath } from '../sources/expand-paths.js';

export interface CommandSpec<T extends OptionTable> {
  name: string;
  description: string;
  /** Help for the paths argument. */
  paths: string;
  /** Examples and notes shown after the options in --help. */
  help: string;
  options: T;
  run(paths: string[], options: OptionValues<T>): Promise<void> | void;
}

export function defineCommand<T extends OptionTable>(spec: CommandSpec<T>): CommandSpec<T> {
  return spec;
}

export const PATHS_HELP = 'trail files (plain or gzip, whatever their names), directories (walked for the trail files in them, told by their content), s3://bucket/prefix, or - for stdin';

/** The commander command of a spec: parsing its flags with the table, then running it. */
export function commanderCommand<T extends OptionTable>(spec: CommandSpec<T>): Command {
  const command = new Command(spec.name).description(spec.description).argument('[paths...]', spec.paths);
  addOptions(command, spec.options);
  fittedHelp(command, spec.help);
  command.action(async (paths: string[], raw: Record<string, unknown>) => {
    // Standard input can be read once: a second `-` would read nothing and say it was empty.
    if (paths.filter(isStdinPath).length > 1) throw new UsageError('standard input (-) is given more than once: it can be read only once');
    await spec.run(paths, parseOptions(spec.options, raw, { now: Date.now(), stdout: process.stdout }));
  });
  return command;
}
