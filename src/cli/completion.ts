/**
 * `kmstrail completion bash|zsh|fish`: a completion script for the shell, made from the commands'
 * option tables, so that it offers exactly the commands, flags and values the program accepts.
 * The scripts are static (nothing runs kmstrail at each Tab) and leave paths to the shell.
 */
import type { OptionTable } from './options/option-table.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export interface CompletedOption {
  /** `-e`, `--event`: every spelling, the negation (`--no-errors`) as an option of its own. */
  names: string[];
  help: string;
  /** Takes a value (`--event <name>`); optional values (`[column]`) count as taking none. */
  takesValue: boolean;
  /** Values to offer, when the option knows them. */
  values: readonly string[];
  /** May be given several times. */
  repeatable: boolean;
}

export interface CompletedCommand {
  name: string;
  description: string;
  options: CompletedOption[];
  /** Values of its positional argument, when they are few and known (completion: the shells). */
  argumentValues?: readonly string[];
  /** Its positional arguments are paths. */
  paths: boolean;
}

/** What a command table says about completing it. */
export function completedOptions(table: OptionTable): CompletedOption[] {
  const options: CompletedOption[] = [];
  for (const spec of Object.values(table)) {
    options.push({
      names: spec.flags.match(/--?[\w-]+/g) ?? [],
      help: spec.help,
      takesValue: /<[^>]+>/.test(spec.flags),
      values: spec.values?.() ?? [],
      repeatable: spec.repeatable === true,
    });
    if (spec.negation) options.push({ names: [spec.negation.flags], help: spec.negation.help, takesValue: false, values: [], repeatable: false });
  }
  options.push({ names: ['-h', '--help'], help: 'show help', takesValue: false, values: [], repeatable: false });
  return options;
}

const PROGRAM = 'kmstrail';
const GLOBAL = ['-h', '--help', '-V', '--version'];

/**
 * The lists of values the options complete with, each once (several commands share --tz and its
 * four hundred zones): its name in the script, by its words.
 */
function valueLists(commands: readonly CompletedCommand[]): Map<string, string> {
  const lists = new Map<string, string>();
  for (const c of commands) {
    for (const o of c.options) {
      const words = o.values.join(' ');
      if (words !== '' && !lists.has(words)) lists.set(words, `_${PROGRAM}_values_${lists.size + 1}`);
    }
  }
  return lists;
}

/** A shell word in single quotes. */
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
/** Help text on one line, without what the shells' own syntax gives meaning to. */
const plain = (text: string) => text.replace(/[[\]:\\]/g, ' ').replace(/\s+/g, ' ').trim();

function bash(commands: readonly CompletedCommand[]): string {
  const lists = valueLists(commands);
  const cases = commands.map((c) => {
    const withValues = c.options.filter((o) => o.takesValue && o.values.length > 0);
    const freeValue = c.options.filter((o) => o.takesValue && o.values.length === 0);
    const lines = [`    ${c.name})`, `      opts=${quote(c.options.flatMap((o) => o.names).join(' '))}`, '      case $prev in'];
    for (const o of withValues) lines.push(`        ${o.names.join('|')}) COMPREPLY=($(compgen -W "$${lists.get(o.values.join(' '))}" -- "$cur")); return ;;`);
    // A value nothing is known about: offer no flag in its place (the shell may still offer files).
    if (freeValue.length > 0) lines.push(`        ${freeValue.flatMap((o) => o.names).join('|')}) return ;;`);
    lines.push('      esac');
    if (c.argumentValues) lines.push(`      [[ $cur == -* ]] || { COMPREPLY=($(compgen -W ${quote(c.argumentValues.join(' '))} -- "$cur")); return; }`);
    lines.push('      ;;');
    return lines.join('\n');
  });
  return `# ${PROGRAM} completion for bash. Load it in this shell with
#   source <(${PROGRAM} completion bash)
# or for every shell: ${PROGRAM} completion bash > ~/.local/share/bash-completion/completions/${PROGRAM}
${[...lists].map(([words, name]) => `${name}=${quote(words)}`).join('\n')}
_${PROGRAM}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} cmd= opts= i
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      -*) ;;
      *) cmd=\${COMP_WORDS[i]}; break ;;
    esac
  done
  if [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W ${quote([...commands.map((c) => c.name), ...GLOBAL].join(' '))} -- "$cur"))
    return
  fi
  case $cmd in
${cases.join('\n')}
    *) return ;;
  esac
  # Flags when a flag is begun; otherwise nothing here, and the shell completes paths.
  [[ $cur == -* ]] && COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -o bashdefault -F _${PROGRAM} ${PROGRAM}
`;
}

function zsh(commands: readonly CompletedCommand[]): string {
  const lists = valueLists(commands);
  const spec = (o: CompletedOption) => {
    const names = o.names.length > 1 ? `{${o.names.join(',')}}` : o.names[0];
    const exclusive = o.repeatable ? '*' : `(${o.names.join(' ')})`;
    const value = !o.takesValue ? '' : o.values.length > 0 ? `:value:${lists.get(o.values.join(' '))}` : ':value: ';
    return `${quote(exclusive)}${names}${quote(`[${plain(o.help)}]${value}`)}`;
  };
  const cases = commands.map((c) => {
    const args = [...c.options.map(spec)];
    if (c.argumentValues) args.push(quote(`1:${c.name}:(${c.argumentValues.join(' ')})`));
    else if (c.paths) args.push(quote('*:path:_files'));
    return `    ${c.name})\n      _arguments -s \\\n        ${args.join(' \\\n        ')}\n      ;;`;
  });
  return `#compdef ${PROGRAM}
# ${PROGRAM} completion for zsh. Load it in this shell (after compinit) with
#   source <(${PROGRAM} completion zsh)
# or for every shell: save it as _${PROGRAM} in a directory of $fpath.
${[...lists].map(([words, name]) => `${name}() { compadd -- ${words.split(' ').map(quote).join(' ')} }`).join('\n')}
_${PROGRAM}() {
  local -a commands
  commands=(
${commands.map((c) => `    ${quote(`${c.name}:${plain(c.description)}`)}`).join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands '${PROGRAM} command' commands
    compadd -- ${GLOBAL.join(' ')}
    return
  fi
  local cmd=\${words[2]}
  shift words
  (( CURRENT-- ))
  case $cmd in
${cases.join('\n')}
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _${PROGRAM} "$@"
else
  compdef _${PROGRAM} ${PROGRAM}
fi
`;
}

function fish(commands: readonly CompletedCommand[]): string {
  const lists = valueLists(commands);
  const lines = [
    `# ${PROGRAM} completion for fish. Load it in this shell with`,
    `#   ${PROGRAM} completion fish | source`,
    `# or for every shell: ${PROGRAM} completion fish > ~/.config/fish/completions/${PROGRAM}.fish`,
    ...[...lists].map(([words, name]) => `function ${name}; printf '%s\\n' ${words.split(' ').map(quote).join(' ')}; end`),
    `complete -c ${PROGRAM} -n __fish_use_subcommand -s h -l help -d 'show help'`,
    `complete -c ${PROGRAM} -n __fish_use_subcommand -s V -l version -d 'show the version'`,
  ];
  for (const c of commands) lines.push(`complete -c ${PROGRAM} -n __fish_use_subcommand -f -a ${c.name} -d ${quote(plain(c.description))}`);
  for (const c of commands) {
    const when = `-n ${quote(`__fish_seen_subcommand_from ${c.name}`)}`;
    if (c.argumentValues) lines.push(`complete -c ${PROGRAM} ${when} -f -a ${quote(c.argumentValues.join(' '))}`);
    for (const o of c.options) {
      const names = o.names.map((n) => (n.startsWith('--') ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`)).join(' ');
      const value = !o.takesValue ? '' : o.values.length > 0 ? ` -x -a '(${lists.get(o.values.join(' '))})'` : ' -x';
      lines.push(`complete -c ${PROGRAM} ${when} ${names}${value} -d ${quote(plain(o.help))}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** The completion script of `shell` for these commands. */
export function completionScript(shell: Shell, commands: readonly CompletedCommand[]): string {
  return { bash, zsh, fish }[shell](commands);
}
