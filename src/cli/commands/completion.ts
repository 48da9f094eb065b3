/** `kmstrail completion bash|zsh|fish`: prints the shell's completion script. */
import { Command } from 'commander';
import { Output } from '../../sinks/output.js';
import type { CommandSpec } from '../command.js';
import { completedOptions, completionScript, SHELLS, type CompletedCommand, type Shell } from '../completion.js';
import { finish } from '../finish.js';
import { Messages, UsageError } from '../messages.js';
import type { OptionTable } from '../options/option-table.js';
import { fittedHelp } from '../help-text.js';

const HELP = `
Examples:
  source <(kmstrail completion bash)                  # this bash only
  kmstrail completion bash > ~/.local/share/bash-completion/completions/kmstrail
  kmstrail completion zsh > "\${fpath[1]}/_kmstrail"     # zsh, after compinit
  kmstrail completion fish > ~/.config/fish/completions/kmstrail.fish

Completes commands, their options, and the values options take: formats, time zones, KMS event
names, event sources, columns, readers, SQL engines. Paths are left to the shell.
`;

const DESCRIPTION = 'print a completion script for bash, zsh or fish';

/** The commands as completion sees them, this one included (the e2e test checks them against --help). */
async function completedCommands(): Promise<CompletedCommand[]> {
  const specs: Array<CommandSpec<OptionTable>> = [
    (await import('./filter.js')).FILTER,
    (await import('./summary.js')).SUMMARY,
    (await import('./keys.js')).KEYS,
    (await import('./timeline.js')).TIMELINE,
    (await import('./detect.js')).DETECT,
    (await import('./report.js')).REPORT,
    (await import('./sql.js')).SQL,
    (await import('./trace.js')).TRACE,
  ] as Array<CommandSpec<OptionTable>>;
  const commands: CompletedCommand[] = [
    ...specs.map((spec) => ({ name: spec.name, description: spec.description, options: completedOptions(spec.options), paths: true })),
    { name: 'completion', description: DESCRIPTION, options: completedOptions({}), argumentValues: SHELLS, paths: false },
  ];
  // commander's own `help [command]`.
  const names = commands.map((c) => c.name);
  return [...commands, { name: 'help', description: 'display help for command', options: [], argumentValues: names, paths: false }];
}

export function completionCommand(): Command {
  const command = new Command('completion').description(DESCRIPTION).argument('<shell>', SHELLS.join(', '));
  return fittedHelp(command, HELP).action(async (shell: string) => {
    if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`argument shell: '${shell}' is not one of ${SHELLS.join(', ')}`);
    const out = new Output(process.stdout);
    out.write(completionScript(shell as Shell, await completedCommands()));
    await finish(out, new Messages(), []);
  });
}
