/** Small helpers for the Sigma tests: a rule from a detection written inline, and running it. */
import { expect } from 'vitest';
import type { JsonObject } from '../../../../src/cloudtrail/record.js';
import type { Hit } from '../../../../src/rules/rule.js';
import { parseSigmaText } from '../../../../src/rules/sigma/load-rules.js';
import { SigmaEngine, type SigmaEngineOptions } from '../../../../src/rules/sigma/sigma-engine.js';
import type { SigmaRule } from '../../../../src/rules/sigma/sigma-rule.js';

/** A whole rule file around `detection` (YAML text, indented by the caller's own lines). */
export function ruleText(detection: string, extra = ''): string {
  const body = detection
    .replace(/^\n/, '')
    .split('\n')
    .map((l) => (l.trim() === '' ? '' : '    ' + l))
    .join('\n');
  return `title: Test rule\nid: test-rule\nlogsource:\n    product: aws\n    service: cloudtrail\n${extra}detection:\n${body}\n`;
}

/** Parses rules and fails the test on any problem. */
export function rulesOf(text: string): SigmaRule[] {
  const set = parseSigmaText(text, 'test.yml');
  expect(set.problems).toEqual([]);
  expect(set.notApplicable).toEqual([]);
  return set.rules;
}

/** The problem messages of a rule text. */
export function problemsOf(text: string): string[] {
  return parseSigmaText(text, 'test.yml').problems.map((p) => p.message);
}

export function run(rules: SigmaRule[], records: readonly JsonObject[], options: Partial<SigmaEngineOptions> = {}): Hit[] {
  const hits: Hit[] = [];
  const engine = new SigmaEngine(rules, { ...options, onHit: (h) => hits.push(h) });
  records.forEach((r, i) => engine.feed(r, { file: 'records.json', line: i + 1 }));
  engine.end();
  return hits;
}

let counter = 0;
/** A plausible CloudTrail record with the fields given (eventID and eventTime unique unless given). */
export function record(fields: JsonObject = {}): JsonObject {
  counter++;
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLE',
      arn: 'arn:aws:iam::111122223333:user/Alice',
      accountId: '111122223333',
      userName: 'Alice',
    },
    eventTime: new Date(Date.UTC(2024, 2, 1, 10, 0, 0) + counter * 1000).toISOString().replace('.000Z', 'Z'),
    eventSource: 'iam.amazonaws.com',
    eventName: 'ListUsers',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: null,
    responseElements: null,
    eventID: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
    ...fields,
  };
}

/** Whether the one-rule detection matches the record. */
export function matches(detection: string, fields: JsonObject): boolean {
  return run(rulesOf(ruleText(detection)), [record(fields)]).length === 1;
}
