/**
 * The timeline: the story of one key or one principal, one line per event in eventTime order.
 * Ordering needs every matching event before the first line, so this holds them, but only as
 * short lines (time, actor, action, key, outcome, a digest of the parameters that matter), never
 * the records: the set is already narrowed to one key or principal by the filter.
 */
import { isoEventTime } from '../../cloudtrail/event-time.js';
import { displayKey } from '../../cloudtrail/key-reference.js';
import { phrasesDigest, readKeyPolicy, statementPhrase } from '../../cloudtrail/key-policy.js';
import { shortPrincipal } from '../../cloudtrail/principal.js';
import { errorCode, isObject, text, type JsonObject } from '../../cloudtrail/record.js';
import { stampOf } from './event-order.js';

export interface TimelineEntry {
  /** ISO 8601, or eventTime as written when it cannot be read. */
  time: string;
  eventName: string;
  actor: string;
  actorArn?: string;
  key: string;
  errorCode?: string;
  /** The request parameters that matter for this event, in one line (tables cut it to fit). */
  details: string;
  /** The same, structured, with the record's own values: what json and jsonl print. */
  parameters: JsonObject;
  region?: string;
  sourceIp?: string;
  eventId?: string;
}

/** Per event, the request parameters worth a place on the line (policy and context are added for any event). */
const PARAMETERS: Record<string, string[]> = {
  ScheduleKeyDeletion: ['pendingWindowInDays'],
  CreateGrant: ['granteePrincipal', 'operations', 'retiringPrincipal', 'name'],
  RetireGrant: ['grantId'],
  RevokeGrant: ['grantId'],
  CreateKey: ['keySpec', 'keyUsage', 'origin', 'multiRegion', 'customKeyStoreId'],
  CreateAlias: ['aliasName', 'targetKeyId'],
  UpdateAlias: ['aliasName', 'targetKeyId'],
  DeleteAlias: ['aliasName'],
  EnableKeyRotation: ['rotationPeriodInDays'],
  ImportKeyMaterial: ['expirationModel', 'validTo'],
  ReEncrypt: ['sourceKeyId', 'destinationKeyId'],
  GenerateDataKey: ['keySpec', 'numberOfBytes'],
  GenerateDataKeyWithoutPlaintext: ['keySpec', 'numberOfBytes'],
  GenerateDataKeyPair: ['keyPairSpec'],
  GenerateDataKeyPairWithoutPlaintext: ['keyPairSpec'],
  Sign: ['signingAlgorithm'],
  Verify: ['signingAlgorithm'],
  UpdateKeyDescription: ['description'],
  UpdatePrimaryRegion: ['primaryRegion'],
  ReplicateKey: ['replicaRegion'],
  TagResource: ['tags'],
  UntagResource: ['tagKeys'],
};


/** Levels of a parameter value a digest goes into; deeper, `…` (a record may nest thousands deep). */
const BRIEF_DEPTH = 16;

/** A parameter value in a few characters: lists joined by commas, maps as k=v, tags as Key=Value. */
function brief(value: unknown, depth = 0): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if ((Array.isArray(value) || isObject(value)) && depth >= BRIEF_DEPTH) return '…';
  if (Array.isArray(value)) return value.map((item) => brief(item, depth + 1)).join(',');
  if (isObject(value)) {
    // Tags: {TagKey, TagValue} in the API, {tagKey, tagValue} in some records.
    const tagKey = value.TagKey ?? value.tagKey;
    if (typeof tagKey === 'string') return `${tagKey}=${brief(value.TagValue ?? value.tagValue, depth + 1)}`;
    return Object.entries(value)
      .map(([k, v]) => `${k}=${brief(v, depth + 1)}`)
      .join(',');
  }
  return '';
}

/**
 * The policy a request sets: a KMS key policy (`policy`, a JSON string), or an S3 bucket policy
 * (`bucketPolicy`, an object, beside an empty `policy`). Undefined when there is none.
 */
function requestedPolicy(params: JsonObject): unknown {
  for (const value of [params.policy, params.bucketPolicy]) {
    if ((typeof value === 'string' && value.trim() !== '') || isObject(value)) return value;
  }
  return undefined;
}

/** What an event asked for that matters, with the record's own values (a policy as its digest). */
export function eventParameters(record: JsonObject): JsonObject {
  const params = isObject(record.requestParameters) ? record.requestParameters : undefined;
  if (!params) return {};
  const eventName = text(record, 'eventName') ?? '';
  const out: JsonObject = {};
  for (const name of PARAMETERS[eventName] ?? []) if (params[name] !== undefined && params[name] !== null) out[name] = params[name];
  if (eventName === 'CreateGrant') {
    const grantId = text(record, 'responseElements', 'grantId');
    if (grantId) out.grantId = grantId;
  }
  if (params.bypassPolicyLockoutSafetyCheck === true) out.bypassPolicyLockoutSafetyCheck = true;
  if (params.encryptionContext !== undefined && params.encryptionContext !== null) out.encryptionContext = params.encryptionContext;
  if (params.constraints !== undefined && params.constraints !== null) out.constraints = params.constraints;
  const reading = readKeyPolicy(requestedPolicy(params));
  if (reading) out.policy = reading.ok ? { statements: reading.statements.map(statementPhrase) } : { error: reading.error };
  return out;
}

/** The one-line digest of what an event asked for. */
export function eventDetails(record: JsonObject): string {
  return detailsLine(eventParameters(record));
}

/** The parameters as one line: `name=value; context: k=v; policy: 2 statements: ...`. */
function detailsLine(parameters: JsonObject): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(parameters)) {
    if (name === 'encryptionContext' || name === 'constraints' || name === 'policy') continue;
    const shown = brief(value);
    if (shown !== '') parts.push(`${name}=${shown}`);
  }
  const context = brief(parameters.encryptionContext);
  if (context) parts.push(`context: ${context}`);
  const constraints = brief(parameters.constraints);
  if (constraints) parts.push(`constraints: ${constraints}`);
  const policy = parameters.policy as { statements: string[] } | { error: string } | undefined;
  if (policy) parts.push(`policy: ${'error' in policy ? `policy unreadable (${policy.error})` : phrasesDigest(policy.statements)}`);
  return parts.join('; ');
}

export function timelineEntry(record: JsonObject): TimelineEntry {
  return {
    time: isoEventTime(record.eventTime),
    eventName: text(record, 'eventName') ?? '',
    actor: shortPrincipal(record),
    actorArn: text(record, 'userIdentity', 'arn'),
    key: displayKey(record),
    errorCode: errorCode(record),
    ...withDetails(eventParameters(record)),
    region: text(record, 'awsRegion'),
    sourceIp: text(record, 'sourceIPAddress'),
    eventId: text(record, 'eventID'),
  };
}

function withDetails(parameters: JsonObject): Pick<TimelineEntry, 'details' | 'parameters'> {
  return { details: detailsLine(parameters), parameters };
}

/**
 * Collects entries in any order; `entries()` gives them by eventTime, then as `keys` orders one
 * second's events (compareStamps's tie-break), then arrival (unreadable times last). With a
 * `limit`, only the earliest `limit` are kept (the report's per-key timelines): the
 * rest are counted in `omitted`, and memory stays within twice the limit.
 */
export class Timeline {
  private items: Array<{ ms: number | undefined; tie: string; seq: number; entry: TimelineEntry }> = [];
  private added = 0;

  constructor(private readonly limit: number = Infinity) {}

  add(record: JsonObject): void {
    const { ms, tie } = stampOf(record);
    // stampOf puts an unreadable time first (-Infinity); a timeline puts it last.
    this.items.push({ ms: Number.isFinite(ms) ? ms : undefined, tie, seq: this.added++, entry: timelineEntry(record) });
    // Trim now and then rather than on every add: sorting is the cost.
    if (this.items.length >= 2 * this.limit) this.trim();
  }

  /** Events added, kept or not. */
  get size(): number {
    return this.added;
  }

  /** Events added but not kept, being later than the `limit` earliest. */
  get omitted(): number {
    this.trim();
    return this.added - this.items.length;
  }

  private trim(): void {
    const late = Number.POSITIVE_INFINITY;
    // Events of one second in the order `keys` gives them (compareStamps), not the order the files
    // were read: a key's state and the last line of its timeline then tell the same story.
    this.items.sort((a, b) => (a.ms ?? late) - (b.ms ?? late) || (a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0) || a.seq - b.seq);
    if (this.items.length > this.limit) this.items.length = this.limit;
  }

  entries(): TimelineEntry[] {
    this.trim();
    return this.items.map((item) => item.entry);
  }
}
