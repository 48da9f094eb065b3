/** `kmstrail summary`: one screen that answers "what happened here?", counted as records stream by. */
import { Command } from 'commander';
import { buildRecordFilter } from '../../filters/record-filter.js';
import { SummaryAggregator } from '../../sinks/aggregators/summary.js';
import { Output } from '../../sinks/output.js';
import { SUMMARY_FORMATS, type SummaryFormat } from '../../sinks/summary-format.js';
import { withAliasKeys } from '../alias-keys.js';
import { addFilterOptions, filterSpecFromOptions, type RawFilterOptions } from '../filter-options.js';
import { finish } from '../finish.js';
import { forEachMatch, statsLines } from '../matching-records.js';
import { Messages } from '../messages.js';
import { addFormatOptions, formatFromOptions, type RawFormatOptions } from '../format-option.js';
import { progressFor } from '../progress.js';
import { addRunOptions, positiveInteger, runSettingsFromOptions, type RawRunOptions } from '../run-options.js';

const FORMATS = Object.keys(SUMMARY_FORMATS) as SummaryFormat[];

const EXAMPLES = `
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
Memory stays bounded: each table counts at most 100,000 distinct values; later new values are
counted as (other) and the output says so.
Default format: table on a terminal, json when piped. With no path, or with -, records are read
from standard input.
`;

export function summaryCommand(): Command {
  const command = new Command('summary')
    .description('counts of what happened: top events, principals, keys, source IPs, regions, errors; destructive events listed')
    .argument('[paths...]', 'trail files, directories (walked for .json, .json.gz, .jsonl), s3://bucket/prefix, or - for stdin');
  addFilterOptions(command);
  addFormatOptions(command, FORMATS, 'json').option('--top <n>', 'rows in each top table (default 10)');
  addRunOptions(command, { limit: false });
  command.addHelpText('after', EXAMPLES);
  command.action(async (paths: string[], raw: RawFilterOptions & RawRunOptions & RawFormatOptions & { top?: string }) => {
    const spec = filterSpecFromOptions(raw);
    const { format, color } = formatFromOptions(raw, process.stdout, FORMATS, 'json');
    const top = raw.top !== undefined ? positiveInteger('--top', raw.top) : 10;
    const run = runSettingsFromOptions(raw);
    const filter = await withAliasKeys(paths, buildRecordFilter(spec), run);

    const messages = new Messages();
    const out = new Output(process.stdout);
    const summary = new SummaryAggregator();
    const progress = progressFor(run, messages);
    const stats = await forEachMatch(paths, filter, run, messages, out, (record) => summary.add(record.record), progress.hooks);
    progress.stop();
    const result = summary.result(top);
    const capped = [result.eventNames, result.principals, result.keys, result.sourceIps, result.regions, result.errorCodes].some((t) => t.capped);
    if (capped) messages.line(`warning: more than ${result.caps.distinctValues.toLocaleString('en-US')} distinct values in a table: later new values are counted as (other)`);
    if (!out.stopped) {
      SUMMARY_FORMATS[format](out, { ...result, input: { files: stats.files, recordsRead: stats.records }, top }, color);
    }
    await finish(out, messages, run.stats ? statsLines(stats, messages) : []);
  });
  return command;
}
