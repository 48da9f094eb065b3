/** `kmstrail filter`: print the records that match. Wires sources → reader → filter → a formatter. */
import { Command } from 'commander';
import { buildRecordFilter } from '../../filters/record-filter.js';
import { RECORD_FORMATS } from '../../sinks/formats.js';
import { Output } from '../../sinks/output.js';
import { addFilterOptions, filterSpecFromOptions, type RawFilterOptions } from '../filter-options.js';
import { forEachMatch, statsLines } from '../matching-records.js';
import { Messages } from '../messages.js';
import { addOutputOptions, outputSettingsFromOptions, type RawOutputOptions } from '../output-options.js';
import { progressFor } from '../progress.js';
import { addRunOptions, runSettingsFromOptions, type RawRunOptions } from '../run-options.js';
import { withAliasKeys } from '../alias-keys.js';
import { finish } from '../finish.js';
import { UsageError } from '../messages.js';
import { sortByEventTime } from '../../sinks/sort-records.js';
import type { TrailRecord } from '../../reader/trail-reader.js';

const EXAMPLES = `
Examples:
  kmstrail filter --event CreateKey samples/
  kmstrail filter --event ScheduleKeyDeletion,DisableKey AWSLogs/      who is destroying keys?
  kmstrail filter --key alias/prod-db --event Decrypt --since 24h logs/ | jq -r .userIdentity.arn | sort | uniq -c
  kmstrail filter --errors --error-code AccessDenied* --format csv logs/ > denied.csv
  kmstrail filter --user 'arn:aws:sts::*:assumed-role/Admin/*' --mutating logs/
  kmstrail filter --source-ip 203.0.113.0/24 --all-sources logs/*.json.gz
  aws cloudtrail lookup-events --max-results 50 | kmstrail filter --all-sources -

With no path, or with -, records are read from standard input.
`;

export function filterCommand(): Command {
  const command = new Command('filter')
    .description('print the CloudTrail records that match every given option (default: only KMS events)')
    .argument('[paths...]', 'trail files, directories (walked for .json, .json.gz, .jsonl), s3://bucket/prefix, or - for stdin');
  addFilterOptions(command);
  addOutputOptions(command);
  addRunOptions(command, { limit: true });
  command.option('--sort <order>', 'time: print matches in eventTime order (holds the matches in memory); default: input order');
  command.addHelpText('after', EXAMPLES);
  command.action(async (paths: string[], raw: RawFilterOptions & RawOutputOptions & RawRunOptions & { sort?: string }) => {
    if (raw.sort !== undefined && raw.sort !== 'time') {
      throw new UsageError(`option --sort: '${raw.sort}' is not a sort order (only: time)`);
    }
    const spec = filterSpecFromOptions(raw);
    const output = outputSettingsFromOptions(raw, process.stdout);
    const run = runSettingsFromOptions(raw);
    const filter = await withAliasKeys(paths, buildRecordFilter(spec), run);

    const messages = new Messages();
    const out = new Output(process.stdout);
    const sink = RECORD_FORMATS[output.format](out, output);
    const progress = progressFor(run, messages);
    const held: TrailRecord[] = [];
    const onMatch = raw.sort === 'time' ? (record: TrailRecord) => held.push(record) : (record: TrailRecord) => sink.write(record);
    const stats = await forEachMatch(paths, filter, run, messages, out, onMatch, progress.hooks);
    progress.stop();
    if (raw.sort === 'time') for (const record of sortByEventTime(held)) sink.write(record);
    if (!out.stopped) sink.end();
    await finish(out, messages, run.stats ? statsLines(stats, messages) : []);
  });
  return command;
}
