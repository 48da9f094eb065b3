/**
 * The CloudTrail record as this tool sees it: a parsed JSON object, read defensively, since real
 * trails carry null where objects are expected, missing fields and fields of unexpected types.
 */

export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `record.a.b.c` when every step is an object, else undefined. */
export function path(record: unknown, ...keys: string[]): unknown {
  let current: unknown = record;
  for (const key of keys) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** A string field, or undefined when absent, null or of another type. */
export function text(record: unknown, ...keys: string[]): string | undefined {
  const value = path(record, ...keys);
  return typeof value === 'string' ? value : undefined;
}

/** `readOnly` arrives as a boolean, or as the strings "true"/"false" in older records. */
export function readOnlyFlag(record: JsonObject): boolean | undefined {
  const value = record.readOnly;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

export function errorCode(record: JsonObject): string | undefined {
  const code = record.errorCode;
  if (typeof code === 'string' && code !== '') return code;
  return undefined;
}

/** A CloudTrail record has at least one of these keys (what `notCloudTrailBecause` reads, with eventSource's value). */
export const RECORD_KEYS = ['eventName', 'eventSource', 'eventTime', 'userIdentity'] as const;

/**
 * Why a JSON object is not a CloudTrail record, or undefined when it may be one. Other AWS JSON
 * looks alike: S3 event notifications and DynamoDB Streams records also hold `Records` of objects
 * with `eventName`, `eventSource` and `eventTime`, but their event sources are `aws:s3`,
 * `aws:dynamodb`, where CloudTrail names services `<service>.amazonaws.com`. Lenient otherwise:
 * records from exports and other tools miss fields, and one named field is enough.
 */
export function notCloudTrailBecause(value: JsonObject): string | undefined {
  const source = value.eventSource;
  if (typeof source === 'string' && source.startsWith('aws:')) {
    if (source === 'aws:s3') return 'an S3 event notification (eventSource aws:s3)';
    if (source === 'aws:dynamodb') return 'a DynamoDB Streams record (eventSource aws:dynamodb)';
    return `an AWS event notification (eventSource ${source})`;
  }
  for (const key of RECORD_KEYS) if (key in value) return undefined;
  return `keys: ${Object.keys(value).slice(0, 4).join(', ') || 'none'}`;
}

/** An EventBridge event that carries a CloudTrail record in `detail` ("AWS API Call via CloudTrail", ...). */
export function isCloudTrailEnvelope(value: JsonObject): boolean {
  const type = value['detail-type'];
  return typeof type === 'string' && / via CloudTrail$/.test(type) && isObject(value.detail);
}
