/**
 * `kmstrail detect --sigma` end to end, through the built binary: all of ../shared/sigma (SigmaHQ's
 * 57 CloudTrail rules and the Sigma 1 count rules) over the real trees and over a generated trail,
 * hit by hit against the independent reference evaluator (test/helpers/sigma-reference.mjs, which
 * shares no code with src/); rules that do not load, rules for other logs, levels, the grouped
 * table, --list-rules, and KMS-016 on the invictus-ir trail with its threshold and window computed
 * here from the records. The rule files are read from ../shared and never copied into the project.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir, STACK_FRAME, stderrLines, tableRows, type Json } from '../helpers/e2e.js';
import { jsonLines, runCli, SHARED } from '../helpers/run-cli.js';
// A plain .mjs evaluator with a .d.mts beside it, kept apart from src/ on purpose.
import { referenceHits, referenceRules, referenceRulesFromText, type ReferenceRule } from '../helpers/sigma-reference.mjs';
import { filesUnder, recordsUnder, type TrailRecordObject } from '../helpers/trail-records.js';

const SIGMA = join(SHARED, 'sigma');
const TREES = join(SHARED, 'samples/trees');
const INVICTUS = join(TREES, 'invictus-ir');
const GENERATOR = join(SHARED, 'bench/gen-trail.mjs');
const RULE_FILES = filesUnder(SIGMA).filter((f) => f.endsWith('.yml'));
/** The one rule of ../shared/sigma the engine refuses: Sigma 1's `near`. */
const NEAR_RULE = join(SIGMA, 'unsupported/cloud/aws_lambda_function_created_or_invoked.yml');

let dir: string;
let generated: string;
let reference: ReferenceRule[];
let parts: string;

beforeAll(() => {
  dir = makeTempDir('kmstrail-sigma-e2e-');
  generated = join(dir, 'gen.json');
  const gen = spawnSync(process.execPath, [GENERATOR, '--mb', '4', '--seed', '5', '--out', generated], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`gen-trail failed: ${gen.stderr}`);
  reference = referenceRules(RULE_FILES);
  // The generated trail cut in four, the earliest records in the file read last.
  parts = join(dir, 'parts');
  mkdirSync(parts);
  const records = recordsUnder(generated);
  const quarter = Math.ceil(records.length / 4);
  for (let i = 0; i < 4; i++) writeFileSync(join(parts, `${'dcba'[i]}.json`), JSON.stringify({ Records: records.slice(i * quarter, (i + 1) * quarter) }));
});
afterAll(() => removeDir(dir));

type Hit = Json & { rule: string; eventID: string | null; records: string[] | null; count: number | null; source: string };

/** Per rule: the eventIDs of a detection rule's hits, `count:first records` of a correlation's, sorted. */
function byRule(hits: Hit[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const h of hits) (out[h.rule] ??= []).push(h.records ? `${h.count}:${h.records.join(',')}` : String(h.eventID));
  for (const list of Object.values(out)) list.sort();
  return out;
}

/**
 * The reference's hits in the same form. A correlation hit lists at most 100 eventIDs (its first
 * ones, in time order), and its count is the number of events of its window (all the Sigma 1 rules
 * here count events).
 */
function expectedByRule(records: TrailRecordObject[]): Record<string, string[]> {
  const raw = referenceHits(reference, records);
  const out: Record<string, string[]> = {};
  for (const [rule, hits] of Object.entries(raw)) {
    if (hits.length === 0) continue;
    out[rule] = hits.map((h) => (Array.isArray(h) ? `${h.length}:${h.slice(0, 100).join(',')}` : h)).sort();
  }
  return out;
}

/** The stderr lines that are not about the `near` rule, which must be named exactly once. */
function otherLines(stderr: string): string[] {
  const lines = stderrLines(stderr);
  expect(lines.filter((l) => l.startsWith(`kmstrail: ${NEAR_RULE}: `))).toHaveLength(1);
  expect(STACK_FRAME.test(stderr)).toBe(false);
  return lines.filter((l) => !l.startsWith(`kmstrail: ${NEAR_RULE}: `));
}

describe('all of ../shared/sigma through the binary, against the reference evaluator', () => {
  for (const tree of ['invictus-ir', 'SANS-504-S3-ransomware-lab', 'stratus-red-team.cloud', 'traildiscover.cloud']) {
    it(`real tree ${tree}: the hits of every rule`, async () => {
      const path = join(TREES, tree);
      const result = await runCli(['detect', '--no-builtin', '--sigma', SIGMA, '--format', 'jsonl', path]);
      // The `near` rule is named and the run ends with 1; every other rule ran.
      expect(result.code).toBe(1);
      // traildiscover.cloud holds a file written as a JavaScript literal: named as bad input, nothing else.
      for (const line of otherLines(result.stderr)) expect(line).toMatch(new RegExp(`^kmstrail: ${path}/.*: .*\\(byte \\d+\\)$`));
      const hits = jsonLines(result.stdout) as Hit[];
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.every((h) => h.source === 'sigma')).toBe(true);
      expect(byRule(hits)).toEqual(expectedByRule(recordsUnder(path)));
    });
  }

  it('a generated trail: the hits of every rule, with --jobs 1 and with a worker thread alike', async () => {
    const expected = expectedByRule(recordsUnder(generated));
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(4);
    for (const jobs of ['1', '2']) {
      const result = await runCli(['detect', '--no-builtin', '--sigma', SIGMA, '--jobs', jobs, '--format', 'jsonl', generated]);
      expect(otherLines(result.stderr)).toEqual([]);
      expect(result.code).toBe(1);
      expect(byRule(jsonLines(result.stdout) as Hit[])).toEqual(expected);
    }
  });

  it('files in any order: the generated trail cut in four, named against time order, read beside the built-in rules', async () => {
    const records = recordsUnder(generated);
    const both = await runCli(['detect', '--sigma', SIGMA, '--format', 'jsonl', parts]);
    expect(otherLines(both.stderr)).toEqual([]);
    const hits = jsonLines(both.stdout) as Hit[];
    expect(byRule(hits.filter((h) => h.source === 'sigma'))).toEqual(expectedByRule(records));
    // The built-in rules find beside the Sigma rules what they find alone.
    const builtin = await runCli(['detect', '--format', 'jsonl', parts]);
    expect(builtin.code).toBe(0);
    const alone = jsonLines(builtin.stdout) as Hit[];
    expect(alone.length).toBeGreaterThan(0);
    expect(hits.filter((h) => h.source === 'builtin')).toEqual(alone);
    // One stream, in time order (correlations are told when their window closes, by its last event).
    const times = hits.filter((h) => h.records === null).map((h) => Date.parse(h.time as string));
    expect(times.every((t, i) => i === 0 || times[i - 1] <= t)).toBe(true);
  });
});

/** Base rules and v2 correlations of all four types, grouped, over the generated trail's events. */
const V2_RULES = `${['console_login: {eventSource: signin.amazonaws.com, eventName: ConsoleLogin}', 'secret_read: {eventName: GetSecretValue}', 'access_key_created: {eventName: CreateAccessKey}']
  .map((line) => {
    const [name, selection] = line.split(/: (.*)/);
    return `title: ${name}\nname: ${name}\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel: ${selection}\n  condition: sel\n`;
  })
  .join('---\n')}---
title: Logins per principal
id: corr-event-count
level: high
correlation: {type: event_count, rules: [console_login], group-by: [userIdentity.arn], timespan: 10m, condition: {gte: 4}}
---
title: Secrets read from many addresses
id: corr-value-count
correlation: {type: value_count, rules: [secret_read], group-by: [userIdentity.arn], timespan: 15m, condition: {gte: 3, field: sourceIPAddress}}
---
title: Login and secret read
id: corr-temporal
correlation: {type: temporal, rules: [console_login, secret_read], group-by: [userIdentity.accountId], timespan: 2m}
---
title: Login, secret read, then access key
id: corr-ordered
correlation: {type: temporal_ordered, rules: [console_login, secret_read, access_key_created], group-by: [userIdentity.accountId], timespan: 3m}
---
title: A few logins from one address
id: corr-range
correlation: {type: event_count, rules: [console_login], group-by: [sourceIPAddress], timespan: 30m, condition: {gte: 2, lte: 3}}
`;

describe('v2 correlations through the binary', () => {
  it('event_count, value_count, temporal, temporal_ordered, with group-by and a range: the windows of the reference, in any file order', async () => {
    const file = join(dir, 'v2.yml');
    writeFileSync(file, V2_RULES);
    const raw = referenceHits(referenceRulesFromText(V2_RULES, file), recordsUnder(generated));
    const expected = Object.fromEntries(Object.entries(raw).map(([rule, hits]) => [rule, hits.map((h) => (h as string[]).slice(0, 100).join(',')).sort()]));
    expect(Object.keys(expected).sort()).toEqual(['corr-event-count', 'corr-ordered', 'corr-range', 'corr-temporal', 'corr-value-count']);
    for (const hits of Object.values(expected)) expect(hits.length).toBeGreaterThan(0);
    for (const path of [generated, parts]) {
      const result = await runCli(['detect', '--no-builtin', '--sigma', file, '--format', 'jsonl', path]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const got: Record<string, string[]> = {};
      for (const h of jsonLines(result.stdout) as Hit[]) (got[h.rule] ??= []).push(h.records!.join(','));
      for (const list of Object.values(got)) list.sort();
      expect(got).toEqual(expected);
    }
  });

  it('--rule naming only a building block: a warning that names its correlation, and nothing printed; naming the correlation prints its hits', async () => {
    const file = join(dir, 'v2-block.yml');
    writeFileSync(file, V2_RULES);
    const [block, correlation] = await Promise.all([
      runCli(['detect', '--no-builtin', '--sigma', file, '--rule', 'secret_read', '--format', 'jsonl', generated]),
      runCli(['detect', '--no-builtin', '--sigma', file, '--rule', 'corr-value-count', '--format', 'jsonl', generated]),
    ]);
    expect(block.code).toBe(0);
    expect(block.stdout).toBe('');
    expect(stderrLines(block.stderr)).toEqual([
      "kmstrail: warning: --rule: 'secret_read' only feeds the correlations 'corr-value-count', 'corr-temporal', 'corr-ordered': it reports nothing on its own (name the correlation)",
    ]);
    expect(correlation.stderr).toBe('');
    expect(jsonLines(correlation.stdout).length).toBeGreaterThan(0);
    // Its correlation does not load (a timespan in words): the rule stays silent, and both lines say why.
    const broken = join(dir, 'v2-broken.yml');
    writeFileSync(broken, `${V2_RULES.split('---\n')[1]}---\ntitle: Reads\ncorrelation: {type: event_count, rules: [secret_read], group-by: [userIdentity.arn], timespan: 5 minutes, condition: {gte: 2}}\n`);
    const orphan = await runCli(['detect', '--no-builtin', '--sigma', broken, '--rule', 'secret_read', '--format', 'jsonl', generated]);
    expect(orphan.code).toBe(1);
    expect(orphan.stdout).toBe('');
    const lines = stderrLines(orphan.stderr);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/the rules it names report nothing on their own: secret_read\)$/);
    expect(lines[1]).toBe("kmstrail: warning: --rule: 'secret_read' is named by a correlation that did not load: it reports nothing on its own");
    // With no --rule, nothing is left to run because of the rule files, not of a --rule: exit 1.
    const alone = await runCli(['detect', '--no-builtin', '--sigma', broken, '--format', 'jsonl', generated]);
    expect(alone.code).toBe(1);
    expect(alone.stdout).toBe('');
    const aloneLines = stderrLines(alone.stderr);
    expect(aloneLines).toHaveLength(2);
    expect(aloneLines[0]).toBe(lines[0]);
    expect(aloneLines[1]).toBe('kmstrail: no rule is left to run: the Sigma rules that load only feed correlations that did not load');
  });
});

describe('rules that do not load, rules for other logs, levels', () => {
  let rules: string;
  /** eventIDs of the invictus-ir records a test rule must hit, by jq's own reading. */
  const jqIds = (filter: string) => {
    const r = spawnSync('jq', ['-r', `.Records[] | select(${filter}) | .eventID`, ...filesUnder(INVICTUS)], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout.split('\n').filter(Boolean).sort();
  };
  const rule = (id: string, level: string, logsource: string, detection: string) =>
    `title: Rule ${id}\nid: ${id}\nlevel: ${level}\ntags:\n  - attack.t${id.length}\nlogsource:\n${logsource}\ndetection:\n${detection}\n`;
  const CLOUDTRAIL = '  product: aws\n  service: cloudtrail';

  beforeAll(() => {
    rules = join(dir, 'rules');
    mkdirSync(join(rules, 'more'), { recursive: true });
    writeFileSync(join(rules, 'password-data.yml'), rule('password-data', 'critical', CLOUDTRAIL, '  sel:\n    eventName: getpassworddata\n  condition: sel'));
    writeFileSync(
      join(rules, 'more/bucket-deleted.yaml'),
      rule('bucket-deleted', 'informational', '  product: aws', '  sel:\n    eventSource: s3.amazonaws.com\n    eventName|startswith: Delete\n  condition: sel'),
    );
    writeFileSync(join(rules, 'broken.yml'), 'title: Broken\nlogsource:\n  product: aws\ndetection:\n  sel: [eventName: x\n  condition: sel\n');
    writeFileSync(join(rules, 'modifier.yml'), rule('modifier', 'high', CLOUDTRAIL, '  sel:\n    eventName|sometimes: DeleteTrail\n  condition: sel'));
    writeFileSync(join(rules, 'windows.yml'), rule('windows', 'high', '  product: windows\n  category: process_creation', '  sel:\n    Image|endswith: \\cmd.exe\n  condition: sel'));
    writeFileSync(join(rules, 'guardduty.yml'), rule('guardduty', 'high', '  product: aws\n  service: guardduty', '  sel:\n    eventName: ListUsers\n  condition: sel'));
    writeFileSync(join(rules, 'notes.txt'), 'not a rule file, not read');
  });

  it('one line per bad rule naming its file; the good rules still run; exit 1 (3 with --fail-on)', async () => {
    const result = await runCli(['detect', '--no-builtin', '--sigma', rules, '--format', 'jsonl', INVICTUS]);
    expect(result.code).toBe(1);
    const lines = stderrLines(result.stderr);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^kmstrail: ${join(rules, 'broken.yml')}: YAML at line \\d+, column \\d+: `));
    expect(lines[1]).toBe(`kmstrail: ${join(rules, 'modifier.yml')}: rule 'Rule modifier': detection: sel: unknown modifier 'sometimes' in 'eventName|sometimes'`);
    const got = byRule(jsonLines(result.stdout) as Hit[]);
    const passwords = jqIds('.eventName == "GetPasswordData"');
    const deletions = jqIds('.eventSource == "s3.amazonaws.com" and (.eventName | startswith("Delete"))');
    expect(passwords.length).toBeGreaterThan(0);
    expect(deletions.length).toBeGreaterThan(0);
    expect(got).toEqual({ 'password-data': passwords, 'bucket-deleted': deletions });
    // A hit at the level asked for wins over the bad rules.
    expect((await runCli(['detect', '--no-builtin', '--sigma', rules, '--fail-on', 'critical', INVICTUS])).code).toBe(3);
  });

  it('rules for other logs are not run: --stats counts them and their logsources', async () => {
    const result = await runCli(['detect', '--no-builtin', '--sigma', rules, '--stats', '--format', 'jsonl', INVICTUS]);
    expect(new Set((jsonLines(result.stdout) as Hit[]).map((h) => h.rule))).toEqual(new Set(['password-data', 'bucket-deleted']));
    const sigma = stderrLines(result.stderr).filter((l) => l.startsWith('kmstrail: sigma: '));
    expect(sigma).toEqual([
      'kmstrail: sigma: 2 rules loaded from 6 files (0 correlations), 2 problems, 2 rules not for CloudTrail',
      'kmstrail: sigma: not for CloudTrail, not run: product: aws, service: guardduty (1); product: windows, category: process_creation (1)',
    ]);
  });

  it('Sigma levels are severities: --min-severity chooses rules, --fail-on watches hits, over built-in and Sigma rules alike', async () => {
    const levels = async (args: string[]) => {
      const result = await runCli(['detect', '--sigma', rules, ...args, '--format', 'jsonl', INVICTUS]);
      return { code: result.code, levels: [...new Set((jsonLines(result.stdout) as Hit[]).map((h) => `${h.severity} ${h.source}`))].sort() };
    };
    expect(await levels([])).toEqual({ code: 1, levels: ['critical sigma', 'high builtin', 'informational sigma'] });
    expect(await levels(['--min-severity', 'high'])).toEqual({ code: 1, levels: ['critical sigma', 'high builtin'] });
    expect(await levels(['--min-severity', 'critical', '--fail-on', 'critical'])).toEqual({ code: 3, levels: ['critical sigma'] });
    expect(await levels(['--rule', 'KMS-016,bucket-deleted', '--fail-on', 'critical'])).toEqual({ code: 1, levels: ['high builtin', 'informational sigma'] });
    expect(await levels(['--rule', 'bucket-deleted', '--fail-on', 'informational'])).toEqual({ code: 3, levels: ['informational sigma'] });
  });

  it('usage errors name the option, exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['--no-builtin'], 'no rule is left to run: --no-builtin needs --sigma'],
      [['--sigma', ''], 'option --sigma: empty value'],
      [['--sigma', rules, '--rule', 'no-such-rule'], "option --rule: unknown rule 'no-such-rule' (known: KMS-001"],
      [['--decrypt-spree-threshold', '0'], "option --decrypt-spree-threshold: '0' is not a positive whole number"],
      [['--decrypt-spree-window', 'soon'], "option --decrypt-spree-window: 'soon' is not a time span (use 90s, 5m, 1h)"],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['detect', ...args, INVICTUS]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stdout).toBe('');
    }
  });

  it('a --sigma path that holds no rule file is named; with --no-builtin nothing is left to run (exit 1)', async () => {
    const empty = join(dir, 'no-rules');
    mkdirSync(empty);
    const result = await runCli(['detect', '--no-builtin', '--sigma', empty, INVICTUS]);
    expect(result.code).toBe(1);
    expect(stderrLines(result.stderr)).toEqual([
      `kmstrail: ${empty}: holds no .yml or .yaml file`,
      'kmstrail: no rule is left to run: the Sigma paths hold no rule that loads and applies to CloudTrail',
    ]);
    expect(result.stdout).toBe('');
  });
});

describe('--list-rules and the grouped table', () => {
  it('--list-rules --sigma lists the built-in rules, then every Sigma rule that loads, by the id its file gives', async () => {
    const result = await runCli(['detect', '--list-rules', '--sigma', SIGMA, '--format', 'jsonl']);
    expect(result.code).toBe(1);
    expect(otherLines(result.stderr)).toEqual([]);
    const listed = jsonLines(result.stdout) as Json[];
    const fileIds = RULE_FILES.filter((f) => f !== NEAR_RULE).map((f) => /^id: (\S+)$/m.exec(readFileSync(f, 'utf8'))![1]);
    expect(listed.filter((r) => r.source === 'builtin').map((r) => r.id)).toEqual(Array.from({ length: 18 }, (_, i) => `KMS-${String(i + 1).padStart(3, '0')}`));
    expect(listed.filter((r) => r.source === 'sigma').map((r) => r.id)).toEqual(fileIds);
    expect(fileIds).toHaveLength(64);
  });

  it('table: one row per rule, with the number of hits the reference finds; built-in rules among them', async () => {
    const result = await runCli(['detect', '--sigma', SIGMA, '--format', 'table', INVICTUS]);
    expect(result.code).toBe(1);
    const rows = tableRows(result.stdout).slice(1);
    // The first line of each rule's row holds its severity, ID and count.
    const counts = Object.fromEntries(rows.filter((r) => r[0] !== '').map((r) => [r[1], Number(r[2].replace(/,/g, ''))]));
    const expected = Object.fromEntries(Object.entries(expectedByRule(recordsUnder(INVICTUS))).map(([rule, hits]) => [rule, hits.length]));
    const { 'KMS-016': spree, ...sigma } = counts;
    expect(sigma).toEqual(expected);
    expect(spree).toBeGreaterThan(0);
    const severities = rows.filter((r) => r[0] !== '').map((r) => ['critical', 'high', 'medium', 'low', 'informational'].indexOf(r[0]));
    expect(severities.every((s, i) => s >= 0 && (i === 0 || severities[i - 1] <= s))).toBe(true);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    expect(result.stdout).toMatch(new RegExp(`\\n${total} hits of ${rows.filter((r) => r[0] !== '').length} rules: `));
  });

  it('json: the same hits as jsonl, then the groups and totals', async () => {
    const [json, jsonl] = await Promise.all(
      ['json', 'jsonl'].map((format) => runCli(['detect', '--sigma', SIGMA, '--rule', 'KMS-016,905d389b-b853-46d0-9d3d-dea0d3a3cd49', '--format', format, INVICTUS])),
    );
    const doc = JSON.parse(json.stdout) as { hits: Hit[]; rules: Array<{ rule: string; hits: number }>; totals: { hits: number } };
    expect(doc.hits).toEqual(jsonLines(jsonl.stdout));
    expect(doc.totals.hits).toBe(doc.hits.length);
    expect(Object.fromEntries(doc.rules.map((g) => [g.rule, g.hits]))).toEqual(
      Object.fromEntries(Object.entries(byRule(doc.hits)).map(([rule, hits]) => [rule, hits.length])),
    );
  });
});

describe('KMS-016: a Decrypt spree on the invictus-ir trail', () => {
  /**
   * The most distinct encryption contexts of one kind (the same context keys) one principal
   * decrypted successfully within any window of `windowMs`, computed here from the records:
   * each Decrypt's context as text, and for each one the contexts seen from windowMs before it on.
   */
  function mostContexts(windowMs: number, records = recordsUnder(INVICTUS)): { most: number; principal: string; kind: string } {
    const series = new Map<string, Array<{ t: number; context: string }>>();
    for (const r of records as Array<Json & { requestParameters?: Json; userIdentity?: Json }>) {
      const context = r.requestParameters?.encryptionContext as Record<string, string> | undefined;
      if (r.eventName !== 'Decrypt' || r.errorCode || !context || Object.keys(context).length === 0) continue;
      if (r.userIdentity?.type === 'AWSService') continue;
      const who = String(r.userIdentity?.arn);
      const kind = Object.keys(context).sort().join(',');
      const key = `${who} ${kind}`;
      if (!series.has(key)) series.set(key, []);
      series.get(key)!.push({ t: Date.parse(String(r.eventTime)), context: JSON.stringify(Object.entries(context).sort()) });
    }
    let best = { most: 0, principal: '', kind: '' };
    for (const [key, events] of series) {
      for (const e of events) {
        const distinct = new Set(events.filter((o) => o.t <= e.t && o.t >= e.t - windowMs).map((o) => o.context)).size;
        if (distinct > best.most) best = { most: distinct, principal: key.split(' ')[0], kind: key.split(' ')[1] };
      }
    }
    return best;
  }

  const spree = async (args: string[]) => {
    const result = await runCli(['detect', '--rule', 'KMS-016', ...args, '--format', 'jsonl', INVICTUS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return jsonLines(result.stdout) as Hit[];
  };

  it('found with the defaults (15 contexts in 1m): SSM parameters and Secrets Manager secrets, by one user', async () => {
    const minute = mostContexts(60_000);
    expect(minute.most).toBeGreaterThanOrEqual(15);
    const hits = await spree([]);
    expect(hits.length).toBeGreaterThanOrEqual(2);
    expect(new Set(hits.map((h) => h.principal))).toEqual(new Set([minute.principal]));
    expect(hits.map((h) => h.severity)).toContain('high');
    expect(hits.some((h) => String(h.reason).includes('PARAMETER_ARN'))).toBe(true);
    expect(hits.some((h) => String(h.reason).includes('SecretARN'))).toBe(true);
  });

  it('--decrypt-spree-threshold: a hit at the most contexts seen in a minute, none above it', async () => {
    const { most } = mostContexts(60_000);
    expect((await spree(['--decrypt-spree-threshold', String(most)])).length).toBeGreaterThan(0);
    expect(await spree(['--decrypt-spree-threshold', String(most + 1)])).toEqual([]);
  });

  it('--decrypt-spree-window: the same parameters decrypted one every 10 s make a spree over 10m, not over 1m', async () => {
    // bert-jan's parameter Decrypts, one per parameter, spread out in time.
    const seen = new Set<string>();
    const records = (recordsUnder(INVICTUS) as Array<Json & { requestParameters?: Json }>).filter((r) => {
      const context = r.requestParameters?.encryptionContext as Json | undefined;
      if (r.eventName !== 'Decrypt' || r.errorCode || !context?.PARAMETER_ARN || seen.has(String(context.PARAMETER_ARN))) return false;
      seen.add(String(context.PARAMETER_ARN));
      return true;
    });
    const spread = records.map((r, i) => ({ ...r, eventID: `spread-${i}`, eventTime: new Date(Date.UTC(2023, 6, 10, 12) + i * 10_000).toISOString().replace('.000Z', 'Z') }));
    const file = join(dir, 'spread.json');
    writeFileSync(file, JSON.stringify({ Records: spread }));
    const minute = mostContexts(60_000, spread).most;
    const tenMinutes = mostContexts(600_000, spread).most;
    expect(minute).toBeLessThan(15);
    expect(tenMinutes).toBe(records.length);
    const run = async (args: string[]) => {
      const result = await runCli(['detect', '--rule', 'KMS-016', ...args, '--format', 'jsonl', file]);
      expect(result.code).toBe(0);
      return jsonLines(result.stdout) as Hit[];
    };
    expect(await run([])).toEqual([]);
    expect(await run(['--decrypt-spree-window', '10m'])).toHaveLength(1);
    expect(await run(['--decrypt-spree-window', '10m', '--decrypt-spree-threshold', String(tenMinutes)])).toHaveLength(1);
    expect(await run(['--decrypt-spree-window', '10m', '--decrypt-spree-threshold', String(tenMinutes + 1)])).toEqual([]);
    expect(await run(['--decrypt-spree-threshold', String(minute)])).not.toEqual([]);
    const listed = await runCli(['detect', '--list-rules', '--rule', 'KMS-016', '--decrypt-spree-window', '10m', '--format', 'jsonl']);
    expect((jsonLines(listed.stdout) as Json[])[0].defaults).toMatch(/^--decrypt-spree-threshold 15, --decrypt-spree-window 10m;/);
  });
});
