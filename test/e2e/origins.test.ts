/**
 * Origins through the built binary: who is behind a session, on the real invictus-ir trail
 * (bert-jan's AssumeRole and the 29 GetPasswordData made with its key), on the hand-made chains of
 * test/fixtures/sessions/ (two and three role hops, SAML, web identity, a service, a missing
 * issuer), with files read in reverse time order, across a pruned AWSLogs tree where the issuing
 * call lies before --since and in another region, and against a reference script on a generated
 * trail. Expected values come from the data (jq) or from the fixtures' README, never from the tool.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jq, makeTempDir, removeDir, stderrLines } from '../helpers/e2e.js';
import { FIXTURES, jsonLines, runCli, SHARED } from '../helpers/run-cli.js';

const INVICTUS = join(SHARED, 'samples/trees/invictus-ir');
const SESSIONS = join(FIXTURES, 'sessions');
const GENERATOR = join(SHARED, 'bench', 'gen-trail.mjs');
const REFERENCE = fileURLToPath(new URL('../helpers/origin-reference.mjs', import.meta.url));

interface TraceLine {
  eventID: string;
  eventName: string;
  principal: string | null;
  origin: { kind: string; identity: string | null; label: string; account: string | null; sourceIdentity: string | null; reason: string | null };
  chain: Array<{ principal: string; label: string; via: string | null; eventID: string | null }>;
}

const traceOf = (stdout: string) => jsonLines(stdout) as TraceLine[];
const byEvent = (lines: TraceLine[], eventID: string) => {
  const found = lines.filter((l) => l.eventID === eventID);
  expect(found, eventID).toHaveLength(1);
  return found[0];
};

let dir: string;
beforeAll(() => {
  dir = makeTempDir('kmstrail-origins-');
});
afterAll(() => removeDir(dir));

describe.skipIf(!existsSync(INVICTUS))('the invictus-ir trail: bert-jan behind the role session', () => {
  const files = () => readdirSync(INVICTUS).filter((f) => f.endsWith('.json')).map((f) => join(INVICTUS, f));
  /** The keys bert-jan's successful AssumeRole calls issued, and those calls, found by jq. */
  const issued = () =>
    jq(
      '.Records[] | select(.eventSource == "sts.amazonaws.com" and .eventName == "AssumeRole" and .errorCode == null and .userIdentity.userName == "bert-jan") | {key: .responseElements.credentials.accessKeyId, eventID}',
      { files: files() },
    ) as Array<{ key: string; eventID: string }>;

  it('--user bert-jan finds none of the GetPasswordData calls; --origin bert-jan finds the 29 jq counts by key', async () => {
    const keys = issued();
    expect(keys.length).toBeGreaterThan(0);
    const expected = jq(
      `[.Records[] | select(.eventName == "GetPasswordData" and ((.userIdentity.accessKeyId // "") | IN(${keys.map((k) => JSON.stringify(k.key)).join(',')})))] | length`,
      { files: files() },
    ).reduce((a: number, b) => a + (b as number), 0); // one count per file
    expect(expected).toBe(29);
    const byUser = await runCli(['filter', '--all-sources', '--user', 'bert-jan', '--event', 'GetPasswordData', INVICTUS]);
    expect(jsonLines(byUser.stdout)).toHaveLength(0);
    const byOrigin = await runCli(['filter', '--all-sources', '--origin', 'bert-jan', '--event', 'GetPasswordData', INVICTUS]);
    expect(byOrigin.code, byOrigin.stderr).toBe(0);
    expect(jsonLines(byOrigin.stdout)).toHaveLength(expected);
  });

  it('trace: each of them leads to bert-jan through the AssumeRole that issued its key', async () => {
    const keys = issued();
    const r = await runCli(['trace', '--all-sources', '--event', 'GetPasswordData', '--origin', 'bert-jan', INVICTUS]);
    const lines = traceOf(r.stdout);
    expect(lines).toHaveLength(29);
    for (const line of lines) {
      expect(line.origin.kind).toBe('iam-user');
      expect(line.origin.identity).toBe('arn:aws:iam::123837392027:user/bert-jan');
      expect(line.chain).toHaveLength(2);
      expect(line.chain[1].via).toBe('AssumeRole');
      expect(keys.map((k) => k.eventID)).toContain(line.chain[1].eventID);
    }
  });

  it('timeline --origin bert-jan: everything bert-jan did, himself or through his sessions, in time order (jq counts it)', async () => {
    const keys = issued().map((k) => JSON.stringify(k.key)).join(',');
    const own = jq(
      `[.Records[] | select(.userIdentity.userName == "bert-jan" or ((.userIdentity.accessKeyId // "") | IN(${keys})))] | map(.eventID)`,
      { files: files() },
    ).flat() as string[];
    const r = await runCli(['timeline', '--all-sources', '--origin', 'bert-jan', '--format', 'jsonl', INVICTUS]);
    expect(r.code, r.stderr).toBe(0);
    const entries = jsonLines(r.stdout) as Array<{ time: string; eventID: string }>;
    expect(new Set(entries.map((e) => e.eventID))).toEqual(new Set(own));
    const times = entries.map((e) => e.time);
    expect(times).toEqual([...times].sort());
  });

  it('summary counts origins: bert-jan behind more records than behind his own principal', async () => {
    const r = await runCli(['summary', '--all-sources', '--format', 'json', INVICTUS]);
    const doc = JSON.parse(r.stdout) as { principals: { rows: Array<{ value: string; count: number }> }; origins: { rows: Array<{ identity: string; kind: string; count: number }> } };
    const asUser = doc.principals.rows.find((row) => row.value === 'arn:aws:iam::123837392027:user/bert-jan')?.count ?? 0;
    const asOrigin = doc.origins.rows.find((row) => row.identity === 'arn:aws:iam::123837392027:user/bert-jan');
    expect(asOrigin?.kind).toBe('iam-user');
    expect(asOrigin!.count).toBeGreaterThanOrEqual(asUser + 29);
    // the same number trace gives
    const traced = traceOf((await runCli(['trace', '--all-sources', '--origin', 'arn:aws:iam::123837392027:user/bert-jan', INVICTUS])).stdout);
    expect(traced.filter((l) => l.origin.identity === 'arn:aws:iam::123837392027:user/bert-jan')).toHaveLength(asOrigin!.count);
    // One principal, one row: his records without an ARN (CheckMfa) count under his ARN too.
    expect(doc.principals.rows.find((row) => row.value === 'bert-jan')).toBeUndefined();
    const kept = JSON.parse((await runCli(['summary', '--all-sources', '--keep-duplicates', '--format', 'json', INVICTUS])).stdout) as typeof doc;
    const his = jq('[.Records[] | select(.userIdentity.type == "IAMUser" and .userIdentity.userName == "bert-jan")] | length', { files: files() }).reduce(
      (a: number, b) => a + (b as number),
      0,
    );
    expect(kept.principals.rows.find((row) => row.value === 'arn:aws:iam::123837392027:user/bert-jan')?.count).toBe(his);
  });
});

describe('hand-made chains (test/fixtures/sessions/README.md)', () => {
  let lines: TraceLine[];
  beforeAll(async () => {
    const r = await runCli(['trace', '--all-sources', '--keep-duplicates', SESSIONS]);
    expect(r.code, r.stderr).toBe(0);
    lines = traceOf(r.stdout);
  });

  it('alice → Admin → BreakGlass → Decrypt: two role hops, each link with the AssumeRole that made it', () => {
    const line = byEvent(lines, 'a3decr00-0000-4000-8000-000000000008');
    expect(line.origin).toMatchObject({ kind: 'iam-user', identity: 'arn:aws:iam::111122223333:user/alice' });
    expect(line.chain.map((l) => l.label)).toEqual(['alice', 'Admin', 'BreakGlass']);
    expect(line.chain.map((l) => l.via)).toEqual(['access-key', 'AssumeRole', 'AssumeRole']);
    expect(line.chain.map((l) => l.eventID)).toEqual([null, 'a1admin0-0000-4000-8000-000000000004', 'a2break0-0000-4000-8000-000000000006']);
  });

  it('bob → Admin → BreakGlass → KeyAdmin → Decrypt: three hops, the source identity carried along', () => {
    const line = byEvent(lines, 'b4decr00-0000-4000-8000-000000000016');
    expect(line.origin.kind).toBe('iam-user');
    expect(line.chain.map((l) => l.label)).toEqual(['bob', 'Admin', 'BreakGlass', 'KeyAdmin']);
    expect(line.origin.sourceIdentity).not.toBeNull();
  });

  it('a SAML user, a web identity and a service are origins of their own kinds', () => {
    expect(byEvent(lines, 'saml2000-0000-4000-8000-000000000020').origin.kind).toBe('saml-user');
    expect(byEvent(lines, 'web20000-0000-4000-8000-000000000024').origin.kind).toBe('web-identity-user');
    const service = byEvent(lines, 'svc20000-0000-4000-8000-000000000042');
    expect(service.origin).toMatchObject({ kind: 'aws-service', identity: 'lambda.amazonaws.com' });
  });

  it('a chain whose first AssumeRole is missing: unresolved, with the last link known, never a guess', () => {
    const line = byEvent(lines, 'miss2000-0000-4000-8000-000000000056');
    expect(line.origin).toMatchObject({ kind: 'unresolved', identity: null, reason: 'missing-issuer' });
    expect(line.chain.map((l) => l.label)).toEqual(['Admin', 'BreakGlass']);
  });

  it('the same origins when every record is its own file, read newest first (uses before their issuing calls)', async () => {
    const split = join(dir, 'reverse');
    mkdirSync(split, { recursive: true });
    const all = readdirSync(SESSIONS)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => (JSON.parse(readFileSync(join(SESSIONS, f), 'utf8')) as { Records: Array<{ eventTime: string }> }).Records);
    all.sort((a, b) => (a.eventTime < b.eventTime ? 1 : -1));
    // Names in walk order = newest first.
    all.forEach((record, i) => writeFileSync(join(split, `${String(i).padStart(3, '0')}.json`), JSON.stringify({ Records: [record] })));
    const r = await runCli(['trace', '--all-sources', '--keep-duplicates', split]);
    const reversed = traceOf(r.stdout);
    const key = (l: TraceLine) => `${l.eventID} ${l.origin.kind} ${l.origin.identity} ${l.chain.map((c) => `${c.principal}/${c.via}/${c.eventID}`).join('>')}`;
    expect(reversed.map(key).sort()).toEqual(lines.map(key).sort());
  });

  it('filter --fields origin shows the origin in table and csv', async () => {
    const r = await runCli(['filter', '--all-sources', '--format', 'csv', '--fields', 'event-id,origin', SESSIONS]);
    const rows = r.stdout.trim().split(/\r?\n/).map((l) => l.split(','));
    const alice = rows.find((row) => row[0] === 'a3decr00-0000-4000-8000-000000000008');
    expect(alice?.[1]).toBe('alice');
    const missing = rows.find((row) => row[0] === 'miss2000-0000-4000-8000-000000000056');
    expect(missing?.[1]).toMatch(/^\?/);
  });

  it('standard input: kept as read for the first pass, so role sessions resolve as from the file', async () => {
    const file = join(SESSIONS, 'role-chains.json');
    const r = await runCli(['trace', '--all-sources', '-'], { input: readFileSync(file) });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe((await runCli(['trace', '--all-sources', file])).stdout);
    const out = traceOf(r.stdout);
    expect(byEvent(out, 'a3decr00-0000-4000-8000-000000000008').origin.kind).not.toBe('unresolved');
    expect(byEvent(out, 'a1admin0-0000-4000-8000-000000000004').origin.kind).toBe('iam-user');
  });

  it('sql says --origin has no SQL form (usage error)', async () => {
    const r = await runCli(['sql', '--engine', 'athena', '--origin', 'alice']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--origin has no SQL form/);
  });
});

describe('a pruned AWSLogs tree: the issuing call before --since, in another region', () => {
  it('the first pass reads back before the window and across regions, the real pass only its folders', async () => {
    const roleChains = (JSON.parse(readFileSync(join(SESSIONS, 'role-chains.json'), 'utf8')) as { Records: Array<Record<string, unknown>> }).Records;
    const assume = roleChains.filter((r) => r.eventName === 'AssumeRole' && !r.errorCode && String(r.eventID).startsWith('a'));
    const decrypt = roleChains.find((r) => r.eventID === 'a3decr00-0000-4000-8000-000000000008')!;
    // The AssumeRole calls on 2024-03-01 in us-east-1; the Decrypt a day later in eu-west-1.
    const tree = join(dir, 'tree', 'AWSLogs', '111122223333', 'CloudTrail');
    const day1 = join(tree, 'us-east-1', '2024', '03', '01');
    const day2 = join(tree, 'eu-west-1', '2024', '03', '02');
    mkdirSync(day1, { recursive: true });
    mkdirSync(day2, { recursive: true });
    // Credentials that outlive the gap (the fixture's expire in an hour; a use after expiry is not theirs).
    const lasting = (r: Record<string, unknown>) => JSON.parse(JSON.stringify(r).replace(/"expiration":"[^"]*"/, '"expiration":"Mar 3, 2024, 8:00:00 AM"')) as Record<string, unknown>;
    writeFileSync(join(day1, 'sts.json'), JSON.stringify({ Records: assume.map((r) => ({ ...lasting(r), eventTime: '2024-03-01T20:00:00Z' })) }));
    writeFileSync(join(day2, 'kms.json'), JSON.stringify({ Records: [{ ...decrypt, eventTime: '2024-03-02T10:00:00Z', awsRegion: 'eu-west-1' }] }));
    const root = join(dir, 'tree');
    for (const extra of [[], ['--no-prune']]) {
      const r = await runCli(['trace', '--since', '2024-03-02T00:00:00Z', '--region', 'eu-west-1', '--stats', ...extra, root]);
      expect(r.code, r.stderr).toBe(0);
      const lines = traceOf(r.stdout);
      expect(lines).toHaveLength(1);
      expect(lines[0].origin).toMatchObject({ kind: 'iam-user', identity: 'arn:aws:iam::111122223333:user/alice' });
      if (extra.length === 0) expect(r.stderr).toMatch(/1 files? skipped unread/);
    }
  });
});

describe.skipIf(!existsSync(GENERATOR))('a generated trail: every record\'s origin equals the reference script\'s', () => {
  it('trace through the binary vs test/helpers/origin-reference.mjs', async () => {
    const trail = join(dir, 'generated.json');
    execFileSync(process.execPath, [GENERATOR, '--mb', '3', '--seed', '7', '--out', trail], { stdio: 'pipe' });
    const expected = execFileSync(process.execPath, [REFERENCE, trail], { encoding: 'utf8', maxBuffer: 64 << 20 }).trimEnd().split('\n');
    const r = await runCli(['trace', '--all-sources', '--keep-duplicates', trail]);
    expect(r.code, r.stderr).toBe(0);
    const actual = traceOf(r.stdout).map(
      (l) => `${l.eventID}\t${l.origin.kind}:${l.origin.identity ?? l.chain[0]?.principal ?? ''}\t${l.chain.map((c) => `${c.principal}[${c.via ?? ''}@${c.eventID ?? ''}]`).join(' > ')}`,
    );
    expect(actual.length).toBe(expected.length);
    const differing = actual.filter((line, i) => line !== expected[i]);
    expect(differing.slice(0, 3)).toEqual([]);
    // the trail holds what the comparison is about
    expect(new Set(expected.map((l) => l.split('\t')[1].split(':')[0]))).toEqual(new Set(['iam-user', 'root', 'aws-service', 'saml-user', 'web-identity-user']));
  });

  it('--origin with an alias --key: both first passes, and the answer is what each finds alone, intersected', async () => {
    const trail = join(dir, 'generated.json');
    if (!existsSync(trail)) execFileSync(process.execPath, [GENERATOR, '--mb', '3', '--seed', '7', '--out', trail], { stdio: 'pipe' });
    const aliases = jq('.Records[] | select(.eventName == "CreateAlias") | .requestParameters.aliasName', { file: trail }) as string[];
    expect(aliases.length).toBeGreaterThan(0);
    const ids = (stdout: string) => new Set((jsonLines(stdout) as Array<{ eventID: string }>).map((r) => r.eventID));
    const byKey = await runCli(['filter', '--key', aliases[0], trail]);
    // The origin most often behind that alias's records, as trace tells it.
    const traced = traceOf((await runCli(['trace', '--format', 'jsonl', '--key', aliases[0], trail])).stdout);
    const counts = new Map<string, number>();
    for (const l of traced) if (l.origin.kind !== 'unresolved') counts.set(l.origin.label, (counts.get(l.origin.label) ?? 0) + 1);
    const origin = [...counts].sort((a, b) => b[1] - a[1])[0][0];
    const byOrigin = await runCli(['filter', '--origin', origin, trail]);
    const expected = [...ids(byKey.stdout)].filter((id) => ids(byOrigin.stdout).has(id));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(ids(byKey.stdout).size + ids(byOrigin.stdout).size - expected.length);
    for (const glob of [aliases[0], `${aliases[0].slice(0, -1)}*`]) {
      const both = await runCli(['filter', '--key', glob, '--origin', origin, trail]);
      expect(both.code, both.stderr).toBe(0);
      expect([...ids(both.stdout)].sort()).toEqual(expected.sort());
      const summary = await runCli(['summary', '--format', 'json', '--key', glob, '--origin', origin, trail]);
      expect(summary.code, summary.stderr).toBe(0);
      expect((JSON.parse(summary.stdout) as { records: number }).records).toBe(expected.length);
    }
  });
});

describe('an issuing call broken inside', () => {
  it('trace and --origin tell its fault (once) and fail, though the real pass passes it over unparsed; filter without origins does not read it', async () => {
    const dir = makeTempDir();
    try {
      const text = readFileSync(join(SESSIONS, 'session-token.json'), 'utf8');
      // A comma lost between two fields of the GetSessionToken call that issued carol's key.
      const broken = text.replace('","eventName":"GetSessionToken"', '" "eventName":"GetSessionToken"');
      expect(broken).not.toBe(text);
      const file = join(dir, 'broken.json');
      writeFileSync(file, broken);
      for (const args of [['trace'], ['filter', '--origin', 'carol'], ['summary']]) {
        const r = await runCli([...args, '-f', args[0] === 'summary' ? 'json' : 'jsonl', file]);
        const lines = stderrLines(r.stderr);
        expect(lines, args.join(' ')).toHaveLength(1);
        expect(lines[0]).toMatch(/broken\.json:2: .*record skipped \(byte \d+\)$/);
        expect(r.code, args.join(' ')).toBe(1);
      }
      const plain = await runCli(['filter', '-f', 'jsonl', file]);
      expect(plain.code).toBe(0);
      expect(jsonLines(plain.stdout)).toHaveLength(2);
    } finally {
      removeDir(dir);
    }
  });
});
