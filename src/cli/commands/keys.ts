/** `kmstrail keys`: the KMS keys the logs show, one row each, rebuilt from the events that name them. */
import { Command } from 'commander';
import { buildRecordFilter } from '../../filters/record-filter.js';
import { KeyInventory, selectKeys } from '../../sinks/aggregators/key-inventory.js';
import { KEY_FORMATS, type KeyFormat } from '../../sinks/key-format.js';
import { Output } from '../../sinks/output.js';
import { addFilterOptions, filterSpecFromOptions, type RawFilterOptions } from '../filter-options.js';
import { finish } from '../finish.js';
import { forEachMatch, statsLines } from '../matching-records.js';
import { Messages } from '../messages.js';
import { addFormatOptions, formatFromOptions, type RawFormatOptions } from '../format-option.js';
import { progressFor } from '../progress.js';
import { addRunOptions, runSettingsFromOptions, type RawRunOptions } from '../run-options.js';

const FORMATS = Object.keys(KEY_FORMATS) as KeyFormat[];

const EXAMPLES = `
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
A record that names a key only by alias counts for the key the alias pointed to, when the logs hold
the mapping (CreateAlias, UpdateAlias, or a record naming both); otherwise the alias gets its own row.
--key picks the keys to show (by key ID, ARN or alias) after the whole inventory is built, and
prints every field of each; the other filter options choose which records are counted.
Default format: table on a terminal, json when piped. With no path, or with -, records are read
from standard input.
`;

export function keysCommand(): Command {
  const command = new Command('keys')
    .description('an inventory of the KMS keys in the logs: aliases, creator, state, policy, rotation, grants, use')
    .argument('[paths...]', 'trail files, directories (walked for .json, .json.gz, .jsonl), s3://bucket/prefix, or - for stdin');
  addFilterOptions(command);
  addFormatOptions(command, FORMATS, 'json');
  addRunOptions(command, { limit: false });
  command.addHelpText('after', EXAMPLES);
  command.action(async (paths: string[], raw: RawFilterOptions & RawRunOptions & RawFormatOptions) => {
    const spec = filterSpecFromOptions(raw);
    const { format, color } = formatFromOptions(raw, process.stdout, FORMATS, 'json');
    const run = runSettingsFromOptions(raw);
    // --key chooses rows, not records: a key's state comes from events that may name it only by
    // ID while the user names it by alias (or the other way round).
    const filter = buildRecordFilter({ ...spec, keys: [] });

    const messages = new Messages();
    const out = new Output(process.stdout);
    const inventory = new KeyInventory();
    const progress = progressFor(run, messages);
    const stats = await forEachMatch(paths, filter, run, messages, out, (record) => inventory.add(record.record), progress.hooks);
    progress.stop();
    const result = inventory.result();
    const untracked = result.untracked.keyRecords + result.untracked.aliasRecords;
    if (untracked > 0) {
      messages.line(`warning: more than ${result.caps.keys.toLocaleString('en-US')} keys or aliases: ${untracked.toLocaleString('en-US')} records name only keys beyond the cap and are not counted`);
    }
    if (result.principalsCapped) {
      messages.line(`warning: some keys have more than ${result.caps.principalsPerKey.toLocaleString('en-US')} distinct principals: their lists are incomplete (marked capped)`);
    }
    const keys = spec.keys.length > 0 ? selectKeys(result.keys, spec.keys) : result.keys;
    if (!out.stopped) {
      KEY_FORMATS[format](out, { ...result, keys, input: { files: stats.files, recordsRead: stats.records } }, { detail: spec.keys.length > 0, color });
    }
    await finish(out, messages, run.stats ? statsLines(stats, messages) : []);
  });
  return command;
}
