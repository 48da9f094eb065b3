/**
 * The timeline: the story of one key or one principal, one line per event in eventTime order.
 * Ordering needs every matching event before the first line, so this holds them, but only as
 * short lines (time, actor, action, key, outcome, a digest of the parameters that matter), never
 * the records: the set is already narrowed to one key or principal by the filter.
 */
import { isoEventTime, parseEventTime } from '../../cloudtrail/event-time.js';
import { displayKey } from '../../cloudtrail/key-reference.js';
import { policyDigest, readKeyPolicy } from '../../cloudtrail/key-policy.js';
import { shortPrincipal } from '../../cloudtrail/principal.js';
import { errorCode, isObject, text, type JsonObject } from '../../cloudtrail/record.js';

export interface TimelineEntry {
  /** ISO 8601, or eventTime as written when it cannot be read. */
  time: string;
  eventName: string;
  actor: string;
  actorArn?: string;
  key: string;
  errorCode?: string;
  /** The request parameters that matter for this event, in one line. */
  details: string;
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

const MAX_DETAILS = 500;

/** A parameter value in a few characters: lists joined by commas, maps as k=v, tags as Key=Value. */
function brief(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(brief).join(',');
  if (isObject(value)) {
    // Tags: {TagKey, TagValue} in the API, {tagKey, tagValue} in some records.
    const tagKey = value.TagKey ?? value.tagKey;
    if (typeof tagKey === 'string') return `${tagKey}=${brief(value.TagValue ?? value.tagValue)}`;
    return Object.entries(value)
      .map(([k, v]) => `${k}=${brief(v)}`)
      .join(',');
  }
  return '';
}

/** The one-line digest of what an event asked for. */
export function eventDetails(record: JsonObject): string {
  const params = isObject(record.requestParameters) ? record.requestParameters : undefined;
  if (!params) return '';
  const eventName = text(record, 'eventName') ?? '';
  const parts: string[] = [];
  for (const name of PARAMETERS[eventName] ?? []) {
    const value = brief(params[name]);
    if (value !== '') parts.push(`${name}=${value}`);
  }
  if (eventName === 'CreateGrant') {
    const grantId = text(record, 'responseElements', 'grantId');
    if (grantId) parts.push(`grantId=${grantId}`);
  }
  if (params.bypassPolicyLockoutSafetyCheck === true) parts.push('bypassPolicyLockoutSafetyCheck=true');
  const context = brief(params.encryptionContext);
  if (context) parts.push(`context: ${context}`);
  const constraints = brief(params.constraints);
  if (constraints) parts.push(`constraints: ${constraints}`);
  const policy = readKeyPolicy(params.policy);
  if (policy) parts.push(`policy: ${policyDigest(policy)}`);
  const line = parts.join('; ');
  return line.length > MAX_DETAILS ? `${line.slice(0, MAX_DETAILS - 1)}…` : line;
}

export function timelineEntry(record: JsonObject): TimelineEntry {
  return {
    time: isoEventTime(record.eventTime),
    eventName: text(record, 'eventName') ?? '',
    actor: shortPrincipal(record),
    actorArn: text(record, 'userIdentity', 'arn'),
    key: displayKey(record),
    errorCode: errorCode(record),
    details: eventDetails(record),
    region: text(record, 'awsRegion'),
    sourceIp: text(record, 'sourceIPAddress'),
    eventId: text(record, 'eventID'),
  };
}

/** Collects entries in any order; `entries()` gives them by eventTime, then arrival (unreadable times last). */
export class Timeline {
  private readonly items: Array<{ ms: number | undefined; seq: number; entry: TimelineEntry }> = [];

  add(record: JsonObject): void {
    this.items.push({ ms: parseEventTime(record.eventTime), seq: this.items.length, entry: timelineEntry(record) });
  }

  get size(): number {
    return this.items.length;
  }

  entries(): TimelineEntry[] {
    const late = Number.POSITIVE_INFINITY;
    return this.items
      .sort((a, b) => (a.ms ?? late) - (b.ms ?? late) || a.seq - b.seq)
      .map((item) => item.entry);
  }
}
