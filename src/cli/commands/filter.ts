/** `kmstrail filter`: print the records that match. Wires sources → reader → filter → a formatter. */
import { buildRecordFilter } from '../../filters/record-filter.js';
import { RECORD_FORMATS } from '../../sinks/record-formats.js';
import { sortedByTime } from '../../sinks/sort-records.js';
import { defineCommand, PATHS_HELP } from '../command.js';
import { finish } from '../finish.js';
import { Messages, UsageError } from '../messages.js';
import { option, stringValue } from '../options/option-table.js';
import { FILTER_OPTIONS, filterSpecOf } from '../options/filter-options.js';
import { FIELDS_OPTION, formatContext, formatOptions, SCREEN_OPTIONS } from '../options/output-options.js';
import { LIMIT_OPTION, RUN_OPTIONS } from '../options/run-options.js';
import { prepareFilter, readInto, statsLines } from '../read-run.js';
import { withOrigins } from '../../sinks/columns.js';
import { originCell } from '../../sinks/trace-format.js';

const HELP = `
Examples:
  kmstrail filter --event CreateKey samples/
  kmstrail filter --event ScheduleKeyDeletion,DisableKey AWSLogs/      who is destroying keys?
  kmstrail filter --key alias/prod-db --event Decrypt --since 24h logs/ | jq -r .userIdentity.arn | sort | uniq -c
  kmstrail filter --errors --error-code 'AccessDenied*' --format csv logs/ > denied.csv
  kmstrail filter --event DisableKey --tz Europe/Paris logs/           times on Paris clocks
  kmstrail filter --fields time,event,principal-arn,user-agent --wide logs/   every column, whole
  kmstrail filter --user 'arn:aws:sts::*:assumed-role/Admin/*' --mutating logs/
  kmstrail filter --source-ip 203.0.113.0/24 --all-sources logs/*.json.gz
  kmstrail filter --origin alice --all-sources --fields time,event,principal,origin logs/   what alice's sessions did
  aws cloudtrail lookup-events --max-results 50 | kmstrail filter --all-sources -

With no path, or with -, records are read from standard input.
`;

export const FILTER = defineCommand({
  name: 'filter',
  description: 'print the CloudTrail records that match every given option (default: only KMS events)',
  paths: PATHS_HELP,
  help: HELP,
  options: {
    ...FILTER_OPTIONS,
    ...formatOptions(RECORD_FORMATS, 'jsonl'),
    ...FIELDS_OPTION,
    ...SCREEN_OPTIONS,
    sort: option({
      flags: '--sort <order>',
      help: 'time: print matches in eventTime order (with --limit N, the earliest N); default: input order',
      group: 'Output options:',
      values: () => ['time'],
      parse: (raw) => {
        const value = stringValue(raw);
        if (value !== undefined && value !== 'time') throw new UsageError(`option --sort: '${value}' is not a sort order (only: time)`);
        return value;
      },
    }),
    ...LIMIT_OPTION,
    ...RUN_OPTIONS,
  },
  async run(paths, o) {
    const messages = new Messages();
    const showsOrigin = o.fields.some((c) => c.id === 'origin') && ['table', 'csv'].includes(o.format);
    const { filter, originOf } = await prepareFilter(paths, buildRecordFilter(filterSpecOf(o)), o, messages, showsOrigin);
    const columns = originOf ? withOrigins(o.fields, (r) => originCell(originOf(r))) : o.fields;
    const context = formatContext(o);
    const out = context.out;
    const format = RECORD_FORMATS[o.format](context, { columns });
    // Sorted, --limit keeps the earliest N of all matches: the pipeline must then read everything.
    const sorted = o.sort === 'time';
    const sink = sorted ? sortedByTime(format, o.limit) : format;
    const result = await readInto(paths, filter, sink, sorted ? { ...o, limit: undefined } : o, messages, out);
    await finish(out, messages, o.stats ? statsLines(result) : []);
  },
});
