/**
 * `kmstrail report`, end to end: the built binary writes the page, a real headless Chromium
 * (Debian's, driven by playwright-core) opens it offline, and what it shows is held against
 * `summary --format json`, `keys --format json` and `detect` with the same options, and against jq
 * for the key timelines. Hostile log values must stay text in the browser. Without Chromium the
 * browser tests fail, saying how to install it: they never pass by not running.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD, jq, JQ_FIRST_COPIES, JQ_KEY_ID_OF, JQ_KEY_REFS, KMS_DOCS, makeTempDir, removeDir, STACK_FRAME, stderrLines, type Json } from '../helpers/e2e.js';
import { BIN, jsonLines, runCli, SHARED } from '../helpers/run-cli.js';

const CHROMIUM = process.env.KMSTRAIL_CHROMIUM ?? '/usr/bin/chromium';
const INVICTUS = join(SHARED, 'samples', 'trees', 'invictus-ir');
const SIGMA_RULES = join(SHARED, 'sigma', 'rules');
const DESTRUCTIVE = ['ScheduleKeyDeletion', 'DisableKey', 'PutKeyPolicy', 'CreateGrant', 'DeleteImportedKeyMaterial', 'DisableKeyRotation'];

interface TopRow {
  value: string;
  count: number;
}
interface Summary extends Json {
  records: number;
  input: { files: number; recordsRead: number; duplicates: number };
  readOnly: { readOnly: number; mutating: number; unknown: number };
  errors: number;
  principals: { rows: TopRow[] };
  keys: { rows: TopRow[] };
  eventNames: { rows: TopRow[] };
  destructiveOrPolicy: { total: number };
  activity: { buckets: Array<{ start: string; count: number }> };
}

let dir: string;
let browser: Browser | undefined;

beforeAll(() => {
  dir = makeTempDir('kmstrail-report-');
});

afterAll(async () => {
  await browser?.close();
  removeDir(dir);
});

/** Runs `report` with these arguments into a new file; returns the file and the run. */
async function report(name: string, args: string[], input?: string | Buffer) {
  const out = join(dir, `${name}.html`);
  const result = await runCli(['report', '--out', out, ...args], input === undefined ? {} : { input });
  return { out, result };
}

/** Opens the page in Chromium, noting every console message, page error and request. */
async function open(file: string): Promise<{ page: Page; messages: string[]; requests: string[] }> {
  const page = await browser!.newPage();
  const messages: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, messages, requests };
}

/** A top table of the page: [cell text, data-count] per row. */
function topRows(page: Page, name: string): Promise<TopRow[]> {
  return page.$$eval(`table[data-table="${name}"] tbody tr`, (rows) =>
    rows.map((row) => ({ value: row.querySelector('td.v')!.textContent!, count: Number(row.querySelector('td[data-count]')!.getAttribute('data-count')) })),
  );
}

const metric = (page: Page, name: string) => page.$eval(`[data-metric="${name}"]`, (e) => Number(e.getAttribute('data-value')));
const summaryOf = (args: string[]) => runCli(['summary', '--format', 'json', ...args]).then((r) => JSON.parse(r.stdout) as Summary);

/**
 * Checks a report page against the other commands run with the same arguments: the numbers of
 * summary, the keys of keys, the hits of detect per rule.
 */
async function checkAgainstCommands(file: string, args: string[], top: string[] = [], rules: string[] = []): Promise<Page> {
  const [summary, keys, detect] = await Promise.all([
    summaryOf([...top, ...args]),
    runCli(['keys', '--format', 'json', ...args]).then((r) => JSON.parse(r.stdout) as { keys: Array<{ arn: string | null }> }),
    runCli(['detect', '--format', 'jsonl', ...rules, ...args]).then((r) => jsonLines(r.stdout) as Array<{ rule: string }>),
  ]);
  const { page, messages, requests } = await open(file);
  // Renders with nothing to complain about, and asks for nothing but itself.
  expect(messages).toEqual([]);
  expect(requests).toEqual([pathToFileURL(file).href]);
  expect(await page.$$eval('script, img, iframe, object, embed, link', (e) => e.length)).toBe(0);

  expect(await metric(page, 'records')).toBe(summary.records);
  expect(await metric(page, 'records-read')).toBe(summary.input.recordsRead);
  expect(await metric(page, 'files')).toBe(summary.input.files);
  expect(await metric(page, 'duplicates')).toBe(summary.input.duplicates);
  expect(await metric(page, 'read-only')).toBe(summary.readOnly.readOnly);
  expect(await metric(page, 'mutating')).toBe(summary.readOnly.mutating);
  expect(await metric(page, 'errors')).toBe(summary.errors);
  expect(await metric(page, 'destructive')).toBe(summary.destructiveOrPolicy.total);
  expect(await metric(page, 'keys')).toBe(keys.keys.length);
  expect(await metric(page, 'hits')).toBe(detect.length);
  const plain = (rows: TopRow[]) => rows.map(({ value, count }) => ({ value, count }));
  expect(await topRows(page, 'principals')).toEqual(plain(summary.principals.rows));
  expect(await topRows(page, 'keys')).toEqual(plain(summary.keys.rows));
  expect(await topRows(page, 'event-names')).toEqual(plain(summary.eventNames.rows));

  // The charts: SVG, drawn (a box of some size), the activity one with a bar per bucket of the series.
  const charts = await page.$$eval('svg.chart', (svgs) => svgs.map((s) => ({ kind: s.getAttribute('class'), width: s.getBoundingClientRect().width, bars: s.querySelectorAll('rect.bar').length })));
  expect(charts.length).toBeGreaterThanOrEqual(3);
  for (const chart of charts) {
    expect(chart.width).toBeGreaterThan(300);
    expect(chart.bars).toBeGreaterThan(0);
  }
  const bars = await page.$$eval('svg.activity rect.bar', (rects) =>
    rects.map((r) => ({ start: r.getAttribute('data-start'), count: Number(r.getAttribute('data-count')), height: (r as unknown as { getBBox(): { height: number } }).getBBox().height })),
  );
  expect(bars.map(({ start, count }) => ({ start, count }))).toEqual(summary.activity.buckets);
  for (const bar of bars) expect(bar.height > 0).toBe(bar.count > 0);

  expect(await page.$$eval('table[data-table="key-inventory"] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-key-arn')))).toEqual(
    keys.keys.map((k) => k.arn ?? ''),
  );
  const perRule = new Map<string, number>();
  for (const hit of detect) perRule.set(hit.rule, (perRule.get(hit.rule) ?? 0) + 1);
  const shown = await page.$$eval('article.rule', (rules) => rules.map((r) => [r.getAttribute('data-rule'), Number(r.getAttribute('data-hits'))]));
  expect(Object.fromEntries(shown)).toEqual(Object.fromEntries(perRule));
  return page;
}

describe('the report in Chromium', () => {
  // Missing Chromium fails these tests (an error in this hook fails the file); it never skips them.
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`the report's browser tests need Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does), or set KMSTRAIL_CHROMIUM`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });

  it('kms-docs: every number is that of summary, keys and detect; a timeline per key with destructive or policy events, as jq lists it', async () => {
    const { out, result } = await report('kms-docs', [KMS_DOCS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const page = await checkAgainstCommands(out, [KMS_DOCS]);

    // Which keys have a timeline: those whose rows in `keys` name a destructive or policy operation.
    const keys = JSON.parse((await runCli(['keys', '--format', 'json', KMS_DOCS])).stdout) as { keys: Array<{ arn: string | null; operations: Record<string, number> }> };
    const wanted = keys.keys.filter((k) => k.arn !== null && Object.keys(k.operations).some((op) => DESTRUCTIVE.includes(op))).map((k) => k.arn!);
    expect(wanted.length).toBeGreaterThanOrEqual(3);
    const timelines = await page.$$eval('article.key-timeline', (a) => a.map((e) => [e.getAttribute('data-key'), Number(e.getAttribute('data-listed'))]));
    expect(timelines.map(([key]) => key)).toEqual(wanted);
    // jq: KMS records naming the key by ID or ARN (a multi-Region key in its own region only), that
    // are not marked read-only or failed; copies dropped.
    for (const [key, listed] of timelines) {
      const [, region, , id] = /^arn:[^:]+:kms:([^:]*):([^:]*):key\/(.+)$/.exec(key as string)!;
      const expected = jq(
        `${JQ_FIRST_COPIES} def refs: ${JQ_KEY_REFS};
         [.Records | firstcopies | select(.eventSource == "kms.amazonaws.com")
          | . as $r | select(any(refs[]; (. as $ref | ${JQ_KEY_ID_OF}) == $id
              and (($id | startswith("mrk-") | not) or (if startswith("arn:") then split(":")[3] else $r.awsRegion end) == $region)))
          | select(.readOnly != true or ((.errorCode // "") != ""))] | length`,
        { file: KMS_DOCS },
        ['--arg', 'id', id, '--arg', 'region', region],
      )[0];
      expect([key, listed]).toEqual([key, expected]);
    }
    expect(statSync(out).size).toBeLessThan(200_000);
  });

  it('fits a phone, a desktop and paper: no page-wide horizontal scroll, every printed column on the page, link targets below the nav', async () => {
    const { out } = await report('kms-docs-layout', [KMS_DOCS]);
    for (const width of [375, 800, 1400]) {
      const page = await browser!.newPage({ viewport: { width, height: 900 } });
      await page.goto(pathToFileURL(out).href, { waitUntil: 'load' });
      // Wide tables scroll in their own box; the page itself never does.
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `${width}px`).toBeLessThanOrEqual(width);
      // Every section a nav link names shows its heading, not under the nav.
      for (const target of await page.$$eval('nav a', (links) => links.map((a) => a.getAttribute('href')!))) {
        await page.click(`nav a[href="${target}"]`);
        const [top, navBottom] = await page.evaluate((id) => {
          const heading = document.querySelector(`${id} h2`) ?? document.querySelector(id)!;
          const nav = document.querySelector('nav')!.getBoundingClientRect();
          return [heading.getBoundingClientRect().top, getComputedStyle(document.querySelector('nav')!).position === 'sticky' ? nav.bottom : 0];
        }, target);
        expect(top, `${width}px, ${target}`).toBeGreaterThanOrEqual(navBottom - 1);
      }
      await page.close();
    }
    // A4 portrait is about 718 CSS pixels wide: every column of every table within its box.
    const paper = await browser!.newPage({ viewport: { width: 718, height: 1000 } });
    await paper.goto(pathToFileURL(out).href, { waitUntil: 'load' });
    await paper.emulateMedia({ media: 'print' });
    const cut = await paper.$$eval('table', (tables) => tables.filter((t) => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((t) => t.dataset.table ?? t.className));
    expect(cut).toEqual([]);
    expect((await paper.pdf({ format: 'A4' })).length).toBeGreaterThan(10_000);
    await paper.close();
  });

  it('with --key: the keys shown are those keys --key shows, with its counts, not every key a matched record also names', async () => {
    // 0987dcba's ReEncrypt names 1234abcd too; alias/ExampleAlias names its key and others name it.
    for (const key of ['0987dcba', 'alias/ExampleAlias']) {
      const args = ['--key', key, KMS_DOCS];
      const { out, result } = await report(`kms-docs-key-${key.replace('/', '-')}`, args);
      expect(result.code).toBe(0);
      const page = await checkAgainstCommands(out, args);
      const keys = JSON.parse((await runCli(['keys', '--format', 'json', ...args])).stdout) as { keys: Array<{ events: number }> };
      expect(keys.keys).toHaveLength(1);
      const events = await page.$$eval('table[data-table="key-inventory"] tbody tr td.num[data-count]', (cells) => cells.map((c) => Number(c.getAttribute('data-count'))));
      expect(events).toEqual(keys.keys.map((k) => k.events));
      // Timelines only for the chosen key.
      const timelines = await page.$$eval('article.key-timeline', (a) => a.map((e) => e.getAttribute('data-key')));
      const arns = await page.$$eval('table[data-table="key-inventory"] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-key-arn')));
      for (const timeline of timelines) expect(arns).toContain(timeline);
    }
  });

  it.skipIf(!existsSync(INVICTUS))('a real trail with options (invictus-ir, all sources, --top 5): the same numbers as the commands', async () => {
    const args = ['--all-sources', INVICTUS];
    const { out, result } = await report('invictus', ['--top', '5', ...args]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const page = await checkAgainstCommands(out, args, ['--top', '5']);
    expect(await topRows(page, 'principals')).toHaveLength(5);
  });

  it.skipIf(!existsSync(INVICTUS))('with --sigma: the Sigma hits of detect, rule by rule; the origins of summary; times on the --tz clock', async () => {
    const args = ['--all-sources', INVICTUS];
    const { out, result } = await report('invictus-sigma', ['--sigma', SIGMA_RULES, '--tz', 'Europe/Paris', ...args]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const page = await checkAgainstCommands(out, args, [], ['--sigma', SIGMA_RULES]);
    // Sigma rules are there by their ids, beside the built-in ones.
    const rules = await page.$$eval('article.rule', (a) => a.map((e) => e.getAttribute('data-rule')!));
    expect(rules.some((r) => /^[0-9a-f]{8}-/.test(r))).toBe(true);
    expect(rules.some((r) => r.startsWith('KMS-'))).toBe(true);
    // Origins: the section's records add up to at most the matched records, and bert-jan is behind some.
    const summary = await summaryOf(args);
    const origins = await page.$$eval('section#origins td[data-count]', (cells) => cells.map((c) => Number(c.getAttribute('data-count'))));
    expect(origins.length).toBeGreaterThan(0);
    expect(origins.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(summary.records);
    expect(await page.$eval('section#origins', (e) => e.textContent)).toContain('bert-jan');
    const headers = await page.$$eval('th', (ths) => ths.map((t) => t.textContent));
    expect(headers).toContain('time (Europe/Paris)');
    expect(headers.some((h) => h?.includes('(UTC)'))).toBe(false);
  });

  it('hostile values stay text: a <script> in a user agent, markup in a name, terminal escapes', async () => {
    const base = (JSON.parse(readFileSync(KMS_DOCS, 'utf8')) as { Records: Json[] }).Records.find((r) => r.eventName === 'ScheduleKeyDeletion')!;
    const agent = `<script>document.title='pwned'</script>`;
    const name = `<img src=x onerror="document.title='img'">`;
    const crafted = {
      ...base,
      eventID: 'crafted-0001',
      userAgent: agent,
      userIdentity: { ...(base.userIdentity as Json), userName: name, arn: `arn:aws:iam::111122223333:user/${name}` },
      requestParameters: { ...(base.requestParameters as Json), pendingWindowInDays: `</td></tr></table><script>document.title='td'</script>` },
    };
    const file = join(dir, 'crafted.json');
    writeFileSync(file, JSON.stringify({ Records: [crafted] }));
    const { out, result } = await report('hostile', ['--title', `<b>title</b>`, file, join(BAD, 'ansi-injection.json')]);
    expect(result.code).toBe(0);
    expect(readFileSync(out, 'utf8')).not.toMatch(/<script|<img/i);

    const { page, messages, requests } = await open(out);
    expect(messages).toEqual([]);
    expect(requests).toHaveLength(1);
    expect(await page.title()).toBe('<b>title</b>');
    expect(await page.$$eval('script, img, b', (e) => e.length)).toBe(0);
    expect((await topRows(page, 'user-agents')).map((r) => r.value)).toContain(agent);
    expect((await topRows(page, 'principals')).map((r) => r.value)).toContain(`arn:aws:iam::111122223333:user/${name}`);
    const text = await page.innerText('body');
    expect(text).toContain("</td></tr></table><script>document.title='td'</script>");
    // ansi-injection.json: escape sequences shown as \x1b, never sent to the page as control characters.
    expect(text).toContain('session-\\x1b[31mred\\x1b]0;title\\x07\\x0dover\\x08write');
    expect(text).not.toMatch(/[\u0000-\u0008\u001b]/);
  });
});

describe('the report as a command', () => {
  it('--sigma runs the rules detect runs: a base rule that only feeds a correlation reports nothing of its own', async () => {
    const rules = join(dir, 'corr-rules');
    mkdirSync(rules, { recursive: true });
    writeFileSync(
      join(rules, 'decrypts.yml'),
      `title: A decrypt
id: base-decrypt
name: a_decrypt
logsource: {product: aws, service: cloudtrail}
detection: {sel: {eventName: Decrypt}, condition: sel}
level: low
---
title: Several decrypts by one principal
id: corr-decrypts
correlation: {type: event_count, rules: [a_decrypt], group-by: [userIdentity.arn], timespan: 3650d, condition: {gte: 2}}
level: medium
`,
    );
    const detect = jsonLines((await runCli(['detect', '--sigma', rules, '--format', 'jsonl', KMS_DOCS])).stdout) as Array<{ rule: string }>;
    const perRule = new Map<string, number>();
    for (const hit of detect) perRule.set(hit.rule, (perRule.get(hit.rule) ?? 0) + 1);
    expect(perRule.get('corr-decrypts')).toBeGreaterThan(0);
    expect(perRule.has('base-decrypt')).toBe(false);
    const { out, result } = await report('corr', ['--sigma', rules, KMS_DOCS]);
    expect(result.code).toBe(0);
    const shown = [...readFileSync(out, 'utf8').matchAll(/<article class="rule" data-rule="([^"]+)" data-hits="(\d+)"/g)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(shown)).toEqual(Object.fromEntries(perRule));
  });

  it('--out is required, and must not be a folder: a usage error, one line', async () => {
    const missing = await runCli(['report', KMS_DOCS]);
    expect(missing.code).toBe(2);
    expect(stderrLines(missing.stderr)).toEqual([`kmstrail: option --out: give the HTML file to write, e.g. --out report.html (see 'kmstrail report --help')`]);
    const folder = await runCli(['report', '--out', dir, KMS_DOCS]);
    expect(folder.code).toBe(2);
    expect(stderrLines(folder.stderr)).toEqual([`kmstrail: option --out: '${dir}' is a directory (see 'kmstrail report --help')`]);
    // '-' and a forgotten name (the next option taken for it) had written files named '-' and '--since'.
    const cwd = makeTempDir();
    try {
      const dash = await runCli(['report', '--out', '-', KMS_DOCS], { cwd });
      expect(dash.code).toBe(2);
      expect(stderrLines(dash.stderr)).toEqual([`kmstrail: option --out: the report is written to a file, not to standard output: give its name, e.g. --out report.html (or ./- for a file named '-') (see 'kmstrail report --help')`]);
      const forgotten = await runCli(['report', '--out', '--since', '7d', KMS_DOCS], { cwd });
      expect(forgotten.code).toBe(2);
      expect(stderrLines(forgotten.stderr)).toEqual([`kmstrail: option --out wants a value, and got the option '--since' (was its value left out?) (see 'kmstrail report --help')`]);
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      removeDir(cwd);
    }
  });

  it('an --out that cannot be written: one line, exit 1, before reading, nothing left behind', async () => {
    const where = join(dir, 'no-such-folder', 'r.html');
    const result = await runCli(['report', '--out', where, KMS_DOCS]);
    expect(result.code).toBe(1);
    expect(stderrLines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toBe(`kmstrail: cannot write ${where}: no such file or directory\n`);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('--out through a symbolic link writes its file and keeps the link; never over a pipe, a device or a file that is not a report', async () => {
    const place = join(dir, 'out-places');
    mkdirSync(join(place, 'real'), { recursive: true });
    symlinkSync('real/kept.html', join(place, 'link.html'));
    const linked = await runCli(['report', '--out', join(place, 'link.html'), KMS_DOCS]);
    expect(linked.code).toBe(0);
    expect(lstatSync(join(place, 'link.html')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(place, 'real', 'kept.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
    // Again, over the report it wrote: a report is replaced.
    expect((await runCli(['report', '--out', join(place, 'link.html'), KMS_DOCS])).code).toBe(0);

    // A trail file given as --out by a slip, and a pipe: refused before anything is read, left as they were.
    const trail = join(place, 'evidence.json');
    copyFileSync(KMS_DOCS, trail);
    const fifo = join(place, 'pipe');
    execFileSync('mkfifo', [fifo]);
    for (const [out, why] of [
      [trail, 'exists and is not an HTML report'],
      [fifo, 'is not a regular file'],
    ]) {
      const refused = await runCli(['report', '--out', out, KMS_DOCS]);
      expect(refused.code, out).toBe(2);
      expect(stderrLines(refused.stderr), out).toEqual([expect.stringContaining(`option --out: '${out}' ${why}`)]);
    }
    expect(readFileSync(trail)).toEqual(readFileSync(KMS_DOCS));
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(place).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('SIGTERM or SIGHUP mid-run (timeout, kill, a closed terminal): the previous report stays, no partial file is left', async () => {
    const place = join(dir, 'signalled');
    mkdirSync(place, { recursive: true });
    const out = join(place, 'r.html');
    writeFileSync(out, '<!DOCTYPE html>\n<p>the previous report</p>\n');
    for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
      // Standard input held open: the run waits for more when the signal comes.
      const child = spawn(process.execPath, [BIN, 'report', '--out', out, '-'], { stdio: ['pipe', 'ignore', 'ignore'] });
      child.stdin.write(readFileSync(KMS_DOCS));
      // Started (its partial file is there, so its handlers are set), however loaded the machine.
      const deadline = Date.now() + 15_000;
      while (!readdirSync(place).some((f) => f.endsWith('.partial')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(readdirSync(place).some((f) => f.endsWith('.partial')), signal).toBe(true);
      child.kill(signal);
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect(code, signal).toBe(signal === 'SIGTERM' ? 143 : 129);
      expect(readFileSync(out, 'utf8'), signal).toContain('the previous report');
      expect(readdirSync(place), signal).toEqual(['r.html']);
    }
  });

  it('bad inputs: the report of what could be read, exit 1, each fault told once, as summary tells it', async () => {
    const inputs = [join(BAD, 'truncated.json'), join(BAD, 'garbage.jsonl'), KMS_DOCS];
    const [{ out, result }, summary] = await Promise.all([report('bad', inputs), runCli(['summary', '--format', 'json', ...inputs])]);
    expect(result.code).toBe(1);
    expect(summary.code).toBe(1);
    expect(stderrLines(result.stderr)).toEqual(stderrLines(summary.stderr));
    expect(stderrLines(result.stderr)).toHaveLength(2);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(`data-metric="records" data-value="${(JSON.parse(summary.stdout) as Summary).records}"`);
    // A report handed over says that its input was damaged, with the lines the run told.
    expect(html).toContain('data-metric="input-problems" data-value="2"');
    const text = html.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    for (const line of stderrLines(result.stderr)) expect(text).toContain(line.replace(/^kmstrail: /, ''));
    const clean = await report('clean', [KMS_DOCS]);
    expect(clean.result.code).toBe(0);
    expect(readFileSync(clean.out, 'utf8')).not.toContain('input-problems');
  });

  it('from standard input: the report the file gives, timelines and session chains included (the input is kept as read)', async () => {
    const [{ out, result }, fromFile] = await Promise.all([report('stdin', ['-'], readFileSync(KMS_DOCS)), report('stdin-file', [KMS_DOCS])]);
    expect(result.code).toBe(0);
    expect(stderrLines(result.stderr)).toEqual([]);
    const html = readFileSync(out, 'utf8');
    const fileHtml = readFileSync(fromFile.out, 'utf8');
    const timelines = (page: string) => page.split('class="key-timeline"').length - 1;
    expect(timelines(fileHtml)).toBeGreaterThan(0);
    expect(timelines(html)).toBe(timelines(fileHtml));
    expect(html).not.toContain('Not made');
    expect(html).toContain(`data-metric="records" data-value="${(await summaryOf([KMS_DOCS])).records}"`);
  });

  it('replaces an existing report whole, and leaves no partial file', async () => {
    const sub = join(dir, 'replace');
    mkdirSync(sub);
    const out = join(sub, 'r.html');
    // An earlier report (only a report is replaced: see the test of what --out refuses).
    writeFileSync(out, '<!DOCTYPE html>\n<p>old</p>\n');
    const result = await runCli(['report', '--out', out, '--event', 'CreateKey', KMS_DOCS]);
    expect(result.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(readFileSync(out, 'utf8')).not.toContain('<p>old</p>');
    expect(readdirSync(sub)).toEqual(['r.html']);
  });
});
