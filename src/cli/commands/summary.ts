/** `kmstrail summary`: one screen that answers "what happened here?", counted as records stream by. */
import { buildRecordFilter } from '../../filters/record-filter.js';
import type { PrincipalGrouping } from '../../sinks/aggregators/summary.js';
import { SUMMARY_FORMATS } from '../../sinks/summary-format.js';
import { defineCommand, PATHS_HELP } from '../command.js';
import { finish } from '../finish.js';
import { Messages, UsageError } from '../messages.js';
import { FILTER_OPTIONS, filterSpecOf } from '../options/filter-options.js';
import { option, positiveInteger, stringValue } from '../options/option-table.js';
import { ASCII_OPTION, formatContext, formatOptions, NO_ORIGINS_OPTION, SCREEN_OPTIONS } from '../options/output-options.js';
import { RUN_OPTIONS } from '../options/run-options.js';
import { prepareFilter, readInto, statsLines } from '../read-run.js';

const HELP = `
Examples:
  kmstrail summary AWSLogs/
  kmstrail summary --since 24h --top 5 logs/
  kmstrail summary --key alias/prod-db logs/                   who uses this key, from where
  kmstrail summary --by role logs/                             principals: each role once, its sessions together
  kmstrail summary --errors logs/                              what fails, and for whom
  kmstrail summary --all-sources --tz Europe/Paris logs/       every service, times on Paris clocks
  kmstrail summary --format json logs/ | jq '.principals.rows[0]'

Shows the files and records read, the time span, the top values (with counts and shares of the
matched records) of event names, principals, keys, source IPs, regions and error codes, read-only
against mutating calls, and the earliest --top destructive or policy events (ScheduleKeyDeletion,
DisableKey, PutKeyPolicy, CreateGrant, DeleteImportedKeyMaterial, DisableKeyRotation).
The table also draws the matched records over time: one row per time bucket (1m, 5m, 15m, 1h, 6h,
1d, 1w, 4w: the smallest that shows the whole span in at most 48 rows), the busiest three marked;
in plain ASCII with --ascii or when the locale is not UTF-8. json carries the same series under
"activity" (bucket size, starts, counts; records without a readable eventTime counted apart).
Memory stays bounded: each table counts at most 100,000 distinct values; later new values are
counted as (other) and the output says so. In json, principals are full ARNs and keys carry their
ARN when the records give it.
Default format: table on a terminal, json when piped. With no path, or with -, records are read
from standard input.
`;

export const SUMMARY = defineCommand({
  name: 'summary',
  description: 'counts of what happened: top events, principals, keys, source IPs, regions, errors; destructive events listed',
  paths: PATHS_HELP,
  help: HELP,
  options: {
    ...FILTER_OPTIONS,
    ...formatOptions(SUMMARY_FORMATS, 'json'),
    ...ASCII_OPTION,
    top: option({
      flags: '--top <n>',
      help: 'rows in each top table, and destructive events listed (default 10)',
      group: 'Output options:',
      parse: (raw) => (stringValue(raw) === undefined ? 10 : positiveInteger('--top', raw as string)),
    }),
    ...NO_ORIGINS_OPTION,
    by: option({
      flags: '--by <grouping>',
      help: 'principals counted as: session (each principal as named, default) or role (role sessions rolled up to their role)',
      group: 'Output options:',
      values: () => ['session', 'role'],
      parse: (raw): PrincipalGrouping => {
        const value = stringValue(raw)?.toLowerCase();
        if (value === undefined || value === 'session') return 'session';
        if (value === 'role') return 'role';
        throw new UsageError(`option --by: '${stringValue(raw)}' is not one of session, role`);
      },
    }),
    ...SCREEN_OPTIONS,
    ...RUN_OPTIONS,
  },
  async run(paths, o) {
    const messages = new Messages();
    const { filter, originOf } = await prepareFilter(paths, buildRecordFilter(filterSpecOf(o)), o, messages, o.origins);
    const context = formatContext(o);
    const out = context.out;
    const sink = SUMMARY_FORMATS[o.format](context, { top: o.top, principalsBy: o.by, originOf: o.origins ? originOf : undefined });
    const result = await readInto(paths, filter, sink, o, messages, out);
    await finish(out, messages, o.stats ? statsLines(result) : []);
  },
});
