/** `kmstrail trace`: who is behind each matching record's session, following issued keys back. */
import { buildRecordFilter } from '../../filters/record-filter.js';
import { TRACE_FORMATS } from '../../sinks/trace-format.js';
import { defineCommand, PATHS_HELP } from '../command.js';
import { finish } from '../finish.js';
import { Messages } from '../messages.js';
import { FILTER_OPTIONS, filterSpecOf } from '../options/filter-options.js';
import { formatContext, formatOptions, SCREEN_OPTIONS } from '../options/output-options.js';
import { LIMIT_OPTION, RUN_OPTIONS } from '../options/run-options.js';
import { prepareFilter, readInto, statsLines } from '../read-run.js';

const HELP = `
Examples:
  kmstrail trace --key alias/prod-db --event Decrypt AWSLogs/          who is behind each Decrypt
  kmstrail trace --origin bert-jan --all-sources logs/                 everything bert-jan's sessions did
  kmstrail trace --user 'arn:aws:sts::*:assumed-role/BreakGlass/*' --format jsonl logs/ | jq -c '.origin'

A role session's records name the role and the session, not who assumed it. Its temporary access
key (ASIA...) was issued by an STS call (AssumeRole, AssumeRoleWithSAML, AssumeRoleWithWebIdentity,
GetSessionToken, GetFederationToken) whose caller may itself be a session: trace follows the keys
back to a long-term identity (an IAM user, root, a SAML or web-identity user, an IAM Identity Center
user, or an AWS service) and prints the chain, each link with the STS event that made it. When the
issuing call is not in the inputs, the origin is "unresolved" with the last link known: never a
guess.

A first pass over the inputs collects the issuing calls (it reads only STS records, unparsed
otherwise), from 50 hours before --since: long enough for a 36-hour session token that assumed a
role and chained two more. Standard input is kept in a temporary file as first read, and read
again from there.
`;

export const TRACE = defineCommand({
  name: 'trace',
  description: 'each matching record with its origin: the identity behind its session, and the chain of roles in between',
  paths: PATHS_HELP,
  help: HELP,
  options: { ...FILTER_OPTIONS, ...formatOptions(TRACE_FORMATS, 'jsonl'), ...SCREEN_OPTIONS, ...LIMIT_OPTION, ...RUN_OPTIONS },
  async run(paths, o) {
    const messages = new Messages();
    const { filter, originOf } = await prepareFilter(paths, buildRecordFilter(filterSpecOf(o)), o, messages, true);
    const context = formatContext(o);
    const out = context.out;
    const sink = TRACE_FORMATS[o.format](context, { originOf: originOf! });
    const result = await readInto(paths, filter, sink, o, messages, out);
    await finish(out, messages, o.stats ? statsLines(result) : []);
  },
});
