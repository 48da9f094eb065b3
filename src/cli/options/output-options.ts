/**
 * How results are printed: `--format` (one per command, from that command's registry of formats),
 * colour, `--wide` and `--tz` for tables and csv, and `--fields` for filter's table and csv.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { COLUMNS, DEFAULT_COLUMNS, selectColumns, type Column } from '../../sinks/columns.js';
import { Output } from '../../sinks/output.js';
import type { FormatContext } from '../../sinks/sink.js';
import { timeZoneNamed, UTC, type TimeZone } from '../../util/time-zone.js';
import { UsageError } from '../messages.js';
import { option, splitList, stringValue, type OptionSpec } from './option-table.js';

const OUTPUT = 'Output options:';

/**
 * Colour only for a terminal that shows it (not TERM=dumb), never under NO_COLOR or --no-color.
 * FORCE_COLOR is not read: a CI job or a shell profile that sets it would put escape bytes into
 * files and pipes meant for grep.
 */
export function colorFor(stream: { isTTY?: boolean }, wanted: boolean | undefined, env = process.env): ChalkInstance {
  const on = wanted !== false && stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
  return new Chalk({ level: on ? 1 : 0 });
}

/**
 * `--format` and `--no-color` for a command whose formats are the keys of `formats`: a table on a
 * terminal, `whenPiped` otherwise, so the rule and its errors are the same everywhere.
 */
export function formatOptions<F extends string>(formats: Record<F, unknown>, whenPiped: F) {
  const names = Object.keys(formats) as F[];
  return {
    format: option({
      flags: '-f, --format <format>',
      help: `output format: ${names.join(', ')} (default: table on a terminal, ${whenPiped} when piped)`,
      group: OUTPUT,
      values: () => names,
      parse: (raw, { stdout }): F => {
        const given = typeof raw === 'string' ? raw : undefined;
        const format = (given ?? (stdout.isTTY ? 'table' : whenPiped)).toLowerCase();
        if (!(names as string[]).includes(format)) throw new UsageError(`option --format: '${given}' is not one of ${names.join(', ')}`);
        return format as F;
      },
    }),
    color: option({
      flags: '--no-color',
      help: 'no colours (also off when NO_COLOR is set, TERM is dumb or stdout is not a terminal, FORCE_COLOR or not)',
      group: OUTPUT,
      parse: (raw, { stdout }) => colorFor(stdout, raw === false ? false : undefined),
    }),
  };
}

/** `--wide` and `--tz`: how tables and csv suit the person reading them. */
export const SCREEN_OPTIONS = {
  wide: option({
    flags: '--wide',
    help: 'tables keep every column and whole values instead of fitting the terminal',
    group: OUTPUT,
    parse: (raw) => raw === true,
  }),
  tz: option({
    flags: '--tz <zone>',
    help: 'time zone of the times in tables (and csv, where the command has it): UTC (default), local, or an IANA name such as Europe/Paris (JSON stays UTC)',
    group: OUTPUT,
    values: () => ['UTC', 'local', ...Intl.supportedValuesOf('timeZone')],
    parse: (raw): TimeZone => {
      const value = stringValue(raw);
      if (value === undefined) return UTC;
      const zone = timeZoneNamed(value);
      if (zone) return zone;
      if (value.trim().toLowerCase() === 'local') throw new UsageError("option --tz: this system's time zone is not known (set TZ, e.g. TZ=Europe/Paris)");
      throw new UsageError(`option --tz: '${value}' is not a time zone (use UTC, local, or an IANA name such as Europe/Paris)`);
    },
  }),
};

/** Where a command prints, and how: stdout, colours, the zone, tables fitting the terminal unless --wide. */
export function formatContext(o: { color: ChalkInstance; wide?: boolean; tz?: TimeZone; ascii?: boolean }): FormatContext {
  const out = new Output(process.stdout, { fit: o.wide !== true });
  return { out, color: o.color, zone: o.tz, columns: out.width, ascii: o.ascii };
}

/**
 * Whether the terminal's character set is UTF-8, as the C library decides it: the first of
 * LC_ALL, LC_CTYPE and LANG that is set names the locale. None set is the C locale: ASCII.
 * Windows consoles have drawn block characters for years, whatever these say.
 */
export function utf8Locale(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'win32') return true;
  const locale = [env.LC_ALL, env.LC_CTYPE, env.LANG].find((value) => value !== undefined && value !== '');
  return locale !== undefined && /utf-?8/i.test(locale);
}

/** `--ascii` for the commands that draw a chart: plain ASCII, also when the locale is not UTF-8. */
export const ASCII_OPTION = {
  ascii: option({
    flags: '--ascii',
    help: 'draw the activity chart with # and <- (also when the locale is not UTF-8)',
    group: OUTPUT,
    parse: (raw) => raw === true || !utf8Locale(),
  }),
};

/** `--no-origins` for the commands that show origins unasked (summary, report): their first pass costs a read. */
export const NO_ORIGINS_OPTION = {
  origins: option({
    flags: '--no-origins',
    help: 'leave out who is behind the sessions (origins), and the first pass over the inputs it takes',
    group: OUTPUT,
    parse: (raw) => raw !== false,
  }),
};

export const FIELDS_OPTION: { fields: OptionSpec<Column[]> } = {
  fields: option({
    flags: '--fields <columns>',
    help: `columns for table and csv, comma list of: ${COLUMNS.map((c) => c.id).join(', ')}`,
    group: OUTPUT,
    values: () => COLUMNS.map((c) => c.id),
    repeatable: true,
    parse: (raw) => {
      const ids = Array.isArray(raw) ? splitList(raw) : DEFAULT_COLUMNS;
      if (ids.length === 0) throw new UsageError(`option --fields: no column named (known: ${COLUMNS.map((c) => c.id).join(', ')})`);
      const columns = selectColumns(ids);
      if (!Array.isArray(columns)) {
        throw new UsageError(`option --fields: unknown column '${columns.unknown}' (known: ${COLUMNS.map((c) => c.id).join(', ')})`);
      }
      return columns;
    },
  }),
};
