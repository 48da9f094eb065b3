/** `kmstrail timeline`: the story of one key or one principal, in eventTime order across all inputs. */
import { buildRecordFilter } from '../../filters/record-filter.js';
import { TIMELINE_FORMATS } from '../../sinks/timeline-format.js';
import { defineCommand, PATHS_HELP } from '../command.js';
import { finish } from '../finish.js';
import { Messages, UsageError } from '../messages.js';
import { FILTER_OPTIONS, filterSpecOf } from '../options/filter-options.js';
import { ASCII_OPTION, formatContext, formatOptions, SCREEN_OPTIONS } from '../options/output-options.js';
import { RUN_OPTIONS } from '../options/run-options.js';
import { completeFilter, readInto, statsLines } from '../read-run.js';

const HELP = `
Examples:
  kmstrail timeline --key 1234abcd-12ab-34cd-56ef-1234567890ab AWSLogs/
  kmstrail timeline --key arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab --since 30d logs/
  kmstrail timeline --user Alice --mutating logs/                   what Alice changed in KMS
  kmstrail timeline --user 'arn:aws:sts::*:assumed-role/Admin/*' --all-sources logs/   every service, not only KMS
  kmstrail timeline --key alias/prod-db --format jsonl logs/ | jq -c .details
  kmstrail timeline --origin bert-jan --all-sources logs/            everything bert-jan's sessions did
  kmstrail timeline --user Alice --tz local logs/                     times on this computer's clock

Give exactly one --key, --user or --origin value (--user and --origin take * globs; --origin
follows role sessions back to who started them, see kmstrail trace --help); the other filter
options narrow further. Each line shows time, actor, action, key, outcome (ok or the error code) and the request
parameters that matter for the event (the deletion window, a grant's grantee and operations, a
one-line digest of a new key policy, the encryption context, ...).

The table ends with the events drawn over time (the chart of kmstrail summary; --ascii for plain
ASCII); kmstrail summary --format json with the same options gives its series as data.

To sort by eventTime across files that arrive in any order, the matching events are held in memory
until the end: one short line each, not the records. For a very busy key, narrow with --since and
--until. Events whose time cannot be read come last. Copies of one event (same eventID, time, name,
outcome and recipient account, as when a delivery file is stored twice) are shown once.
An alias (alias/x) also matches the events that name its key by ID or ARN when the logs hold the
mapping (CreateAlias, UpdateAlias, or a record naming both).
With no path, or with -, records are read from standard input.
`;

export const TIMELINE = defineCommand({
  name: 'timeline',
  description: 'the events of one key (--key) or one principal (--user), one line each, in time order',
  paths: PATHS_HELP,
  help: HELP,
  options: { ...FILTER_OPTIONS, ...formatOptions(TIMELINE_FORMATS, 'jsonl'), ...ASCII_OPTION, ...SCREEN_OPTIONS, ...RUN_OPTIONS },
  async run(paths, o) {
    const spec = filterSpecOf(o);
    if (spec.keys.length + spec.users.length + (spec.origins ?? []).length !== 1) {
      throw new UsageError('timeline follows one key or one principal: give exactly one --key, --user or --origin value');
    }
    const messages = new Messages();
    const filter = await completeFilter(paths, buildRecordFilter(spec), o, messages);
    const context = formatContext(o);
    const out = context.out;
    const sink = TIMELINE_FORMATS[o.format](context, { follows: spec.keys.length > 0 ? 'key' : 'user' });
    const result = await readInto(paths, filter, sink, o, messages, out);
    await finish(out, messages, o.stats ? statsLines(result) : []);
  },
});
