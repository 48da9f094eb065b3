/**
 * One broken record inside a real trail's `Records` array: the run keeps every well-formed record
 * (those before it and those after it), tells one fault naming the file, line and byte, and exits
 * 1; both readers (the default and `--reader stream-json`) give the same records and the same
 * place. The trail is a real delivery file from the invictus-ir tree, damaged here in the ways
 * broken files are seen: a stray '}', a missing ',' or '}', a lost quote; plain and gzipped.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jq, makeTempDir, removeDir, stderrLines, STACK_FRAME } from '../helpers/e2e.js';
import { jsonLines, runCli, SHARED } from '../helpers/run-cli.js';

const INVICTUS = join(SHARED, 'samples/trees/invictus-ir');

/** The biggest file of the tree (394 records, one line). */
function biggestTrail(): string {
  const files = readdirSync(INVICTUS).filter((f) => f.endsWith('.json'));
  return join(INVICTUS, files.sort((a, b) => readFileSync(join(INVICTUS, b)).length - readFileSync(join(INVICTUS, a)).length)[0]);
}

type Damage = (record: string) => string;
/** `runsOn`: the damage reaches into the next record's first bytes, where the fault may be named. */
const DAMAGES: Array<{ name: string; damage: Damage; alsoLost: number; runsOn?: true }> = [
  // A '}' after the record's first nested object closes it early.
  { name: 'a stray brace', damage: (r) => r.replace(/\},"eventTime"/, '}},"eventTime"'), alsoLost: 0 },
  // Two: one closes the record early, the other follows it; the record's first part is not kept.
  { name: 'two stray braces', damage: (r) => r.replace(/\},"eventTime"/, '}}},"eventTime"'), alsoLost: 0 },
  { name: 'a missing closing brace', damage: (r) => r.slice(0, -1), alsoLost: 0 },
  { name: 'a missing quote', damage: (r) => r.replace('"eventSource":"', '"eventSource":'), alsoLost: 0 },
  // The last closing quote lost: the string runs on into the next record's '{'; that record's text
  // is whole after it, and a record start met before the first syntax error is read on from.
  { name: 'a lost closing quote in the last value', damage: (r) => r.replace(/"([}\]]*)$/, '$1'), alsoLost: 0, runsOn: true },
  { name: 'a lost closing quote inside the record', damage: (r) => r.replace(/("eventName":"[^"]*)"/, '$1'), alsoLost: 0 },
  // Stray text between records: the records on both sides of it are whole, and kept (none lost).
  { name: 'stray text after a record', damage: (r) => `${r} x`, alsoLost: -1 },
  { name: 'a NUL byte before a record', damage: (r) => `\u0000${r}`, alsoLost: -1 },
];

let dir: string;
let source: string;
let records: Array<Record<string, unknown>>;
beforeAll(() => {
  dir = makeTempDir('kmstrail-resync-');
  if (!existsSync(INVICTUS)) return;
  source = biggestTrail();
  records = (JSON.parse(readFileSync(source, 'utf8')) as { Records: Array<Record<string, unknown>> }).Records;
});
afterAll(() => removeDir(dir));

/** The trail written back with record `victim` damaged (and, for `missing comma`, the comma after it dropped). */
function damagedTrail(victim: number, damage: Damage | 'missing comma'): Buffer {
  const texts = records.map((r) => JSON.stringify(r));
  let body = '';
  texts.forEach((t, k) => {
    if (k > 0) body += damage === 'missing comma' && k === victim + 1 ? '' : ',';
    body += k === victim && damage !== 'missing comma' ? damage(t) : t;
  });
  return Buffer.from(`{"Records":[${body}]}`);
}

describe.skipIf(!existsSync(INVICTUS))('a broken record in a real Records array: every other record kept, one fault', () => {
  it('the intact file reads whole (sanity check)', async () => {
    const r = await runCli(['filter', '-f', 'jsonl', '--keep-duplicates', '--all-sources', source]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).length).toBe(records.length);
    expect(records.length).toBeGreaterThan(300);
  });

  const cases: Array<{ name: string; damage: Damage | 'missing comma'; alsoLost: number; runsOn?: true }> = [
    ...DAMAGES,
    { name: 'a missing comma between two records', damage: 'missing comma', alsoLost: -1 },
  ];
  for (const { name, damage, alsoLost, runsOn } of cases) {
    for (const gz of [false, true]) {
      it(`${name}${gz ? ', gzipped' : ''}: both readers keep the rest and say where`, async () => {
        const victim = Math.floor(records.length / 2);
        const bytes = damagedTrail(victim, damage);
        const file = join(dir, `${name.replace(/\W+/g, '-')}.json${gz ? '.gz' : ''}`);
        writeFileSync(file, gz ? gzipSync(bytes) : bytes);
        // What must survive: every record but the damaged one (and, for a lost quote, the next);
        // with a missing comma both records are whole, so none is lost. Taken by jq from the intact file.
        const lost = new Set(alsoLost < 0 ? [] : Array.from({ length: alsoLost + 1 }, (_, k) => victim + k));
        const expected = jq('[.Records | to_entries[] | select(.key as $k | $lost | index($k) | not) | .value.eventID]', { bytes: JSON.stringify({ Records: records }) }, [
          '--argjson',
          'lost',
          JSON.stringify([...lost]),
        ])[0] as string[];
        const answers: string[] = [];
        for (const reader of ['fast', 'stream-json']) {
          const r = await runCli(['filter', '-f', 'jsonl', '--keep-duplicates', '--all-sources', '--reader', reader, file]);
          expect(r.code, r.stderr).toBe(1);
          expect(r.stderr).not.toMatch(STACK_FRAME);
          const got = jsonLines(r.stdout).map((x) => (x as { eventID: string }).eventID);
          expect(got, `${reader}: records kept`).toEqual(expected);
          const problems = stderrLines(r.stderr);
          expect(problems, r.stderr).toHaveLength(1);
          // The file, a line and the byte, and that reading went on.
          expect(problems[0]).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1: .*\\(byte \\d+\\)$`));
          answers.push(/\(byte (\d+)\)/.exec(problems[0])?.[1] ?? '');
        }
        expect(answers[1], 'both readers name the same byte').toBe(answers[0]);
        // The byte named lies in the damaged record, or in the next one that the damage reached.
        const before = Buffer.byteLength(`{"Records":[`) + records.slice(0, victim).reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r)) + 1, 0);
        const at = Number(answers[0]);
        expect(at).toBeGreaterThanOrEqual(before);
        const reach = alsoLost > 0 || runsOn ? Buffer.byteLength(JSON.stringify(records[victim + 1])) : 0;
        expect(at).toBeLessThanOrEqual(before + Buffer.byteLength(JSON.stringify(records[victim])) + 1 + reach);
      });
    }
  }
});
