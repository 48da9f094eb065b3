/**
 * KMS key references. A key is named by its ID (`1234abcd-...`, `mrk-...`), its ARN, an alias name
 * (`alias/app`) or an alias ARN, and a record may name it in several places at once.
 */
import { compileTextPatterns, type TextMatcher } from '../util/text-pattern.js';
import { KMS_SOURCE } from './events.js';
import { isObject, type JsonObject } from './record.js';

export interface KeyReference {
  /** As written in the record or on the command line. */
  given: string;
  /** The key ID, when the reference names a key (ID or key ARN). */
  keyId?: string;
  /** The alias name (`alias/...`), when the reference names an alias. */
  alias?: string;
  /** Region and account, when the reference is an ARN. */
  region?: string;
  account?: string;
  /**
   * From the command line only: a `*`/`?` glob (lower case) over key IDs, key ARNs and alias names
   * and ARNs, instead of one key (`--key '85b4ab0e*'`, or a bare ID prefix).
   */
  pattern?: string;
  /** From the command line only: `--key '!x'`, records naming this key are left out. */
  exclude?: true;
}

/**
 * A key as the user gives it: `!` first to exclude; a glob, or the start of a key ID (at least 4
 * hex digits, fewer than a whole ID), matches every key it fits; else one key or alias.
 */
export function parseWantedKey(value: string): KeyReference | undefined {
  let given = value.trim();
  const exclude = given.startsWith('!');
  if (exclude) given = given.slice(1).trim();
  const mark = <T extends KeyReference>(ref: T): T => (exclude ? { ...ref, exclude: true } : ref);
  if (given === '') return undefined;
  if (/[*?]/.test(given)) return mark({ given, pattern: given.toLowerCase() });
  const prefix = /^(mrk-)?[0-9a-f]{4,}(-[0-9a-f]*)*$/i.exec(given);
  if (prefix && !/^(mrk-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^mrk-[0-9a-f]{32}$/i.test(given)) {
    return mark({ given, pattern: `${given.toLowerCase()}*` });
  }
  const ref = parseKeyReference(given);
  return ref && mark(ref);
}

/** Does `wanted` (from the user; a glob or one key) name reference `r` (from a record)? */
export function keyWanted(wanted: KeyReference, r: KeyReference): boolean {
  if (wanted.pattern === undefined) return sameKey(wanted, r);
  let match = patterns.get(wanted.pattern);
  if (!match) patterns.set(wanted.pattern, (match = compileTextPatterns([wanted.pattern])));
  return (r.keyId !== undefined && match(r.keyId)) || (r.alias !== undefined && match(r.alias)) || match(r.given);
}

const patterns = new Map<string, TextMatcher>();

/**
 * Does this `--key` value name aliases, whose keys are wanted too? An alias, or a glob that can fit
 * alias names (`alias/app-*`, `*prod*`, an alias ARN glob); `*` alone fits every key already.
 */
export function namesAliases(ref: KeyReference): boolean {
  if (ref.alias !== undefined) return true;
  const pattern = ref.pattern;
  return pattern !== undefined && pattern !== '*' && (pattern.includes('alias') || /^[*?]/.test(pattern));
}

// Any case: what a user types (`ARN:AWS:KMS:...`, `ALIAS/APP`) matches as a record spells it.
const KMS_ARN = /^arn:[a-z-]+:kms:([^:]*):([^:]*):(key|alias)\/(.+)$/i;

/**
 * Reads a key reference in any of its forms; undefined for empty or non-KMS values. Blanks around
 * it are no part of the key (as the SQL of `kmstrail sql` reads it too), but `given` keeps the value
 * as written, for display: trimmed, `"\t\r\nalias/prod "` was shown as `alias/prod`.
 */
export function parseKeyReference(value: string): KeyReference | undefined {
  const written = value;
  const given = value.trim();
  if (given === '') return undefined;
  const ref = keyReferenceOf(given);
  if (ref && written !== given) ref.given = written;
  return ref;
}

function keyReferenceOf(given: string): KeyReference | undefined {
  const arn = KMS_ARN.exec(given);
  if (arn) {
    const [, region, account, kind, name] = arn;
    return kind.toLowerCase() === 'key'
      ? { given, keyId: name.toLowerCase(), region: region.toLowerCase(), account }
      : { given, alias: `alias/${name}`, region: region.toLowerCase(), account };
  }
  if (/^arn:/i.test(given)) return undefined;
  if (/^alias\//i.test(given)) return { given, alias: `alias/${given.slice(6)}` };
  return { given, keyId: given.toLowerCase() };
}

/**
 * Where a record names KMS keys, in the order a reader would look for "the" key of the event:
 * KMS's own request and response fields, then where other services name the key they had KMS use
 * (S3's SSE-KMS header on PutObject, CopyObject and CreateMultipartUpload; the `kmsKeyId` of an
 * EBS volume, an RDS instance, a secret or a trail; a Lambda function's `kMSKeyArn`; an SQS queue's
 * or SNS topic's `attributes.KmsMasterKeyId`; a DynamoDB table's `sSESpecification`; the key a
 * DynamoDB table or DAX cluster answers it is encrypted with; a bucket's default encryption
 * (PutBucketEncryption); an ECR repository's key). A known list, which the SQL
 * (src/sql/conditions.ts) reads too, so that both ask the same question. Resources come after.
 */
export const KEY_FIELDS: readonly string[] = [
  'requestParameters.keyId',
  'requestParameters.targetKeyId',
  'requestParameters.sourceKeyId',
  'requestParameters.destinationKeyId',
  'requestParameters.aliasName',
  'requestParameters.x-amz-server-side-encryption-aws-kms-key-id',
  'requestParameters.kmsKeyId',
  'requestParameters.kMSKeyArn',
  'requestParameters.attributes.KmsMasterKeyId',
  'requestParameters.sSESpecification.kMSMasterKeyId',
  'requestParameters.ServerSideEncryptionConfiguration.Rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID',
  'requestParameters.encryptionConfiguration.kmsKey',
  'responseElements.keyId',
  'responseElements.keyMetadata.keyId',
  'responseElements.keyMetadata.arn',
  'responseElements.x-amz-server-side-encryption-aws-kms-key-id',
  'responseElements.kmsKeyId',
  'responseElements.kMSKeyArn',
  'responseElements.tableDescription.sSEDescription.kMSMasterKeyArn',
  'responseElements.cluster.sSEDescription.kMSMasterKeyArn',
];
/** The fields under each of the two objects, as steps, for keyReferences (a record's hot path with --key). */
const stepsUnder = (top: string) => KEY_FIELDS.filter((path) => path.startsWith(`${top}.`)).map((path) => path.split('.').slice(1));
const REQUEST_STEPS = stepsUnder('requestParameters');
const RESPONSE_STEPS = stepsUnder('responseElements');

/** The value at `path` under `object`, when every step is an object. */
function valueAt(object: JsonObject, path: readonly string[]): unknown {
  let value: unknown = object;
  for (const step of path) {
    if (!isObject(value)) return undefined;
    value = value[step];
  }
  return value;
}

/**
 * A KMS key or alias ARN as AWS writes one, and nothing else in the string. Other services name
 * the key they had KMS use in fields of their own, nested in lists (an EKS cluster's
 * `encryptionConfig[].provider.keyArn`, a Glue security configuration's) and spelt as each API
 * likes (Backup's `encryptionKeyArn`, Firehose's `keyARN`): no list keeps up with them, but a key
 * ARN says what it is wherever it stands. Stricter than KMS_ARN (no blanks, no
 * character JSON would escape), so that the SQL twin (src/sql/conditions.ts) finds exactly these
 * in the JSON text.
 */
export const WRITTEN_KMS_ARN = /^arn:[a-z-]+:kms:[a-z0-9-]*:[0-9]*:(?:key|alias)\/[A-Za-z0-9/_-]+$/;

const isWrittenArn = (text: string) => text.startsWith('arn:') && WRITTEN_KMS_ARN.test(text);

/** arnsWithin's, kept between records: every record of another service is walked. */
const walkStack: unknown[] = [];

/**
 * Every string of `value` (keys too, at any depth) that is a WRITTEN_KMS_ARN, into `found`, in the
 * order the record writes them (the first may be the key shown for the record). A string holding
 * JSON (an IAM policy document) is a string, not read inside.
 */
function arnsWithin(value: unknown, found: string[]): void {
  // A stack, not recursion: a hostile record may nest deeper than the call stack goes. Children go
  // on it last first, so that they come off it in order.
  const stack = walkStack;
  stack.push(value);
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (isWrittenArn(item)) found.push(item);
    } else if (Array.isArray(item)) {
      for (let k = item.length - 1; k >= 0; k--) stack.push(item[k]);
    } else if (isObject(item)) {
      const names = Object.keys(item);
      for (const name of names) if (isWrittenArn(name)) found.push(name);
      for (let k = names.length - 1; k >= 0; k--) stack.push(item[names[k]]);
    }
  }
}

/**
 * Every key reference in a record: request parameters, response elements and resources. A bare ID
 * or alias name is taken to be in the record's own region and account, which is where KMS looked
 * it up; that is what tells `alias/app` in one region from `alias/app` in another. A record of
 * another service also names every key or alias ARN anywhere in its request or response (see
 * WRITTEN_KMS_ARN); KMS's own records keep to their known fields, where a second key ARN (a
 * replica's, in ReplicateKey's response) is not the key the call was about.
 */
export function keyReferences(record: JsonObject): KeyReference[] {
  const refs: KeyReference[] = [];
  const region = typeof record.awsRegion === 'string' ? record.awsRegion : undefined;
  const account = typeof record.recipientAccountId === 'string' ? record.recipientAccountId : undefined;
  const add = (value: unknown) => {
    if (typeof value !== 'string') return;
    const ref = parseKeyReference(value);
    if (!ref) return;
    if (ref.region === undefined && region) ref.region = region;
    if (ref.account === undefined && account) ref.account = account;
    refs.push(ref);
  };
  const request = record.requestParameters;
  if (isObject(request)) for (const steps of REQUEST_STEPS) add(steps.length === 1 ? request[steps[0]] : valueAt(request, steps));
  const response = record.responseElements;
  if (isObject(response)) for (const steps of RESPONSE_STEPS) add(steps.length === 1 ? response[steps[0]] : valueAt(response, steps));
  // In any case, as --source compares: a record that passes for KMS's there is KMS's here too.
  const kms = typeof record.eventSource === 'string' && record.eventSource.toLowerCase() === KMS_SOURCE;
  if (!kms && (request != null || response != null)) {
    const arns: string[] = [];
    arnsWithin(request, arns);
    arnsWithin(response, arns);
    // Once each, and not again where a known field gave it already.
    if (arns.length > 0) {
      const given = new Set(refs.map((r) => r.given));
      for (const arn of arns) {
        if (given.has(arn)) continue;
        given.add(arn);
        add(arn);
      }
    }
  }
  if (Array.isArray(record.resources)) {
    for (const resource of record.resources) {
      if (!isObject(resource)) continue;
      const arn = resource.ARN ?? resource.arn;
      if (typeof arn === 'string' && KMS_ARN.test(arn)) add(arn);
    }
  }
  return refs;
}

/** Does reference `r` (from a record) name the key or alias that `wanted` (from the user) names? */
export function sameKey(wanted: KeyReference, r: KeyReference): boolean {
  if (wanted.keyId !== undefined) {
    if (r.keyId !== wanted.keyId) return false;
    // Replicas of a multi-Region key share its ID: a key ARN names the one in its region.
    if (wanted.keyId.startsWith('mrk-') && wanted.region && r.region && wanted.region !== r.region) return false;
    return true;
  }
  if (wanted.alias !== undefined && r.alias !== undefined) {
    // Alias names compare without regard to case, as every text filter does.
    if (r.alias !== wanted.alias && r.alias.toLowerCase() !== wanted.alias.toLowerCase()) return false;
    // An alias name is per account and region: when both sides say which, they must agree.
    if (wanted.account && r.account && wanted.account !== r.account) return false;
    if (wanted.region && r.region && wanted.region !== r.region) return false;
    return true;
  }
  return false;
}

/** The key to show for a record: the first reference, as an ID when an ARN names a key. */
export function displayKey(record: JsonObject): string {
  const refs = keyReferences(record);
  if (refs.length === 0) return '';
  const first = refs[0];
  if (first.keyId !== undefined && first.given.startsWith('arn:')) return first.keyId;
  return first.given;
}

/** The ARN of the first key a record names by ARN (request, response or resources), if any. */
export function keyArnOf(record: JsonObject): string | undefined {
  return keyReferences(record).find((r) => r.keyId !== undefined && r.given.startsWith('arn:'))?.given;
}
