/**
 * End to end without the CLI: all of ../shared/sigma (SigmaHQ's 57 CloudTrail rules and the 8
 * Sigma 1 count rules) over the real trees in ../shared/samples/trees, a generated trail, and the
 * hand-made fixture that fires every rule, compared rule by rule (hit counts and the eventIDs of
 * every hit) with the independent evaluator in test/helpers/sigma-reference.mjs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../../src/cloudtrail/record.js';
import { loadSigmaRules, type SigmaRuleSet } from '../../../../src/rules/sigma/load-rules.js';
import { SigmaEngine } from '../../../../src/rules/sigma/sigma-engine.js';
// A plain .mjs evaluator with a .d.mts beside it, kept apart from src/ on purpose.
import { referenceHits, referenceRules } from '../../../helpers/sigma-reference.mjs';
import { FIXTURES, SHARED } from '../../../helpers/run-cli.js';
import { filesUnder, recordsUnder } from '../../../helpers/trail-records.js';
import { withoutCopies } from '../../fixtures.js';

const SIGMA = join(SHARED, 'sigma');
const TREES = join(SHARED, 'samples/trees');

type HitsByRule = Record<string, string[]>;

function engineHits(set: SigmaRuleSet, records: JsonObject[]): HitsByRule {
  const hits: HitsByRule = {};
  for (const r of set.rules) if (r.standalone) hits[r.ruleId] = [];
  const engine = new SigmaEngine(set.rules, {
    maxHitRecords: Number.MAX_SAFE_INTEGER,
    onHit: (h) => hits[h.rule].push(h.records ? JSON.stringify(h.records) : h.eventId!),
  });
  // As in a run: the pipeline drops copies of one event before the engine sees them.
  for (const r of withoutCopies(records)) engine.feed(r);
  engine.end();
  for (const id of Object.keys(hits)) hits[id].sort();
  return hits;
}

function expectedHits(records: JsonObject[]): HitsByRule {
  const rules = referenceRules(filesUnder(SIGMA).filter((f) => f.endsWith('.yml')));
  const raw = referenceHits(rules, records);
  return Object.fromEntries(Object.entries(raw).map(([id, hits]) => [id, hits.map((h) => (Array.isArray(h) ? JSON.stringify(h) : h)).sort()]));
}

let set: SigmaRuleSet;
const tmp = mkdtempSync(join(tmpdir(), 'kmstrail-sigma-ref-'));
beforeAll(async () => {
  set = await loadSigmaRules([SIGMA]);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `title: n` for the rules that hit, for the failure message and the record of what was seen. */
const counts = (hits: HitsByRule) =>
  Object.fromEntries(Object.entries(hits).filter(([, h]) => h.length > 0).map(([id, h]) => [set.rules.find((r) => r.ruleId === id)!.title, h.length]));

describe('the SigmaHQ CloudTrail rules against the reference evaluator', () => {
  it('load: 57 + 7 rules, the `near` rule named as unsupported', () => {
    expect(set.rules.filter((r) => r.standalone)).toHaveLength(64);
    expect(set.problems).toHaveLength(1);
    expect(set.problems[0].file).toMatch(/aws_lambda_function_created_or_invoked\.yml$/);
    expect(set.notApplicable).toEqual([]);
  });

  it('the hand-made fixture fires every one of the 57 rules, as the reference does', () => {
    const records = recordsUnder(join(FIXTURES, 'sigma/every-rule.json'));
    const got = engineHits(set, records);
    expect(got).toEqual(expectedHits(records));
    const main = set.rules.filter((r) => r.file.includes('/rules/cloud/aws/cloudtrail/'));
    expect(main).toHaveLength(57);
    for (const r of main) expect(got[r.ruleId].length, r.title).toBeGreaterThan(0);
    // The Sigma 1 count rules that can fire do (the SES one asks one record to be two events).
    const legacy = set.rules.filter((r) => r.kind === 'correlation');
    expect(legacy.filter((r) => got[r.ruleId].length > 0).map((r) => r.title).sort()).toEqual([
      'AWS EC2 Download Userdata', 'AWS Macie Evasion', 'Account Enumeration on AWS', 'Potential Backup Enumeration on AWS',
      'Potential Network Enumeration on AWS', 'Potential Storage Enumeration on AWS',
    ]);
  });

  for (const tree of ['invictus-ir', 'SANS-504-S3-ransomware-lab', 'stratus-red-team.cloud', 'traildiscover.cloud']) {
    it(`real tree ${tree}`, () => {
      const records = recordsUnder(join(TREES, tree));
      const got = engineHits(set, records);
      expect(got, JSON.stringify(counts(got))).toEqual(expectedHits(records));
      expect(Object.values(got).flat().length).toBeGreaterThan(0);
    });
  }

  it('a generated trail (gen-trail.mjs --mb 5 --seed 3)', () => {
    const out = join(tmp, 'gen.json');
    execFileSync(process.execPath, [join(SHARED, 'bench/gen-trail.mjs'), '--mb', '5', '--seed', '3', '--out', out], { stdio: 'ignore' });
    const records = recordsUnder(out);
    const got = engineHits(set, records);
    expect(got, JSON.stringify(counts(got))).toEqual(expectedHits(records));
    expect(Object.values(got).flat().length).toBeGreaterThan(0);
  });
});
