/**
 * `kmstrail sql`: print a query that selects, in Athena, CloudTrail Lake or DuckDB, the records the
 * same filter options select locally. Reads no records: the flags become a FilterSpec, the spec a
 * query (src/sql/).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Output } from '../../sinks/output.js';
import { isStdinPath } from '../../sources/expand-paths.js';
import { athenaQuery } from '../../sql/athena.js';
import { SqlLimitation } from '../../sql/conditions.js';
import { duckdbQuery } from '../../sql/duckdb.js';
import { edsId, LAKE_QUERY_LIMIT, lakeQuery } from '../../sql/lake.js';
import { defineCommand } from '../command.js';
import { finish } from '../finish.js';
import { Messages, UsageError } from '../messages.js';
import { FILTER_OPTIONS, filterSpecOf } from '../options/filter-options.js';
import { option, stringValue } from '../options/option-table.js';
import { warnAboutEventNames } from '../read-run.js';

const ENGINES = ['athena', 'lake', 'duckdb'] as const;
type Engine = (typeof ENGINES)[number];
const DEFAULT_TABLE = 'cloudtrail_logs';
const DEFAULT_PARTITION = 'timestamp';


const HELP = `
Engines:
  athena   the CloudTrail table of the Athena user guide (lower-case columns, useridentity struct,
           eventtime string, requestparameters JSON text). --table names it (default ${DEFAULT_TABLE}).
           --partition-projection: the table is the guide's partition-projection table, whose
           '${DEFAULT_PARTITION}' string partition holds the delivery day ('yyyy/MM/dd', storage
           template .../CloudTrail/<region>/\${${DEFAULT_PARTITION}}); give the column's name if it is not
           '${DEFAULT_PARTITION}'. The time window then also bounds that column, from the first day to
           the day after the last (files delivered past midnight), so only those folders are read.
  lake     CloudTrail Lake: --eds takes the event data store ID or ARN. Lake accepts at most
           ${LAKE_QUERY_LIMIT} characters; a longer query is printed with a warning.
  duckdb   DuckDB over CloudTrail delivery files ({"Records":[...]}, .json or .json.gz, DuckDB
           globs such as 'AWSLogs/**/*.json.gz'), named as paths; run it with: | duckdb

Exactness: the query selects what 'kmstrail filter' selects with the same options, except:
  --source-ip with an IPv6 address or block is refused (an IPv6 address has many spellings);
  athena and lake: --user does not see userIdentity.onBehalfOf or the session_name/assumed_role
  fields of Datadog exports (not in those schemas); eventTime is read as the engine reads
  ISO 8601, as CloudTrail writes it.
--key alias/x: like filter, the query also finds the keys the alias was seen naming, with a
subquery over the same inputs (in lake, and in athena without --partition-projection --since,
that is the whole table: it costs a full scan).
Values are quoted as SQL strings (a quote is doubled): no option value can change the query.

Examples:
  kmstrail sql --engine athena --key alias/prod-db --event Decrypt --since 24h
  kmstrail sql --engine athena --table security.cloudtrail_logs_pp --partition-projection --since 2024-03-01 --until 2024-03-08 --mutating
  kmstrail sql --engine lake --eds EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE --errors --error-code 'AccessDenied*'
  kmstrail sql --engine duckdb --event CreateKey,ScheduleKeyDeletion 'AWSLogs/**/*.json.gz' | duckdb
`;

const SQL_OPTIONS = 'SQL options:';

function engineOf(value: string | undefined): Engine {
  if (value === undefined) throw new UsageError(`option --engine: required (${ENGINES.join(', ')})`);
  const engine = ENGINES.find((e) => e === value.toLowerCase());
  if (!engine) throw new UsageError(`option --engine: '${value}' is not an engine (${ENGINES.join(', ')})`);
  return engine;
}

/** Options that belong to one engine only are refused with the others, rather than ignored. */
function onlyFor(engine: Engine, wanted: Engine, given: boolean, option: string): void {
  if (given && engine !== wanted) throw new UsageError(`option ${option}: only for --engine ${wanted}`);
}

export const SQL = defineCommand({
  name: 'sql',
  description: 'print a SQL query (Athena, CloudTrail Lake or DuckDB) selecting the records these filter options select',
  paths: 'duckdb: trail files or DuckDB globs to read (.json, .json.gz)',
  help: HELP,
  options: {
    ...FILTER_OPTIONS,
    engine: option({
      flags: '--engine <engine>',
      help: `where the query runs: ${ENGINES.join(', ')} (required)`,
      group: SQL_OPTIONS,
      values: () => ENGINES,
      parse: (raw) => engineOf(stringValue(raw)),
    }),
    table: option({ flags: '--table <name>', help: `athena: table or database.table (default: ${DEFAULT_TABLE})`, group: SQL_OPTIONS, parse: stringValue }),
    partitionProjection: option({
      flags: '--partition-projection [column]',
      help: `athena: the table's yyyy/MM/dd delivery-day partition column (default: ${DEFAULT_PARTITION})`,
      group: SQL_OPTIONS,
      parse: (raw) => raw as string | boolean | undefined,
    }),
    eds: option({ flags: '--eds <id>', help: 'lake: event data store ID or ARN (required for lake)', group: SQL_OPTIONS, parse: stringValue }),
  },
  async run(paths, o) {
    const engine = o.engine;
    onlyFor(engine, 'athena', o.table !== undefined, '--table');
    onlyFor(engine, 'athena', o.partitionProjection !== undefined, '--partition-projection');
    onlyFor(engine, 'lake', o.eds !== undefined, '--eds');
    if (engine !== 'duckdb' && paths.length > 0) throw new UsageError(`paths are read only by --engine duckdb; ${engine} reads its own table`);
    if (engine === 'duckdb' && paths.length === 0) throw new UsageError('--engine duckdb: name the trail files to read');
    if (engine === 'duckdb' && paths.some(isStdinPath)) throw new UsageError('--engine duckdb: DuckDB reads files, not standard input');
    if (engine === 'lake' && o.eds === undefined) throw new UsageError('option --eds: required for --engine lake');
    if (o.eds !== undefined && edsId(o.eds) === undefined) {
      throw new UsageError(`option --eds: '${o.eds}' is not an event data store ID or ARN`);
    }
    const table = o.table ?? DEFAULT_TABLE;
    if (table.split('.').some((part) => part === '')) throw new UsageError(`option --table: '${table}' is not a table name`);
    if (o.partitionProjection === '') throw new UsageError('option --partition-projection: empty column name');
    const partition = typeof o.partitionProjection === 'string' ? o.partitionProjection : o.partitionProjection ? DEFAULT_PARTITION : undefined;

    const spec = filterSpecOf(o);
    if ((spec.origins ?? []).length > 0) {
      throw new UsageError('option --origin has no SQL form: following a session back joins each record to the STS call that issued its key (use kmstrail trace or filter --origin)');
    }
    let query: string;
    try {
      if (engine === 'athena') query = athenaQuery(spec, { table, partitionColumn: partition });
      else if (engine === 'lake') query = lakeQuery(spec, { eds: o.eds ?? '' });
      else query = duckdbQuery(spec, { paths: paths.map(duckdbPath) });
    } catch (error) {
      if (error instanceof SqlLimitation) throw new UsageError(error.message);
      throw error;
    }
    // Through Output like every command: a full disk is reported and fails the run.
    const messages = new Messages();
    warnAboutEventNames(spec, messages);
    const out = new Output(process.stdout);
    out.write(query);
    if (engine === 'lake' && query.length > LAKE_QUERY_LIMIT) {
      messages.line(`warning: the query is ${query.length} characters; CloudTrail Lake accepts at most ${LAKE_QUERY_LIMIT}`);
    }
    await finish(out, messages, []);
  },
});

/**
 * What DuckDB is given for a path: a directory as a recursive glob of its JSON files (`.json`,
 * `.json.gz`, `.jsonl`), as read_json does not walk directories. Digest files hold no Records and
 * add no row.
 */
function duckdbPath(path: string): string {
  try {
    if (statSync(path).isDirectory()) return join(path, '**', '*.json*');
  } catch {
    // DuckDB says what is wrong with a path it cannot read.
  }
  return path;
}
