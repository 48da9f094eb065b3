/**
 * One big file read on two cores (the default `--jobs` here is the core count): the output, the
 * counts and the messages must be exactly those of `--jobs 1`, and the matches those of jq, on a
 * generated trail, on one full of decoy boundaries, and on a truncated one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTrail, writeDecoyTrail } from '../helpers/big-trails.js';
import { jq, makeTempDir, removeDir } from '../helpers/e2e.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
let trail: string;
let decoys: string;
let truncated: string;
let withHuge: string;

beforeAll(() => {
  dir = makeTempDir('kmstrail-split-e2e-');
  trail = join(dir, 'trail.json');
  generateTrail(trail);
  decoys = join(dir, 'decoys.json');
  writeDecoyTrail(decoys);
  // One record per line (so the fault's line number must be carried over from the first part),
  // cut in the second part, inside a record: the fault is found by the worker. `},{"` is never
  // inside a string, where every quote is escaped.
  truncated = join(dir, 'truncated.json');
  const lines = readFileSync(trail, 'utf8').replace(/\},\{"eventVersion"/g, '},\n  {"eventVersion"');
  writeFileSync(truncated, lines.slice(0, Math.floor(lines.length * 0.9)));
  // Records of 3 MB (over three read chunks) in each part, and one of 6 MB in the second part: the
  // worker hands the rest of the file back to the main thread there. None near the middle, where
  // the split point is looked for (a record spanning that window would leave the file unsplit).
  withHuge = join(dir, 'with-huge.json');
  let text = readFileSync(trail, 'utf8');
  const policy = (mb: number, fill: string, n: number) =>
    JSON.stringify({
      eventVersion: '1.08',
      eventSource: 'kms.amazonaws.com',
      eventName: 'PutKeyPolicy',
      eventID: `big-${mb}-${n}`,
      requestParameters: { policy: fill.repeat((mb << 20) / fill.length) },
    });
  for (const [share, record] of [[0.85, policy(6, 'x', 1)], [0.78, policy(3, 'é"\\', 2)], [0.05, policy(3, 'a\n€', 3)]] as const) {
    const at = text.indexOf('},{"eventVersion"', Math.floor(text.length * share)) + 2;
    text = `${text.slice(0, at)}${record},${text.slice(at)}`;
  }
  writeFileSync(withHuge, text);
});
afterAll(() => removeDir(dir));

/** The same run with one job and with two: everything printed must be the same. */
async function bothWays(args: string[]) {
  const [one, two] = await Promise.all([runCli([...args, '--jobs', '1']), runCli([...args, '--jobs', '2'])]);
  expect(two.stdout).toBe(one.stdout);
  expect(two.code).toBe(one.code);
  return { one, two };
}

const statsCounts = (stderr: string) => /stats: (.*) records read, (.*) matched, .* duplicates dropped, (.*) input problems?/.exec(stderr)?.slice(1);
/** What --stats says of the split: proof of which path a test exercised. */
const splitOutcome = (stderr: string) => /stats: read split-file: .*split at byte \d+: (.*)$/m.exec(stderr)?.[1];

describe('a big file read in two parts', () => {
  it('filter --event CreateKey: byte for byte what --jobs 1 prints, and what jq selects', async () => {
    const { one, two } = await bothWays(['filter', '--event', 'CreateKey', '--stats', trail]);
    expect(one.code).toBe(0);
    expect(statsCounts(two.stderr)).toEqual(statsCounts(one.stderr));
    expect(splitOutcome(two.stderr)).toBe('taken');
    expect(one.stderr).toMatch(/stats: read sequential: one thread\n/);
    const lines = two.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines.length).toBeGreaterThan(100);
    expect(lines).toEqual(jq('.Records[] | select(.eventName=="CreateKey")', { file: trail }));
  });

  it('a filter most records pass (--event "*"): the worker gives up, the output is the same', async () => {
    const { two } = await bothWays(['filter', '--all-sources', '--event', '*', '-f', 'jsonl', '--stats', trail]);
    expect(splitOutcome(two.stderr)).toBe('declined: the worker gave up (dense matches)');
    const ids = two.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { eventID: string }).eventID);
    expect(ids).toEqual(jq('.Records[].eventID', { file: trail }));
  });

  it('--limit stops in either part', async () => {
    const all = jq('.Records[] | select(.eventName=="CreateKey") | .eventID', { file: trail });
    for (const limit of [3, all.length - 5]) {
      const { two } = await bothWays(['filter', '--event', 'CreateKey', '-f', 'jsonl', '--limit', String(limit), trail]);
      const ids = two.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { eventID: string }).eventID);
      expect(ids).toEqual(all.slice(0, limit));
    }
  });

  it('a guess that lands inside a record is refused: the same output as --jobs 1 and jq', async () => {
    const { two } = await bothWays(['filter', '--event', 'CreateKey', '-f', 'jsonl', '--stats', decoys]);
    expect(splitOutcome(two.stderr)).toBe('declined: the guessed start was not between two records');
    const ids = two.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { eventID: string }).eventID);
    expect(ids).toEqual(jq('.Records[] | select(.eventName=="CreateKey") | .eventID', { file: decoys }));
  });

  it('big records in both parts, a huge one in the second: the same output (the main thread reads on from the huge one)', async () => {
    const { two } = await bothWays(['filter', '--event', 'CreateKey,PutKeyPolicy', '-f', 'jsonl', '--stats', withHuge]);
    expect(splitOutcome(two.stderr)).toMatch(/^taken, the rest handed back at byte \d+ \(a huge record\)$/);
    const ids = two.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { eventID: string }).eventID);
    expect(ids).toEqual(jq('.Records[] | select(.eventName=="CreateKey" or .eventName=="PutKeyPolicy") | .eventID', { file: withHuge }));
    expect(ids.filter((id) => id.startsWith('big-')).sort()).toEqual(['big-3-2', 'big-3-3', 'big-6-1']);
  });

  it.each([
    ['--event CreateKey', ['--event', 'CreateKey']],
    ['--event "*"', ['--all-sources', '--event', '*']],
  ])('a truncated file, %s: the same records, then the same one-line fault with its line and byte, exit 1', async (_name, flags) => {
    const { one, two } = await bothWays(['filter', ...flags, '-f', 'jsonl', '--stats', truncated]);
    expect(one.code).toBe(1);
    expect(splitOutcome(two.stderr)).toMatch(/^(taken|declined: the worker gave up \(dense matches\))$/);
    const fault = (stderr: string) => stderr.split('\n').filter((l) => !l.includes('stats:') && l !== '');
    expect(fault(two.stderr)).toEqual(fault(one.stderr));
    expect(fault(two.stderr)).toHaveLength(1);
    expect(fault(two.stderr)[0]).toMatch(/truncated\.json:[1-9]\d{4}: unexpected end of data inside a (record|string) that began at byte \d+/);
    expect(statsCounts(two.stderr)).toEqual(statsCounts(one.stderr));
  });
});
