/**
 * The hit printers: the grouped table (one row per rule), jsonl (one hit per line, fixed keys) and
 * json (every hit, then the groups and the totals); and --list-rules for built-in and Sigma rules.
 */
import { Writable } from 'node:stream';
import { Chalk } from 'chalk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../../src/rules/catalog.js';
import { DEFAULT_SETTINGS, type Hit } from '../../../src/rules/rule.js';
import { parseSigmaText } from '../../../src/rules/sigma/load-rules.js';
import { HIT_PRINTERS, hitJson, hitJsonWriter, hitObject, printRules, type HitSink } from '../../../src/sinks/hit-format.js';
import { Output } from '../../../src/sinks/output.js';
import { tableRows } from '../../helpers/e2e.js';

const plain = new Chalk({ level: 0 });

async function printed(print: (out: Output) => void): Promise<string> {
  const chunks: string[] = [];
  const out = new Output(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  print(out);
  await out.end();
  return chunks.join('');
}

const printHits = (make: (out: Output) => HitSink, hits: Hit[]) =>
  printed((out) => {
    const sink = make(out);
    for (const h of hits) sink.write(h);
    sink.end();
  });

const ALICE = 'arn:aws:iam::111122223333:user/Alice';
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const disabled = (time: string, principal = ALICE): Hit => ({
  rule: 'KMS-003',
  severity: 'medium',
  title: 'Key disabled',
  time,
  at: Date.parse(time),
  eventName: 'DisableKey',
  eventId: `id-${time}`,
  principal,
  key: KEY,
  reason: `${principal} disabled key ${KEY}`,
  source: 'builtin',
  tags: ['attack.impact', 'attack.t1485'],
});

const correlation: Hit = {
  rule: 'many-logins',
  severity: 'high',
  title: 'Many console logins',
  time: '2024-03-01T10:05:00Z',
  at: Date.parse('2024-03-01T10:05:00Z'),
  eventName: 'ConsoleLogin',
  eventId: 'login-3',
  principal: 'arn:aws:sts::111122223333:assumed-role/Admin/evil\u001b[2J',
  reason: '3 events of ... within 5m (gte 3) for sourceIPAddress=198.51.100.7',
  source: 'sigma',
  tags: ['attack.t1110'],
  ruleFile: 'rules/logins.yml',
  group: { sourceIPAddress: '198.51.100.7' },
  count: 3,
  records: ['login-1', 'login-2', 'login-3'],
  firstTime: '2024-03-01T10:00:00Z',
  lastTime: '2024-03-01T10:05:00Z',
};

describe('hit printers', () => {
  it('table: one row per rule, most severe first, with count, first and last seen, top principals and keys', async () => {
    const hits = [disabled('2024-03-01T09:00:00Z'), correlation, disabled('2024-03-01T08:00:00Z', 'arn:aws:iam::111122223333:user/Bob'), disabled('2024-03-01T11:00:00Z')];
    const text = await printHits((out) => HIT_PRINTERS.table(out, plain), hits);
    const rows = tableRows(text);
    // The times' column says its zone on a second header line.
    expect(rows[0]).toEqual(['severity', 'rule', 'hits', 'first / last', 'top principals', 'top keys']);
    expect(rows[1]).toEqual(['', '', '', '(UTC)', '', '']);
    rows.splice(1, 1);
    // Row lines of one rule: the rule's first line, then its continuation lines.
    expect(rows.slice(1).map((r) => r.slice(0, 4))).toEqual([
      ['high', 'many-logins', '1', '2024-03-01 10:05:00Z'],
      ['', 'Many console logins', '', ''],
      ['medium', 'KMS-003', '3', '2024-03-01 08:00:00Z'],
      ['', 'Key disabled', '', '2024-03-01 11:00:00Z'],
    ]);
    expect(rows[3][4]).toBe('2× 111122223333:user/Alice');
    expect(rows[4][4]).toBe('1× 111122223333:user/Bob');
    expect(rows[3][5]).toBe('3× us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(rows[1][5]).toBe('-');
    // A log value cannot reach the terminal raw.
    expect(text).toContain('evil\\x1b[2J');
    expect(text).not.toContain('\u001b');
    expect(text.endsWith('4 hits of 2 rules: 0 critical, 1 high, 3 medium, 0 low, 0 informational (one line per hit: --format jsonl)\n')).toBe(true);
  });

  it('table: beyond the top three, how many more principals there were', async () => {
    const hits = ['a', 'b', 'c', 'd', 'e'].map((p, i) => disabled(`2024-03-01T0${i}:00:00Z`, p));
    const rows = tableRows(await printHits((out) => HIT_PRINTERS.table(out, plain), hits));
    expect(rows.slice(2).map((r) => r[4])).toEqual(['1× a', '1× b', '1× c', '+2 more']);
    expect(await printHits((out) => HIT_PRINTERS.table(out, plain), [])).toBe('(no hits)\n');
  });

  it('jsonl: one hit per line, every key always there (null when absent), in a fixed order', async () => {
    const text = await printHits((out) => HIT_PRINTERS.jsonl(out, plain), [disabled('2024-03-01T09:00:00Z'), correlation]);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const keys = ['rule', 'severity', 'title', 'source', 'tags', 'time', 'eventName', 'eventID', 'principal', 'principalAccount', 'origin', 'key', 'keyAccount', 'region', 'reason', 'group', 'count', 'records', 'firstTime', 'lastTime', 'ruleFile', 'file', 'line'];
    expect(lines.map((l) => Object.keys(l))).toEqual([keys, keys]);
    expect(lines[0]).toMatchObject({ rule: 'KMS-003', source: 'builtin', tags: ['attack.impact', 'attack.t1485'], group: null, records: null, ruleFile: null });
    expect(lines[1]).toMatchObject({
      rule: 'many-logins',
      source: 'sigma',
      group: { sourceIPAddress: '198.51.100.7' },
      count: 3,
      records: ['login-1', 'login-2', 'login-3'],
      firstTime: '2024-03-01T10:00:00Z',
      lastTime: '2024-03-01T10:05:00Z',
      ruleFile: 'rules/logins.yml',
    });
  });

  it('json: one document, the hits as found, then the groups of the table and the totals', async () => {
    const hits = [disabled('2024-03-01T09:00:00Z'), correlation, disabled('2024-03-01T08:00:00Z')];
    const doc = JSON.parse(await printHits((out) => HIT_PRINTERS.json(out, plain), hits)) as {
      hits: unknown[];
      rules: Array<{ rule: string; hits: number; firstSeen: string; principals: { top: unknown[] } }>;
      totals: unknown;
    };
    expect(doc.hits).toEqual(hits.map((h) => JSON.parse(JSON.stringify(hitObject(h)))));
    expect(doc.rules.map((g) => [g.rule, g.hits, g.firstSeen])).toEqual([
      ['many-logins', 1, '2024-03-01T10:05:00Z'],
      ['KMS-003', 2, '2024-03-01T08:00:00Z'],
    ]);
    expect(doc.rules[1].principals.top).toEqual([{ value: ALICE, count: 2 }]);
    expect(doc.totals).toEqual({ hits: 3, rules: 2, bySeverity: { critical: 0, high: 1, medium: 2, low: 0, informational: 0 } });
    expect(JSON.parse(await printHits((out) => HIT_PRINTERS.json(out, plain), []))).toEqual({
      hits: [],
      rules: [],
      totals: { hits: 0, rules: 0, bySeverity: { critical: 0, high: 0, medium: 0, low: 0, informational: 0 } },
    });
  });
});

describe('hitJsonWriter', () => {
  // Hits of a run share their rule's fields by reference (or not), repeat rule ids with other
  // fields (two rule files with one id), and carry any text: each line must be hitJson's, byte for byte.
  const text = fc.oneof(fc.constantFrom('a', 'r1', 'CreateKey', ''), fc.string({ unit: 'binary' }));
  const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const number = fc.oneof(fc.integer(), fc.double());
  const hit: fc.Arbitrary<Hit> = fc.record(
    {
      rule: fc.constantFrom('r1', 'r2', 'r3'),
      severity: fc.constantFrom('low', 'medium', 'high'),
      title: fc.constantFrom('A title', 'Another "quoted" title'),
      time: text,
      eventName: text,
      eventId: optional(text),
      principal: text,
      principalAccount: optional(text),
      origin: optional(text),
      key: optional(text),
      keyAccount: optional(text),
      region: optional(text),
      reason: text,
      file: optional(fc.constantFrom('a.json', 'b/\u00e9.json.gz')),
      line: optional(number),
      source: optional(fc.constantFrom('builtin', 'sigma')),
      tags: optional(fc.constantFrom(['attack.t1078'], ['attack.impact', 'attack.t1485'], [])),
      ruleFile: optional(fc.constantFrom('rules/a.yml', 'rules/b.yml')),
      group: optional(fc.dictionary(text, text, { maxKeys: 3 })),
      count: optional(number),
      records: optional(fc.array(text, { maxLength: 3 })),
      firstTime: optional(text),
      lastTime: optional(text),
    },
    { requiredKeys: ['rule', 'severity', 'title', 'time', 'eventName', 'principal', 'reason'] },
  ) as fc.Arbitrary<Hit>;

  it('prints every hit of a stream as hitJson does', () => {
    fc.assert(
      fc.property(fc.array(hit, { maxLength: 30 }), (hits) => {
        const line = hitJsonWriter();
        for (const h of hits) expect(line(h)).toBe(hitJson(h));
      }),
      { numRuns: 300 },
    );
  });

  it('prints the rule fields anew when a hit with the same rule id brings others', () => {
    const line = hitJsonWriter();
    const first = disabled('2024-03-01T10:00:00Z');
    const other: Hit = { ...first, title: 'Key disabled (copied rule)', tags: ['x'], ruleFile: 'rules/copy.yml', source: 'sigma' };
    for (const h of [first, other, first]) expect(JSON.parse(line(h))).toEqual(JSON.parse(hitJson(h)));
    expect(JSON.parse(line(other)).title).toBe('Key disabled (copied rule)');
  });

  it('prints a hit with NaN, Infinity or a missing text as hitJson does', () => {
    const line = hitJsonWriter();
    const odd = [{ ...correlation, count: Number.NaN }, { ...correlation, line: Infinity }, { ...correlation, time: undefined as unknown as string }];
    for (const h of odd) expect(line(h)).toBe(hitJson(h));
    expect(JSON.parse(line(odd[2]))).not.toHaveProperty('time');
  });
});

describe('--list-rules', () => {
  const sigma = parseSigmaText(
    [
      'title: Trail deleted\nid: trail-deleted\nlevel: critical\ndescription: A trail was deleted.\ntags: [attack.defense-evasion]\n' +
        'logsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    eventName: DeleteTrail\n  condition: sel',
      'title: Many deletions\nid: many-deletions\nlevel: high\ncorrelation:\n  type: event_count\n  rules: [trail-deleted]\n' +
        '  group-by: [recipientAccountId]\n  timespan: 1h\n  condition: {gte: 3}\n  generate: true',
    ].join('\n---\n'),
    'sigma/trail.yml',
  ).rules;
  const choice = { builtin: RULES.filter((r) => r.id === 'KMS-016'), sigma };

  it('jsonl: the same keys for built-in and Sigma rules, correlations described', async () => {
    const text = await printed((out) => printRules(out, choice, { ...DEFAULT_SETTINGS, decryptSpreeThreshold: 30 }, 'jsonl', plain));
    const rules = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rules.map((r) => [r.id, r.source, r.severity, r.kind])).toEqual([
      ['KMS-016', 'builtin', 'high', 'detection'],
      ['trail-deleted', 'sigma', 'critical', 'detection'],
      ['many-deletions', 'sigma', 'high', 'correlation event_count'],
    ]);
    expect(rules[0].defaults).toMatch(/^--decrypt-spree-threshold 30, --decrypt-spree-window 1m;/);
    expect(rules[1]).toMatchObject({ tags: ['attack.defense-evasion'], description: 'A trail was deleted.', file: 'sigma/trail.yml', defaults: null });
    expect(rules[2].defaults).toBe("gte 3 within 1h by recipientAccountId; rules: 'Trail deleted'");
  });

  it('table: a row per rule', async () => {
    const rows = tableRows(await printed((out) => printRules(out, choice, DEFAULT_SETTINGS, 'table', plain)));
    expect(rows.filter((r) => r[0] !== '').map((r) => r.slice(0, 2))).toEqual([
      ['rule', 'severity'],
      ['KMS-016', 'high'],
      ['trail-deleted', 'critical'],
      ['many-deletions', 'high'],
    ]);
  });
});
