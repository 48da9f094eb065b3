/** `kmstrail timeline`: the story of one key or one principal, in eventTime order across all inputs. */
import { Command } from 'commander';
import { buildRecordFilter } from '../../filters/record-filter.js';
import { Timeline } from '../../sinks/aggregators/timeline.js';
import { Output } from '../../sinks/output.js';
import { TIMELINE_FORMATS, type TimelineFormat } from '../../sinks/timeline-format.js';
import { withAliasKeys } from '../alias-keys.js';
import { addFilterOptions, filterSpecFromOptions, type RawFilterOptions } from '../filter-options.js';
import { finish } from '../finish.js';
import { addFormatOptions, formatFromOptions, type RawFormatOptions } from '../format-option.js';
import { forEachMatch, statsLines } from '../matching-records.js';
import { Messages, UsageError } from '../messages.js';
import { progressFor } from '../progress.js';
import { addRunOptions, runSettingsFromOptions, type RawRunOptions } from '../run-options.js';

const FORMATS = Object.keys(TIMELINE_FORMATS) as TimelineFormat[];

const EXAMPLES = `
Examples:
  kmstrail timeline --key 1234abcd-12ab-34cd-56ef-1234567890ab AWSLogs/
  kmstrail timeline --key arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab --since 30d logs/
  kmstrail timeline --user Alice --mutating logs/                   what Alice changed in KMS
  kmstrail timeline --user 'arn:aws:sts::*:assumed-role/Admin/*' --all-sources logs/   every service, not only KMS
  kmstrail timeline --key alias/prod-db --format jsonl logs/ | jq -r .details

Give exactly one --key or one --user value (--user takes * globs); the other filter options narrow
further. Each line shows time, actor, action, key, outcome (ok or the error code) and the request
parameters that matter for the event (the deletion window, a grant's grantee and operations, a
one-line digest of a new key policy, the encryption context, ...).

To sort by eventTime across files that arrive in any order, the matching events are held in memory
until the end: one short line each, not the records. For a very busy key, narrow with --since and
--until. Events whose time cannot be read come last. Copies of one event (same eventID, time, name,
outcome and recipient account, as when a delivery file is stored twice) are shown once.
An alias (alias/x) also matches the events that name its key by ID or ARN when the logs hold the
mapping (CreateAlias, UpdateAlias, or a record naming both); on standard input, only those naming it.
With no path, or with -, records are read from standard input.
`;

export function timelineCommand(): Command {
  const command = new Command('timeline')
    .description('the events of one key (--key) or one principal (--user), one line each, in time order')
    .argument('[paths...]', 'trail files, directories (walked for .json, .json.gz, .jsonl), s3://bucket/prefix, or - for stdin');
  addFilterOptions(command);
  addFormatOptions(command, FORMATS);
  addRunOptions(command, { limit: false });
  command.addHelpText('after', EXAMPLES);
  command.action(async (paths: string[], raw: RawFilterOptions & RawFormatOptions & RawRunOptions) => {
    const spec = filterSpecFromOptions(raw);
    if (spec.keys.length + spec.users.length !== 1) {
      throw new UsageError('timeline follows one key or one principal: give exactly one --key or one --user value');
    }
    const { format, color } = formatFromOptions(raw, process.stdout, FORMATS);
    const run = runSettingsFromOptions(raw);
    const filter = await withAliasKeys(paths, buildRecordFilter(spec), run);

    const messages = new Messages();
    const out = new Output(process.stdout);
    const timeline = new Timeline();
    const progress = progressFor(run, messages);
    const stats = await forEachMatch(paths, filter, run, messages, out, (record) => timeline.add(record.record), progress.hooks);
    progress.stop();
    if (!out.stopped) TIMELINE_FORMATS[format](out, timeline.entries(), color, process.stdout.columns);
    const summary = run.stats
      ? [...statsLines(stats, messages), `timeline: ${timeline.size} events, ${timeline.duplicates} duplicate records dropped`]
      : [];
    await finish(out, messages, summary);
  });
  return command;
}
