/**
 * The options that shape what a person reads, through the built binary, each checked against jq
 * (or against another kmstrail output that does not depend on the option under test):
 * --tz on every command that shows times, csv and --fields, summary --by role and --top, full ARNs
 * in json, did-you-mean for --event names, suggestions for unknown commands and options, and --wide
 * when piped. Expected times are computed here with Intl (the tz database the runtime ships),
 * apart from src/util/time-zone.ts. Most runs read the 69 kms-docs records (times in winter and in
 * summer, so both of Paris's offsets show up); invictus-ir (2,900 records) where a real trail's
 * principals and keys matter. Each output is computed once and shared by the tests that read it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jq, JQ_FIRST_COPIES, KMS_DOCS, parseCsv, STACK_FRAME, stderrLines, tableRows } from '../helpers/e2e.js';
import { jsonLines, runCli, SHARED, type CliResult } from '../helpers/run-cli.js';

const INVICTUS = join(SHARED, 'samples/trees/invictus-ir');
/** kmstrail reads a directory's files in name order: jq gets them in the same order. */
const invictusFiles = () =>
  readdirSync(INVICTUS)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(INVICTUS, f));

const KMS = 'select(.eventSource == "kms.amazonaws.com")';
const DESTRUCTIVE = '["ScheduleKeyDeletion","DisableKey","PutKeyPolicy","CreateGrant","DeleteImportedKeyMaterial","DisableKeyRotation"]';

/** jq over kms-docs' records, copies of one event dropped as kmstrail does by default. */
const docs = (program: string): unknown[] => jq(`${JQ_FIRST_COPIES} .Records | firstcopies | ${program}`, { file: KMS_DOCS });
/** jq over invictus-ir's records in kmstrail's reading order, copies dropped. */
const invictus = (program: string): unknown[] => jq(`${JQ_FIRST_COPIES} [inputs | .Records[]] | firstcopies | ${program}`, { files: invictusFiles() }, ['-n']);

/** Each distinct run once (same args, same env): several tests read the same output. */
const runs = new Map<string, Promise<CliResult>>();
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const key = JSON.stringify([args, env]);
  let result = runs.get(key);
  if (!result) {
    result = runCli(args, { env });
    runs.set(key, result);
  }
  return result;
}

/** A run that must succeed quietly: its stdout. */
async function ok(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await run(args, env);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  expect(r.stderr, args.join(' ')).toBe('');
  return r.stdout;
}

/**
 * The wall clock of an instant in `zone`, with the offset, as Intl (ICU's tz data) gives it: what
 * --tz must show. `sep` ' ' is the tables' spelling, 'T' csv's; UTC itself is written with Z.
 */
function wallClock(iso: string, zone: string, sep: ' ' | 'T'): string {
  const ms = Date.parse(iso);
  expect(Number.isNaN(ms), iso).toBe(false);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  const offset = zone === 'UTC' ? 'Z' : parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName.replace(/^GMT/, '');
  const text = `${parts.year}-${parts.month}-${parts.day}${sep}${parts.hour}:${parts.minute}:${parts.second}${offset}`;
  // The text names the same instant (wall clock minus offset): a check on this helper itself.
  expect(Date.parse(text.replace(' ', 'T'))).toBe(ms);
  return text;
}

/**
 * The zones: the default (UTC, written Z), an IANA name, and `local` with TZ set to a zone that is
 * not the machine's (St John's: half-hour offsets, and summer time) so that it must come from TZ.
 */
const ZONES = [
  { label: 'no --tz (UTC)', args: [] as string[], name: 'UTC', env: {} },
  { label: '--tz Europe/Paris', args: ['--tz', 'Europe/Paris'], name: 'Europe/Paris', env: {} },
  { label: '--tz local, TZ=America/St_Johns', args: ['--tz', 'local'], name: 'America/St_Johns', env: { TZ: 'America/St_Johns' } },
];

/** kms-docs' KMS records' times, in reading order. */
const docsTimes = () => docs(`${KMS} | .eventTime`) as string[];

describe('--tz: every time shown is the record\'s eventTime on the zone\'s clock, offset written; headers name the zone', () => {
  it('the fixture has times on both sides of the clock change (so a fixed offset would be caught)', () => {
    const offsets = new Set(docsTimes().map((t) => wallClock(t, 'Europe/Paris', 'T').slice(19)));
    expect([...offsets].sort()).toEqual(['+01:00', '+02:00']);
  });

  it('filter --format csv: the time column', async () => {
    const times = docsTimes();
    expect(times.length).toBeGreaterThan(50);
    for (const zone of ZONES) {
      const out = await ok(['filter', '--format', 'csv', '--fields', 'time,event,principal-arn,source-ip', ...zone.args, KMS_DOCS], zone.env);
      const [header, ...rows] = parseCsv(out);
      // csv's header is the --fields names, whatever the zone (the offset is in each value).
      expect(header, zone.label).toEqual(['time', 'event', 'principal-arn', 'source-ip']);
      expect(
        rows.map((r) => r[0]),
        zone.label,
      ).toEqual(times.map((t) => wallClock(t, zone.name, 'T')));
    }
  });

  it('filter --format table (piped: whole values): the time column and its header', async () => {
    const times = docsTimes();
    for (const zone of ZONES) {
      const [header, ...rows] = tableRows(await ok(['filter', '--format', 'table', ...zone.args, KMS_DOCS], zone.env));
      expect(header[0]).toBe(`time (${zone.name})`);
      expect(
        rows.map((r) => r[0]),
        zone.label,
      ).toEqual(times.map((t) => wallClock(t, zone.name, ' ')));
    }
  });

  it('timeline --format table: each event\'s time, in time order', async () => {
    // Alice is an IAM user: her events are those whose userName is Alice.
    const times = (docs(`${KMS} | select(.userIdentity.userName == "Alice") | .eventTime`) as string[]).sort();
    expect(times.length).toBeGreaterThan(20);
    for (const zone of ZONES) {
      const [header, ...rows] = tableRows(await ok(['timeline', '--format', 'table', '--user', 'Alice', ...zone.args, KMS_DOCS], zone.env));
      expect(header[0]).toBe(`time (${zone.name})`);
      // Long details wrap onto more lines, whose time cell is empty.
      const shown = rows.map((r) => r[0]).filter((c) => c !== '');
      expect(shown, zone.label).toEqual(times.map((t) => wallClock(t, zone.name, ' ')));
    }
  });

  it('summary --format table: the time span line and the destructive events listed', async () => {
    const times = docsTimes().sort();
    const destructive = (docs(`${KMS} | select(.eventName | IN(${DESTRUCTIVE}[])) | .eventTime`) as string[]).sort().slice(0, 3);
    expect(destructive).toHaveLength(3);
    for (const zone of ZONES) {
      const out = await ok(['summary', '--format', 'table', '--top', '3', ...zone.args, KMS_DOCS], zone.env);
      const span = out.split('\n').filter((l) => l.startsWith('time span'));
      expect(span, zone.label).toEqual([`time span ${wallClock(times[0], zone.name, ' ')} → ${wallClock(times.at(-1)!, zone.name, ' ')}`]);
      // The destructive list is the one table whose first column is the time.
      const rows = tableRows(out);
      const at = rows.findIndex((r) => r[0] === `time (${zone.name})`);
      expect(at, zone.label).toBeGreaterThan(0);
      expect(
        rows.slice(at + 1).map((r) => r[0]),
        zone.label,
      ).toEqual(destructive.map((t) => wallClock(t, zone.name, ' ')));
    }
  });

  it('detect --format table: first / last of each rule\'s hits (the hits\' records\' eventTimes, from jq)', async () => {
    // Which records hit is detect's business (its json, UTC): when they happened is the records'.
    const doc = JSON.parse(await ok(['detect', '--format', 'json', KMS_DOCS])) as { hits: Array<{ rule: string; eventID: string; eventName: string }> };
    expect(doc.hits.length).toBeGreaterThan(2);
    const expectedSeen = new Map<string, string[]>();
    for (const rule of new Set(doc.hits.map((h) => h.rule))) {
      const ids = JSON.stringify(doc.hits.filter((h) => h.rule === rule).map((h) => [h.eventID, h.eventName]));
      const times = (docs(`select([.eventID, .eventName] as $k | ${ids} | index([$k])) | .eventTime`) as string[]).sort();
      expect(times.length, rule).toBe(doc.hits.filter((h) => h.rule === rule).length);
      expectedSeen.set(rule, [...new Set([times[0], times.at(-1)!])]);
    }
    // At least one rule hit at two different times, so the table shows a first and a last.
    expect([...expectedSeen.values()].some((s) => s.length === 2)).toBe(true);

    for (const zone of ZONES) {
      const [header, zoneLine, ...rows] = tableRows(await ok(['detect', '--format', 'table', ...zone.args, KMS_DOCS], zone.env));
      expect([header[3], zoneLine[3]]).toEqual(['first / last', `(${zone.name})`]);
      // A rule's row spans several lines: a new row starts where the severity cell is filled.
      const shown = new Map<string, string[]>();
      let rule = '';
      for (const r of rows) {
        if (r[0] !== '') {
          rule = r[1];
          shown.set(rule, []);
        }
        if (r[3] !== '') shown.get(rule)!.push(r[3]);
      }
      const expected = new Map([...expectedSeen].map(([id, seen]) => [id, seen.map((t) => wallClock(t, zone.name, ' '))]));
      expect(shown, zone.label).toEqual(expected);
    }
  });

  it('jsonl and json stay UTC: byte-identical with and without --tz', async () => {
    const pairs: Array<[string[], string]> = [
      [['filter', '--format', 'jsonl'], 'Europe/Paris'],
      [['filter', '--format', 'jsonl'], 'local'],
      [['timeline', '--format', 'jsonl', '--user', 'Alice'], 'Europe/Paris'],
      [['summary', '--format', 'json'], 'Europe/Paris'],
    ];
    for (const [args, zone] of pairs) {
      const env = zone === 'local' ? { TZ: 'America/St_Johns' } : {};
      const plain = await ok([...args, KMS_DOCS]);
      expect(plain.length).toBeGreaterThan(100);
      expect(await ok([...args, '--tz', zone, KMS_DOCS], env), `${args.join(' ')} --tz ${zone}`).toBe(plain);
    }
  });

  it('a zone that is not one is a usage error: exit 2, one line naming --tz, nothing printed', async () => {
    const commands = [['filter'], ['summary'], ['timeline', '--user', 'Alice'], ['detect'], ['keys']];
    const results = await Promise.all(commands.map((c) => run([...c, '--tz', 'Mars/Olympus', KMS_DOCS])));
    results.forEach((r, i) => {
      const label = commands[i][0];
      expect(r.code, label).toBe(2);
      expect(r.stdout, label).toBe('');
      expect(stderrLines(r.stderr), label).toHaveLength(1);
      expect(r.stderr, label).toContain('--tz');
      expect(r.stderr, label).toContain('Mars/Olympus');
    });
  });

  it('--tz local with TZ set but empty: the zone the runtime then reports, or a usage error naming --tz when it reports none; never a crash', async () => {
    // What this runtime makes of TZ='': a zone, or a name no formatter takes (ICU says Etc/Unknown).
    const probe = spawnSync(
      process.execPath,
      ['-e', 'const z = Intl.DateTimeFormat().resolvedOptions().timeZone; try { new Intl.DateTimeFormat("en", { timeZone: z }); console.log(z) } catch { console.log("") }'],
      { env: { ...process.env, TZ: '' }, encoding: 'utf8' },
    );
    expect(probe.status).toBe(0);
    const zone = probe.stdout.trim();
    const r = await run(['filter', '--format', 'csv', '--fields', 'time', '--tz', 'local', KMS_DOCS], { TZ: '' });
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr).not.toMatch(STACK_FRAME);
    if (zone === '') {
      // kmstrail's own usage error for a local zone it cannot find: "this system's time zone is
      // not known (set TZ ...)".
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(stderrLines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toContain('--tz');
    } else {
      expect(r.code, r.stderr).toBe(0);
      expect(parseCsv(r.stdout).slice(1).map((row) => row[0])).toEqual(docsTimes().map((t) => wallClock(t, zone, 'T')));
    }
  });
});

describe.skipIf(!existsSync(INVICTUS))('csv and --fields on a real trail (invictus-ir, every source)', () => {
  const FIELDS = ['filter', '--all-sources', '--format', 'csv', '--fields', 'time,event,principal-arn,source-ip', INVICTUS];

  it('the header is the --fields names; ISO 8601 UTC times; each row is jq\'s values of the same record, in order', async () => {
    const out = await ok(FIELDS);
    expect(out.split('\r\n')[0]).toBe('time,event,principal-arn,source-ip');
    const [header, ...rows] = parseCsv(out);
    expect(header).toEqual(['time', 'event', 'principal-arn', 'source-ip']);
    const expected = invictus('[.eventTime, .eventName, ((.userIdentity.arn | strings) // ""), ((.sourceIPAddress | strings) // "")]') as string[][];
    expect(expected.length).toBeGreaterThan(2000);
    // Some records have no principal ARN: those cells must be empty, not "undefined".
    expect(expected.some((r) => r[2] === '')).toBe(true);
    for (const r of rows) expect(r[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(rows).toEqual(expected);
  });

  it('--wide piped changes nothing in csv and jsonl (byte-identical)', async () => {
    expect(await ok([...FIELDS.slice(0, -1), '--wide', INVICTUS])).toBe(await ok(FIELDS));
    const jsonl = await ok(['filter', '--format', 'jsonl', KMS_DOCS]);
    expect(jsonLines(jsonl).length).toBe(docsTimes().length);
    expect(await ok(['filter', '--format', 'jsonl', '--wide', KMS_DOCS])).toBe(jsonl);
    expect(await ok(['filter', '--format', 'csv', '--wide', KMS_DOCS])).toBe(await ok(['filter', '--format', 'csv', KMS_DOCS]));
  });
});

interface TopTable {
  distinct: number;
  capped: boolean;
  other: number;
  rows: Array<{ value: string; count: number; arn?: string | null }>;
}
interface SummaryJson {
  records: number;
  principalsBy: string;
  principals: TopTable;
  keys: TopTable;
  destructiveOrPolicy: { total: number; omitted: number; listed: Array<{ time: string; event: string; principal: string; eventId: string }> };
}

/** Counts of a jq stream of strings. */
function tally(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

describe.skipIf(!existsSync(INVICTUS))('summary --by, and full ARNs in json (invictus-ir, every source)', () => {
  // --top high enough that every principal has its row: then the rows add up to the records.
  const SUMMARY = ['summary', '--all-sources', '--format', 'json', '--top', '1000'];
  const summary = async (...args: string[]) => JSON.parse(await ok([...SUMMARY, ...args, INVICTUS])) as SummaryJson;

  it('--by role: role sessions counted as their role, as many as jq finds with that session issuer; the total is the records matched', async () => {
    const doc = await summary('--by', 'role');
    const records = invictus('1').length;
    expect(doc.records).toBe(records);
    expect(doc.principalsBy).toBe('role');
    expect(doc.principals.capped).toBe(false);
    expect(doc.principals.rows).toHaveLength(doc.principals.distinct);
    expect(doc.principals.rows.reduce((n, r) => n + r.count, 0)).toBe(records);

    const roles = tally(invictus('.userIdentity.sessionContext.sessionIssuer.arn | strings') as string[]);
    expect(roles.size).toBeGreaterThan(3);
    const byValue = new Map(doc.principals.rows.map((r) => [r.value, r.count]));
    for (const [role, count] of roles) expect(byValue.get(role), role).toBe(count);
    // No session is left standing on its own.
    expect(doc.principals.rows.filter((r) => r.value.includes(':assumed-role/'))).toEqual([]);

    // Everyone else is counted as --by session counts them.
    const sessions = await summary();
    const others = (t: TopTable) => t.rows.filter((r) => !roles.has(r.value) && !r.value.includes(':assumed-role/'));
    expect(others(doc.principals)).toEqual(others(sessions.principals));
  });

  it('--by session is the default (byte-identical), and its principals are the full ARNs jq reads in userIdentity.arn (or builds for a user named without one)', async () => {
    expect(await ok([...SUMMARY, '--by', 'session', INVICTUS])).toBe(await ok([...SUMMARY, INVICTUS]));
    const doc = await summary();
    expect(doc.principalsBy).toBe('session');
    expect(doc.principals.rows).toHaveLength(doc.principals.distinct);
    // userIdentity.arn, or for an IAM user or root named without one (CheckMfa) the ARN it has.
    const ARN =
      '(.userIdentity | (.arn | strings | select(. != "")) // (if .type == "Root" and (.accountId | type) == "string" then "arn:aws:iam::\\(.accountId):root" ' +
      'elif .type == "IAMUser" and (.accountId | type) == "string" and (.userName | type) == "string" then "arn:aws:iam::\\(.accountId):user/\\(.userName)" else empty end))';
    const arns = tally(invictus(ARN) as string[]);
    expect([...arns.keys()].some((a) => a.includes(':assumed-role/'))).toBe(true);
    const byValue = new Map(doc.principals.rows.map((r) => [r.value, r.count]));
    for (const [arn, count] of arns) expect(byValue.get(arn), arn).toBe(count);
    // The rows that are not ARNs are the records that have none (AWS services, ...).
    const withoutArn = invictus(`select([${ARN}] | length == 0)`).length;
    expect(withoutArn).toBeGreaterThan(0);
    expect(doc.principals.rows.filter((r) => !arns.has(r.value)).reduce((n, r) => n + r.count, 0)).toBe(withoutArn);
  });

  it('keys carry their ARN: summary\'s keys table and keys --format json, the ARNs jq finds', async () => {
    const arns = [...new Set(invictus(`${KMS} | (.resources // [])[] | .ARN | strings | select(test(":kms:[^:]*:[0-9]{12}:key/"))`) as string[])].sort();
    expect(arns.length).toBeGreaterThan(0);
    const idOf = (arn: string) => arn.replace(/^.*:key\//, '');

    const doc = await summary();
    expect(doc.keys.rows.map((r) => r.arn).sort()).toEqual(arns);
    for (const r of doc.keys.rows) expect(r.arn && idOf(r.arn)).toBe(r.value);

    const keys = JSON.parse(await ok(['keys', '--format', 'json', INVICTUS])) as { keys: Array<{ arn: string; keyId: string }> };
    expect(keys.keys.map((k) => k.arn).sort()).toEqual(arns);
    for (const k of keys.keys) expect(idOf(k.arn)).toBe(k.keyId);
  });

  it('--by bogus is a usage error: exit 2, one line naming --by', async () => {
    const r = await run(['summary', '--by', 'bogus', INVICTUS]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(stderrLines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('--by');
  });
});

describe('summary --top N: the earliest N destructive or policy events, the rest counted', () => {
  it('kms-docs with --top 3: jq\'s earliest 3 by eventTime, full principal ARNs, omitted = total - 3', async () => {
    const all = (docs(`${KMS} | select(.eventName | IN(${DESTRUCTIVE}[])) | {time: .eventTime, event: .eventName, principal: .userIdentity.arn, eventId: .eventID}`) as Array<{
      time: string;
      event: string;
      principal: string;
      eventId: string;
    }>).sort((a, b) => a.time.localeCompare(b.time));
    // More than N, and no two at one time (so "earliest N" is one answer).
    expect(all.length).toBeGreaterThan(3);
    expect(new Set(all.map((e) => e.time)).size).toBe(all.length);

    const doc = JSON.parse(await ok(['summary', '--format', 'json', '--top', '3', KMS_DOCS])) as SummaryJson;
    const d = doc.destructiveOrPolicy;
    expect(d.total).toBe(all.length);
    expect(d.listed.length).toBeLessThanOrEqual(3);
    expect(d.listed.map(({ time, event, principal, eventId }) => ({ time, event, principal, eventId }))).toEqual(all.slice(0, 3));
    expect(d.omitted).toBe(all.length - 3);

    // With room for all of them, all are listed, in time order.
    const every = (JSON.parse(await ok(['summary', '--format', 'json', '--top', '100', KMS_DOCS])) as SummaryJson).destructiveOrPolicy;
    expect(every.listed.map((e) => e.eventId)).toEqual(all.map((e) => e.eventId));
    expect(every.omitted).toBe(0);
  });
});

describe('a --source kmstrail does not know, when nothing matched, gets a note (a typo is not a silent zero)', () => {
  it("'kmss' and 'kms.amazonws.com': no record, exit 0, one note naming the near source; a known or matching one: none", async () => {
    for (const [given, full, near] of [
      ['kmss', 'kmss.amazonaws.com', 'kms'],
      ['kms.amazonws.com', 'kms.amazonws.com', 'kms'],
    ]) {
      const r = await run(['filter', '--format', 'jsonl', '--source', given, KMS_DOCS]);
      expect(r.code, given).toBe(0);
      expect(r.stdout, given).toBe('');
      expect(stderrLines(r.stderr), given).toEqual([`kmstrail: note: no record matched, and --source '${full}' is not an event source kmstrail knows: did you mean ${near}?`]);
    }
    // A service kmstrail has no names for, with records in the input: found, and no note.
    const other = await run(['filter', '--format', 'jsonl', '--source', 'autoscaling', join(KMS_DOCS, '..', 'flosell__trailscraper.json')]);
    expect(other.code).toBe(0);
    expect(jsonLines(other.stdout).length).toBeGreaterThan(0);
    expect(other.stderr).toBe('');
    // A known source with no record here: nothing to say beyond the empty output.
    const none = await run(['filter', '--format', 'jsonl', '--source', 's3', KMS_DOCS]);
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});

describe('--event names that CloudTrail does not record get a did-you-mean; real names and globs do not', () => {
  it('CreateKeys: a warning on stderr that says did you mean CreateKey?, and the run goes on (exit 0)', async () => {
    const r = await run(['filter', '--format', 'jsonl', '--event', 'CreateKeys', KMS_DOCS]);
    expect(r.code).toBe(0);
    expect(stderrLines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('CreateKeys');
    expect(r.stderr).toContain('did you mean CreateKey?');
    expect(jsonLines(r.stdout)).toHaveLength(docs(`${KMS} | select(.eventName == "CreateKeys")`).length);
  });

  it("'!CreateKeys' warns the same, and leaves nothing out", async () => {
    const r = await run(['filter', '--format', 'jsonl', '--event', '!CreateKeys', KMS_DOCS]);
    expect(r.code).toBe(0);
    expect(stderrLines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('did you mean CreateKey?');
    expect(r.stdout).toBe(await ok(['filter', '--format', 'jsonl', KMS_DOCS]));
  });

  it("Decrypt, 'Create*' and '!Decrypt': no warning, and jq's records", async () => {
    const cases: Array<[string, string]> = [
      ['Decrypt', '.eventName == "Decrypt"'],
      ['Create*', '.eventName | startswith("Create")'],
      ['!Decrypt', '.eventName != "Decrypt"'],
    ];
    for (const [event, condition] of cases) {
      const out = await ok(['filter', '--format', 'jsonl', '--event', event, KMS_DOCS]);
      const expected = docs(`${KMS} | select(${condition}) | .eventID`);
      expect(expected.length, event).toBeGreaterThan(0);
      expect(jsonLines(out).map((r) => (r as { eventID: string }).eventID), event).toEqual(expected);
    }
  });

  it("GetObject (S3's) with only KMS read: says it is s3's and how to read it; with --all-sources, no warning", async () => {
    const r = await run(['filter', '--format', 'jsonl', '--event', 'GetObject', KMS_DOCS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(stderrLines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('GetObject');
    expect(r.stderr).toMatch(/s3\.amazonaws\.com's/);
    expect(r.stderr).toContain('--source s3');
    expect(r.stderr).toContain('--all-sources');
    await ok(['filter', '--format', 'jsonl', '--all-sources', '--event', 'GetObject', KMS_DOCS]);
  });
});

describe('an unknown command or option: exit 2, one line with the nearest name', () => {
  it('kmstrail filtr suggests filter; filter --evnt suggests --event', async () => {
    const [command, option] = await Promise.all([run(['filtr']), run(['filter', '--evnt', 'X', KMS_DOCS])]);
    for (const [r, typo, suggestion] of [
      [command, 'filtr', 'filter'],
      [option, '--evnt', '--event'],
    ] as const) {
      expect(r.code, typo).toBe(2);
      expect(r.stdout, typo).toBe('');
      const lines = stderrLines(r.stderr);
      expect(lines, typo).toHaveLength(1);
      expect(lines[0]).toContain(typo);
      // The typo itself does not contain the suggestion, so this finds the suggestion.
      expect(lines[0].replaceAll(typo, '')).toContain(suggestion);
    }
  });

  it('sql --fields: no suggestion that only shares letters (commander offered --eds)', async () => {
    const r = await run(['sql', '--fields', 'x']);
    expect(r.code).toBe(2);
    expect(stderrLines(r.stderr)).toEqual(["kmstrail: unknown option '--fields' (see 'kmstrail sql --help')"]);
  });
});
