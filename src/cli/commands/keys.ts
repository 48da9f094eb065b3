/** `kmstrail keys`: the KMS keys the logs show, one row each, rebuilt from the events that name them. */
import { buildRecordFilter } from '../../filters/record-filter.js';
import { KEY_FORMATS } from '../../sinks/key-format.js';
import { defineCommand, PATHS_HELP } from '../command.js';
import { finish } from '../finish.js';
import { Messages } from '../messages.js';
import { FILTER_OPTIONS, filterSpecOf } from '../options/filter-options.js';
import { formatContext, formatOptions, SCREEN_OPTIONS } from '../options/output-options.js';
import { RUN_OPTIONS } from '../options/run-options.js';
import { completeFilter, readInto, statsLines } from '../read-run.js';

const HELP = `
Examples:
  kmstrail keys AWSLogs/
  kmstrail keys --key 1234abcd-12ab-34cd-56ef-1234567890ab logs/      everything the logs say about one key
  kmstrail keys --key alias/prod-db logs/                             the key behind an alias
  kmstrail keys --account 111122223333 --region eu-west-1 logs/
  kmstrail keys --format jsonl logs/ | jq -r 'select(.state.value == "PendingDeletion") | .arn'

One row per key (per ARN: replicas of a multi-Region key are separate keys): aliases seen, who
created it and when, its state as far as the logs show (decided by eventTime, whatever the order
the files are read in; failed calls change nothing), the last key policy change, rotation, grants
created/retired/revoked, first and last event naming it, events by operation and distinct principals.
A record that names a key only by alias counts for the key the alias pointed to at the record's
time, when the logs hold the mapping (CreateAlias, UpdateAlias, or a record naming both); otherwise
the alias gets its own row.
--key picks the keys to show (by key ID, ARN or alias) after the whole inventory is built, and
prints every field of each; the other filter options choose which records are counted.
Default format: table on a terminal, json when piped. With no path, or with -, records are read
from standard input.
`;

export const KEYS = defineCommand({
  name: 'keys',
  description: 'an inventory of the KMS keys in the logs: aliases, creator, state, policy, rotation, grants, use',
  paths: PATHS_HELP,
  help: HELP,
  options: { ...FILTER_OPTIONS, ...formatOptions(KEY_FORMATS, 'json'), ...SCREEN_OPTIONS, ...RUN_OPTIONS },
  async run(paths, o) {
    const spec = filterSpecOf(o);
    // --key chooses rows, not records: a key's state comes from events that may name it only by
    // ID while the user names it by alias (or the other way round).
    const messages = new Messages();
    // completeFilter also warns of --event names that match nothing, and adds the keys an alias
    // names in the logs (told before the window, say), which choose rows as the alias does.
    const keyed = await completeFilter(paths, buildRecordFilter(spec), o, messages);
    const filter = buildRecordFilter({ ...keyed.spec, keys: [] });
    const context = formatContext(o);
    const out = context.out;
    const sink = KEY_FORMATS[o.format](context, { selected: keyed.spec.keys });
    const result = await readInto(paths, filter, sink, o, messages, out);
    await finish(out, messages, o.stats ? statsLines(result) : []);
  },
});
