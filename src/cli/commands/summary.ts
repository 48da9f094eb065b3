/** `kmstrail summary`: one screen that answers "what happened here?", counted as records stream by. */
import { buildRecordFilter } from '../../filters/record-filter.js';
import { Output } from '../../sinks/output.js';
import { SUMMARY_FORMATS } from '../../sinks/summary-format.js';
import { defineCommand, PATHS_HELP } from '../command.js';
import { finish } from '../finish.js';
import { Messages } from '../messages.js';
import { FILTER_OPTIONS, filterSpecOf } from '../options/filter-options.js';
import { option, positiveInteger, stringValue } from '../options/option-table.js';
import { ASCII_OPTION, formatOptions } from '../options/output-options.js';
import { RUN_OPTIONS } from '../options/run-options.js';
import { completeFilter, readInto, statsLines } from '../read-run.js';

const HELP = `
Examples:
  kmstrail summary AWSLogs/
  kmstrail summary --since 24h --top 5 logs/
  kmstrail summary --key alias/prod-db logs/                   who uses this key, from where
  kmstrail summary --errors logs/                              what fails, and for whom
  kmstrail summary --all-sources logs/                         every service, not only KMS
  kmstrail summary --format json logs/ | jq '.principals.rows[0]'

Shows the files and records read, the time span, the top values (with counts and shares of the
matched records) of event names, principals, keys, source IPs, regions and error codes, read-only
against mutating calls, and each destructive or policy event (ScheduleKeyDeletion, DisableKey,
PutKeyPolicy, CreateGrant, DeleteImportedKeyMaterial, DisableKeyRotation), the earliest 1,000 at most.
The table also draws the matched records over time: one row per time bucket (1m, 5m, 15m, 1h, 6h,
1d, 1w, 4w: the smallest that shows the whole span in at most 48 rows), the busiest three marked;
in plain ASCII with --ascii or when the locale is not UTF-8. json carries the same series under
"activity" (bucket size, starts, counts; records without a readable eventTime counted apart).
Memory stays bounded: each table counts at most 100,000 distinct values; later new values are
counted as (other) and the output says so.
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
      help: 'rows in each top table (default 10)',
      group: 'Output options:',
      parse: (raw) => (stringValue(raw) === undefined ? 10 : positiveInteger('--top', raw as string)),
    }),
    ...RUN_OPTIONS,
  },
  async run(paths, o) {
    const messages = new Messages();
    const filter = await completeFilter(paths, buildRecordFilter(filterSpecOf(o)), o, messages);
    const out = new Output(process.stdout);
    const sink = SUMMARY_FORMATS[o.format]({ out, color: o.color, columns: process.stdout.columns, ascii: o.ascii }, { top: o.top });
    const result = await readInto(paths, filter, sink, o, messages, out);
    await finish(out, messages, o.stats ? statsLines(result) : []);
  },
});
