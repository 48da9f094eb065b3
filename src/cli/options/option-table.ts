/**
 * Every flag is one entry of a table: its flags, its help, how its value is read and checked, and
 * its default. Commander is built from the tables (so help and parsing cannot drift apart), and
 * `parseOptions` turns what commander collected into typed values without side effects, throwing
 * a UsageError that names the option. Checks that involve several flags (an empty time window,
 * flags that exclude each other) come after, where the values are combined (filter-spec.ts).
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../messages.js';

/** What commander collected for one flag: a string, a list (repeatable flags), a switch, or nothing. */
export type RawValue = string | string[] | boolean | undefined;

/** What parsing may depend on, passed in rather than read from the process: tests set it. */
export interface ParseContext {
  /** For relative times (`--since 24h`). */
  now: number;
  /** For formats that default to a table on a terminal. */
  stdout: { isTTY?: boolean };
}

export interface OptionSpec<V> {
  /** Commander flags: `-e, --event <name>`, `--errors`, `--partition-projection [column]`. */
  flags: string;
  help: string;
  /** The heading it is listed under in --help. */
  group: string;
  /** May be given again; the values are collected into a list (each may be a comma list). */
  repeatable?: boolean;
  /** A second flag for the same value, such as `--no-errors` beside `--errors`. */
  negation?: { flags: string; help: string };
  /** The values a shell completes it with (`kmstrail completion`); a function, so that nothing is built until asked. */
  values?: () => readonly string[];
  /** From what commander collected to the value the command uses; throws UsageError naming the flag. */
  parse(raw: RawValue, context: ParseContext): V;
}

/** Options keyed by the name commander gives their value (`sourceIp` for `--source-ip`). */
export type OptionTable = Record<string, OptionSpec<unknown>>;

export type OptionValues<T extends OptionTable> = { [K in keyof T]: T[K] extends OptionSpec<infer V> ? V : never };

/** Declares one option; the type of its value is inferred from `parse`. */
export function option<V>(spec: OptionSpec<V>): OptionSpec<V> {
  return spec;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds a table's options to a commander command, grouped under their headings. */
export function addOptions(command: Command, table: OptionTable): Command {
  let group: string | undefined;
  for (const [name, spec] of Object.entries(table)) {
    if (spec.group !== group) command.optionsGroup((group = spec.group));
    const flag = new Option(spec.flags, spec.help);
    if (flag.attributeName() !== name) throw new Error(`option table: ${spec.flags} is keyed '${name}', not '${flag.attributeName()}'`);
    if (spec.repeatable) flag.argParser(collect);
    command.addOption(flag);
    if (spec.negation) {
      const negation = new Option(spec.negation.flags, spec.negation.help);
      command.addOption(negation);
      refuseBoth(command, flag, negation);
    }
  }
  return command;
}

/**
 * A switch and its negation given together (`--errors --no-errors`) are refused: commander would
 * keep the last one, and a run that silently answers the opposite question is worse than none.
 */
function refuseBoth(command: Command, flag: Option, negation: Option): void {
  const given = new Set<string>();
  command.on(`option:${flag.name()}`, () => given.add(flag.long as string));
  command.on(`option:${negation.name()}`, () => given.add(negation.long as string));
  command.hook('preAction', () => {
    if (given.size === 2) throw new UsageError(`options ${flag.long as string} and ${negation.long as string} exclude each other`);
  });
}

/** The typed values of a table's options, from what commander collected (keyed the same way). */
export function parseOptions<T extends OptionTable>(table: T, raw: Record<string, unknown>, context: ParseContext): OptionValues<T> {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    refuseOptionAsValue(spec, raw[name] as RawValue);
    values[name] = spec.parse(raw[name] as RawValue, context);
  }
  return values as OptionValues<T>;
}

/**
 * A value that is an option (`--out --since 7d`, `--key --event CreateKey`: the value forgotten)
 * is refused: commander takes it as the value, and the run wrote a file named `--since` or looked
 * for a key named `--event`. A value that really starts with `--` is given as `--key=--x`... and
 * is refused the same way: none of kmstrail's values does.
 */
function refuseOptionAsValue(spec: OptionSpec<unknown>, raw: RawValue): void {
  if (!/[<[]/.test(spec.flags)) return;
  const values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  const taken = values.find((value) => /^--[a-z]/i.test(value));
  if (taken === undefined) return;
  const long = /--[a-z][\w-]*/i.exec(spec.flags)?.[0] ?? spec.flags;
  throw new UsageError(`option ${long} wants a value, and got the option '${taken}' (was its value left out?)`);
}

// ---- Parsers that several options share.

/** Splits repeated and comma-separated values: `--event A,B --event C` → [A, B, C]. */
export function splitList(values: readonly string[] | undefined): string[] {
  if (!values) return [];
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * A repeatable option's values as a list. An option given with nothing in it is an error, not "no
 * filter": a shell's `--key "$UNSET"` must not silently select everything.
 */
export function listOf(flag: string, raw: RawValue): string[] {
  if (raw === undefined) return [];
  const values = Array.isArray(raw) ? raw : [String(raw)];
  const list = splitList(values);
  if (values.length > 0 && list.length === 0) throw new UsageError(`option ${flag}: empty value`);
  // `!` alone would leave out nothing (or, to some flags, match nothing): a slip, not a value.
  if (list.some((value) => value.trim() === '!')) throw new UsageError(`option ${flag}: '!' leaves out nothing: a value must follow the !`);
  return list;
}

export function positiveInteger(flag: string, value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
    throw new UsageError(`option ${flag}: '${value}' is not a positive whole number`);
  }
  return Number(value);
}

/** A switch: true when given, false when negated (`--no-x`), undefined when neither. */
export function switchValue(raw: RawValue): boolean | undefined {
  return typeof raw === 'boolean' ? raw : undefined;
}

/** A string option's value (commander gives strings for `<value>` flags). */
export function stringValue(raw: RawValue): string | undefined {
  return typeof raw === 'string' ? raw : undefined;
}
