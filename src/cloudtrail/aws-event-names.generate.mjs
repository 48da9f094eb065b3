#!/usr/bin/env node
/**
 * Writes aws-event-names.ts beside this file: the event names CloudTrail records for the services
 * it logs most, so that `--event CreateKeys` can be told "did you mean CreateKey?".
 *
 * The names are the API operations of each service as botocore's service models define them (the
 * AWS SDK for Python's copy of each service's API definition, generated from the same models as
 * every AWS SDK), plus the events CloudTrail records that are not API operations, listed below with
 * where AWS documents them.
 *
 *   node src/cloudtrail/aws-event-names.generate.mjs [botocore-<version>-py3-none-any.whl]
 *
 * Without a wheel, it asks pip for botocore==BOTOCORE (`pip download`, nothing installed). Needs
 * `unzip`. Run it again with a newer BOTOCORE to follow new APIs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const BOTOCORE = '1.43.107';

/** eventSource → botocore service models whose operations CloudTrail records under it. */
const SOURCES = {
  'kms.amazonaws.com': ['kms'],
  'sts.amazonaws.com': ['sts'],
  'iam.amazonaws.com': ['iam'],
  // S3 Control (access points, Storage Lens, account-level settings) is logged as s3 too.
  's3.amazonaws.com': ['s3', 's3control'],
  'ec2.amazonaws.com': ['ec2'],
  'secretsmanager.amazonaws.com': ['secretsmanager'],
  'ssm.amazonaws.com': ['ssm'],
  'lambda.amazonaws.com': ['lambda'],
  'cloudtrail.amazonaws.com': ['cloudtrail'],
  'organizations.amazonaws.com': ['organizations'],
  'signin.amazonaws.com': ['signin'],
  'logs.amazonaws.com': ['logs'],
  'monitoring.amazonaws.com': ['cloudwatch'],
  'rds.amazonaws.com': ['rds'],
  'dynamodb.amazonaws.com': ['dynamodb'],
  'sns.amazonaws.com': ['sns'],
  'sqs.amazonaws.com': ['sqs'],
  'cloudformation.amazonaws.com': ['cloudformation'],
  'config.amazonaws.com': ['config'],
  'guardduty.amazonaws.com': ['guardduty'],
  'ecr.amazonaws.com': ['ecr'],
  'ecs.amazonaws.com': ['ecs'],
  'eks.amazonaws.com': ['eks'],
  'route53.amazonaws.com': ['route53'],
  'acm.amazonaws.com': ['acm'],
  'health.amazonaws.com': ['health'],
};

/**
 * Lambda's CloudTrail event names carry the date of the request path's API version after the
 * operation, for the APIs of its first years: CreateFunction20150331 (POST /2015-03-31/functions),
 * GetFunction20150331v2, ListTags20170331, PublishLayerVersion20181031; operations added since
 * 2019 are recorded under their own names (GetFunctionCodeSigningConfig, of /2020-06-30/, in the
 * invictus-ir sample trail). Both spellings of the older ones are listed.
 */
const DATED_NAMES = new Map([['lambda.amazonaws.com', '20190101']]);

/** Events CloudTrail records that no API operation is named after. */
const NOT_API_OPERATIONS = {
  // AWS KMS Developer Guide, "Examples of AWS KMS log entries": what KMS does on its own
  // (deleting a key after its waiting period, automatic rotation, expired imported material,
  // keeping multi-Region keys in step).
  'kms.amazonaws.com': ['DeleteExpiredKeyMaterial', 'DeleteKey', 'RotateKey', 'SynchronizeMultiRegionKey'],
  // AWS CloudTrail User Guide, "AWS Management Console sign-in events"; IAM User Guide, "Logging
  // IAM and AWS STS API calls with AWS CloudTrail" (sign-in events).
  'signin.amazonaws.com': ['ConsoleLogin', 'CheckMfa', 'ExitRole', 'GetSigninToken', 'RenewRole', 'SwitchRole'],
};

function wheelPath(given) {
  if (given) return { wheel: given, cleanUp: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'botocore-'));
  execFileSync('pip', ['download', `botocore==${BOTOCORE}`, '--no-deps', '--quiet', '-d', dir], { stdio: 'inherit' });
  const wheel = readdirSync(dir).find((f) => f.endsWith('.whl'));
  if (!wheel) throw new Error(`pip left no wheel in ${dir}`);
  return { wheel: join(dir, wheel), cleanUp: () => rmSync(dir, { recursive: true, force: true }) };
}

const { wheel, cleanUp } = wheelPath(process.argv[2]);
const version = /^botocore-([^-]+)-/.exec(basename(wheel))?.[1] ?? BOTOCORE;
const files = execFileSync('unzip', ['-Z1', wheel], { encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n');

/** The operations of a service's newest API version in the wheel, with the date of each one's path. */
function operations(service) {
  const models = files.filter((f) => new RegExp(`^botocore/data/${service}/[^/]+/service-2\\.json\\.gz$`).test(f)).sort();
  if (models.length === 0) throw new Error(`botocore ${version} has no model for ${service}`);
  const model = JSON.parse(gunzipSync(execFileSync('unzip', ['-p', wheel, models.at(-1)], { maxBuffer: 1 << 28 })).toString('utf8'));
  return Object.entries(model.operations).map(([name, op]) => ({ name, date: /^\/(\d{4})-(\d{2})-(\d{2})\//.exec(op.http?.requestUri ?? '')?.slice(1).join('') }));
}

const table = Object.entries(SOURCES).map(([source, services]) => {
  const ops = services.flatMap(operations);
  const before = DATED_NAMES.get(source);
  const dated = before ? ops.filter((op) => op.date && op.date < before).map((op) => `${op.name}${op.date}`) : [];
  const names = new Set([...ops.map((op) => op.name), ...dated, ...(NOT_API_OPERATIONS[source] ?? [])]);
  return [source, [...names].sort()];
});
cleanUp();

/** Names a line at a time, so that the file reads and diffs well. */
function lines(names) {
  const out = [];
  let line = '';
  for (const name of names) {
    if (line && line.length + 1 + name.length > 100) {
      out.push(line);
      line = name;
    } else line = line ? `${line} ${name}` : name;
  }
  if (line) out.push(line);
  return out.join('\n');
}

const text = `/**
 * Event names CloudTrail records, by event source: the API operations of each service in botocore
 * ${version}'s service models, plus the events that are not API operations (see the generator).
 * Generated by aws-event-names.generate.mjs beside this file: do not edit, run it again.
 */

/** The botocore release the names come from. */
export const BOTOCORE_VERSION = '${version}';

/** Event names by event source, separated by white space. */
export const AWS_EVENT_NAMES: Readonly<Record<string, string>> = {
${table.map(([source, names]) => `  '${source}': \`\n${lines(names)}\`,`).join('\n')}
};
`;
const target = fileURLToPath(new URL('./aws-event-names.ts', import.meta.url));
writeFileSync(target, text);
console.log(`${target}: ${table.reduce((n, [, names]) => n + names.length, 0)} names of ${table.length} event sources, botocore ${version}`);
