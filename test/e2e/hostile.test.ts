/**
 * Hostile inputs too big to keep in test/fixtures/bad/: a 50 MB record (a huge policy string),
 * 10,000-deep nesting, and Ctrl-C during a run. Made in a temp dir by the test itself.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTrail } from '../helpers/big-trails.js';
import { jq } from '../helpers/e2e.js';
import { BIN, FIXTURES, ROOT, jsonLines, runCli } from '../helpers/run-cli.js';

let dir: string;
const kms = { eventSource: 'kms.amazonaws.com', eventTime: '2024-03-01T00:00:00Z' };
const POLICY_LENGTH = 50 * 1024 * 1024;
let hugePath: string | undefined;

/** A trail whose first record holds a 50 MB policy, then a small record; written once per run. */
function hugeTrail(): string {
  if (hugePath) return hugePath;
  const policy = 'x'.repeat(POLICY_LENGTH);
  hugePath = join(dir, 'huge.json');
  writeFileSync(hugePath, JSON.stringify({ Records: [{ ...kms, eventName: 'PutKeyPolicy', requestParameters: { policy } }, { ...kms, eventName: 'Decrypt' }] }));
  return hugePath;
}

/** GNU time, which reports a command's peak resident memory (%M, in KB); undefined when absent. */
function gnuTime(): string | undefined {
  const time = '/usr/bin/time';
  if (!existsSync(time)) return undefined;
  const probe = spawnSync(time, ['-f', '%M', 'true'], { encoding: 'utf8' });
  return probe.status === 0 && /^\d+$/m.test(probe.stderr) ? time : undefined;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kmstrail-hostile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hostile inputs', () => {
  // Past what a JavaScript string holds, a record cannot be read: it was an 'internal error' that
  // ended the run, and the record after it and every input after that were lost.
  it('a record of 600 MiB: one line naming the file, and the record after it is lost, but the next input is read; exit 1', async () => {
    const path = join(dir, 'huge600.json');
    const head = (n: number, id: string) => `{"eventVersion":"1.08","eventSource":"kms.amazonaws.com","eventName":"Decrypt","eventTime":"2024-03-01T00:00:0${n}Z","eventID":"${id}"`;
    const chunk = Buffer.alloc(1 << 20, 'A');
    const fd = openSync(path, 'w');
    writeSync(fd, `{"Records":[${head(0, 'small-1')}},${head(1, 'huge')},"userAgent":"`);
    for (let k = 0; k < 600; k++) writeSync(fd, chunk);
    writeSync(fd, `"},${head(2, 'small-2')}}]}`);
    closeSync(fd);
    const next = join(dir, 'next.json');
    writeFileSync(next, JSON.stringify({ Records: [{ ...kms, eventName: 'CreateKey', eventID: 'next-1' }] }));
    try {
      for (const jobs of ['1', '2']) {
        const run = await runCli(['filter', '--all-sources', '-f', 'jsonl', '--jobs', jobs, path, next]);
        expect(run.stderr, `--jobs ${jobs}`).toBe(`kmstrail: ${path}: a record too big to read (over 512 MiB of text); the rest of this input is not read\n`);
        expect(run.code).toBe(1);
        const ids = (jsonLines(run.stdout) as Array<{ eventID: string }>).map((r) => r.eventID);
        expect(ids, `--jobs ${jobs}`).toEqual(['small-1', 'next-1']);
      }
    } finally {
      rmSync(path, { force: true });
    }
  }, 120_000);

  it('a 50 MB record is read whole, and the record after it too', async () => {
    const path = hugeTrail();
    const run = await runCli(['filter', '-f', 'jsonl', path]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const records = jsonLines(run.stdout) as Array<{ eventName: string; requestParameters?: { policy: string } }>;
    expect(records.map((r) => r.eventName)).toEqual(['PutKeyPolicy', 'Decrypt']);
    expect(records[0].requestParameters?.policy.length).toBe(POLICY_LENGTH);
    // Ruled out by its event name, the big record is skipped without a word.
    const decrypts = await runCli(['filter', '-f', 'jsonl', '--event', 'Decrypt', path]);
    expect((jsonLines(decrypts.stdout) as Array<{ eventName: string }>).map((r) => r.eventName)).toEqual(['Decrypt']);
  });

  // Peak RSS, measured from outside: it counts Buffers and other memory outside the V8 heap, which
  // --max-old-space-size would not. Each way in and out has its own buffers, so each is tried once.
  // The record matches, so it is decoded, parsed and printed; the limit is 4 times its size.
  it.for([
    ['jsonl', 'a file, output to a pipe'],
    ['table', 'a file, output to a file'],
    ['json', 'a gzipped file'],
    ['csv', 'stdin'],
  ] as const)('a matching 50 MB record, -f %s, read from %s: peak memory under 200 MB', async ([format, how], ctx) => {
    const time = gnuTime();
    if (!time) ctx.skip('needs GNU time at /usr/bin/time (-f %M) to measure peak memory');
    let input = hugeTrail();
    if (how === 'a gzipped file') {
      input = join(dir, 'huge.json.gz');
      if (!existsSync(input)) writeFileSync(input, gzipSync(readFileSync(hugeTrail())));
    }
    const report = join(dir, `time-${format}.txt`);
    const output = how === 'a file, output to a file' ? join(dir, `out-${format}.txt`) : undefined;
    const command = `"${time}" -f %M -o "${report}" "${process.execPath}" "${BIN}" filter -f ${format} ${how === 'stdin' ? '-' : `"${input}"`}`;
    const child = spawn('bash', ['-c', output ? `${command} > "${output}"` : command], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let printed = 0;
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (printed += c.length));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    if (how === 'stdin') createReadStream(input).pipe(child.stdin);
    else child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // The record was printed in full (or, as a table or csv, its row was).
    if (format === 'jsonl') expect(printed).toBeGreaterThan(POLICY_LENGTH);
    else if (output) expect(readFileSync(output, 'utf8')).toContain('PutKeyPolicy');
    else expect(printed).toBeGreaterThan(0);
    // %M is in kilobytes; 200 MB read the way the limit was set: 200,000 of them.
    const peakKb = Number(readFileSync(report, 'utf8').trim().split('\n').pop());
    expect(peakKb, `peak RSS ${peakKb} KB`).toBeLessThan(200_000);
  });

  it('a huge record handed back while a file too big for its batch waits to be read again: each read once', async () => {
    // Files in folders go out in batches (their sizes unknown); a big .gz comes back too big for
    // one and waits to be read alone; then a worker meets a 6 MiB record and every worker ends.
    // The waiting file was queued twice then, and its records came out twice with --jobs 2.
    const x = join(dir, 'requeue-x');
    const y = join(dir, 'requeue-y');
    mkdirSync(x);
    mkdirSync(y);
    const docs = join(FIXTURES, 'records', 'kms-docs.json');
    generateTrail(join(x, 'b-source.json'), 20, 11);
    const text = readFileSync(join(x, 'b-source.json'), 'utf8');
    rmSync(join(x, 'b-source.json'));
    const middle = text.indexOf('},{', text.length >> 1) + 2;
    const huge = JSON.stringify({ ...kms, eventName: 'Decrypt', eventID: 'huge-1', requestParameters: { blob: 'x'.repeat(6 << 20) } });
    writeFileSync(join(x, 'a.json'), readFileSync(docs));
    writeFileSync(join(x, 'b.json'), `${text.slice(0, middle)}${huge},${text.slice(middle)}`);
    generateTrail(join(x, 'c.json'), 20, 12);
    generateTrail(join(y, 'm.json'), 20, 13);
    writeFileSync(join(y, 'm.json.gz'), gzipSync(readFileSync(join(y, 'm.json'))));
    rmSync(join(y, 'm.json'));
    writeFileSync(join(y, 'a.json'), readFileSync(docs));
    const expected = (jq('[inputs | .Records | length] | add', { files: [join(x, 'a.json'), join(x, 'b.json'), join(x, 'c.json'), join(y, 'a.json')] }, ['-n']) as number[])[0] +
      (JSON.parse(gunzipSync(readFileSync(join(y, 'm.json.gz'))).toString('utf8')) as { Records: unknown[] }).Records.length;
    // One after the other: run side by side, the timing that queued the file twice was not met.
    const runs = [];
    for (const jobs of ['1', '2', '3']) runs.push(await runCli(['filter', '--all-sources', '--keep-duplicates', '--jobs', jobs, x, y]));
    for (const [k, run] of runs.entries()) {
      expect(run.stderr, `--jobs ${k + 1}`).toBe('');
      expect(run.stdout.split('\n').length - 1, `--jobs ${k + 1}`).toBe(expected);
      expect(run.stdout === runs[0].stdout, `--jobs ${k + 1} prints what --jobs 1 does`).toBe(true);
    }
  });

  it('a 50 MB record among good files: every file fully read, in order, one core or two', async () => {
    const good = join(dir, 'good.json');
    if (!existsSync(good)) generateTrail(good, 8, 5);
    const docs = join(FIXTURES, 'records', 'kms-docs.json');
    const names = (file: string) => (file === hugeTrail() ? ['PutKeyPolicy', 'Decrypt'] : (jq('.Records[].eventName', { file }) as string[]));
    // With two jobs the worker that meets the huge record hands the rest of its file back, and
    // the files read meanwhile by other workers are read again after it.
    for (const paths of [
      [good, hugeTrail(), docs],
      [hugeTrail(), good, docs, good],
    ]) {
      // `good` is given twice: its copies are kept, the point being that every file is read whole.
      const [one, two] = await Promise.all(['1', '2'].map((jobs) => runCli(['filter', '--all-sources', '--keep-duplicates', '-f', 'jsonl', '--stats', '--jobs', jobs, ...paths])));
      const counts = (stderr: string) => /stats: (.*) records read, (.*) matched/.exec(stderr)?.slice(1);
      expect(counts(two.stderr)).toEqual(counts(one.stderr));
      expect(two.stderr.split('\n').filter((l) => l && !l.includes('stats:'))).toEqual([]);
      expect(two.stdout).toBe(one.stdout);
      expect(jsonLines(two.stdout).map((r) => (r as { eventName: string }).eventName)).toEqual(paths.flatMap(names));
    }
  });

  it('a huge record after many ordinary ones, one core: peak memory still under 200 MB', async (ctx) => {
    const time = gnuTime();
    if (!time) ctx.skip('needs GNU time at /usr/bin/time (-f %M) to measure peak memory');
    const good = join(dir, 'good.json');
    if (!existsSync(good)) generateTrail(good, 8, 5);
    const result = spawnSync(time, ['-f', '%M', process.execPath, BIN, 'filter', '-f', 'table', '--jobs', '1', hugeTrail(), good], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    expect(result.status).toBe(0);
    const peakKb = Number(result.stderr.trim().split('\n').pop());
    expect(peakKb, `peak RSS ${peakKb} KB`).toBeLessThan(200_000);
  });

  it('records over 1 MiB come out byte for byte, though written in pieces', async () => {
    // Pieces are cut at fixed lengths: these strings put a surrogate pair astride a cut (the two
    // records differ by one character in front), next to characters JSON must escape.
    const mix = '😀"\\\n\u0001é€\ud800x';
    const records = ['a', ''].flatMap((shift) => [
      { ...kms, eventName: `One${shift}`, requestParameters: { policy: shift + '😀'.repeat(1_600_000) } },
      { ...kms, eventName: `Mix${shift}`, requestParameters: { policy: shift + mix.repeat(150_000), list: [shift + mix.repeat(9000), 1.5e300, -0, null] } },
    ]);
    const expected = records.map((r) => JSON.stringify(r));
    for (const [name, text] of [
      ['one line', JSON.stringify({ Records: records })],
      ['pretty-printed', JSON.stringify({ Records: records }, null, 2)],
    ]) {
      const path = join(dir, `pieces-${name.replace(/\W/g, '')}.json`);
      writeFileSync(path, text);
      for (const format of ['jsonl', 'json']) {
        const run = await runCli(['filter', '-f', format, path]);
        expect(run.stderr, `${name} ${format}`).toBe('');
        // json is "[\n" record ",\n" record ... "\n]\n", one record a line.
        const lines = format === 'jsonl' ? run.stdout.split('\n').slice(0, -1) : run.stdout.split('\n').slice(1, -2).map((l) => l.replace(/,$/, ''));
        expect(lines.length, `${name} ${format}`).toBe(expected.length);
        // Not toEqual on the whole: a diff of 6 MB strings would drown the report.
        lines.forEach((line, i) => expect(line === expected[i], `${name} ${format}, record ${i}`).toBe(true));
      }
    }
  });

  it.each([
    ['on one line', ''],
    ['pretty-printed', '\n'],
  ])('10,000-deep nesting %s: no crash, both records out', async (_name, newline) => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const path = join(dir, `deep${newline ? '-pretty' : ''}.json`);
    const first = `{"eventSource":"kms.amazonaws.com","eventName":"X","deep":${deep}${newline}}`;
    writeFileSync(path, `{"Records":[${newline}${first},{"eventSource":"kms.amazonaws.com","eventName":"Y"}]}`);
    for (const format of ['jsonl', 'table', 'csv']) {
      const run = await runCli(['filter', '-f', format, path]);
      expect(run.stderr, format).toBe('');
      expect(run.code, format).toBe(0);
      expect(run.stdout, format).toContain('Y');
    }
    const run = await runCli(['filter', '-f', 'jsonl', path]);
    const names = run.stdout.trim().split('\n').map((line) => /"eventName":\s*"(\w)"/.exec(line)?.[1]);
    expect(names).toEqual(['X', 'Y']);
  });

  it('10,000-deep nesting through either reader and every command, Sigma rules walking it too', async () => {
    const deep = `${'['.repeat(10_000)}"needle-deep"${']'.repeat(10_000)}`;
    const path = join(dir, 'deep-sigma.json');
    // Objects in arrays too, where a digest or a rule reads: the encryption context, the session context.
    const objects = `${'[{"a":'.repeat(10_000)}1${'}]'.repeat(10_000)}`;
    const key = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const x =
      `{"eventSource":"kms.amazonaws.com","eventTime":"2024-03-01T00:00:00Z","eventName":"Decrypt","eventID":"X",` +
      `"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/R/s","accessKeyId":"ASIAEXAMPLE","sessionContext":{"x":${objects}}},` +
      `"requestParameters":{"keyId":"${key}","deep":${deep},"encryptionContext":{"x":${objects}}}}`;
    writeFileSync(path, `{"Records":[${x},${JSON.stringify({ ...kms, eventName: 'Encrypt', eventID: 'Y' })}]}`);
    const rules = join(dir, 'deep-rules');
    mkdirSync(rules);
    const rule = (id: string, detection: string) =>
      `title: deep ${id}\nid: 00000000-0000-4000-8000-00000000000${id}\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n${detection}\nlevel: low\n`;
    writeFileSync(join(rules, 'keyword.yml'), rule('1', '  k: [needle-deep]\n  condition: k'));
    writeFileSync(join(rules, 'field.yml'), rule('2', '  s:\n    requestParameters.deep|contains: needle\n  condition: s'));
    writeFileSync(join(rules, 'null.yml'), rule('3', '  s:\n    requestParameters.deep: null\n  condition: s'));
    const outputs: string[] = [];
    for (const reader of ['fast', 'stream-json']) {
      const filter = await runCli(['filter', '--reader', reader, path]);
      expect(filter.stderr, reader).toBe('');
      expect(jsonLines(filter.stdout).map((r) => (r as { eventID: string }).eventID), reader).toEqual(['X', 'Y']);
      outputs.push(filter.stdout);
      const detect = await runCli(['detect', '--reader', reader, '--no-builtin', '--sigma', rules, '-f', 'jsonl', path]);
      expect(detect.stderr, reader).toBe('');
      const hits = (jsonLines(detect.stdout) as Array<{ rule: string; eventID: string }>).map((h) => `${h.rule.slice(-1)} ${h.eventID}`);
      expect(hits.sort(), reader).toEqual(['1 X', '2 X', '3 Y']);
      const commands = [
        ['summary', '-f', 'json'],
        ['keys', '-f', 'json'],
        ['trace', '-f', 'json'],
        ['timeline', '--key', key, '-f', 'json'],
        ['timeline', '--key', key, '-f', 'table'],
        ['detect', '-f', 'jsonl'],
        ['report', '--out', join(dir, `deep-${reader}.html`)],
      ];
      for (const [command, ...args] of commands) {
        const run = await runCli([command, '--reader', reader, ...args, path]);
        expect(run.stderr, `${command} ${args.join(' ')} ${reader}`).toBe('');
        expect(run.code, `${command} ${args.join(' ')} ${reader}`).toBe(0);
        if (command === 'timeline' && args.includes('json')) expect((JSON.parse(run.stdout) as Array<{ eventID: string }>).map((e) => e.eventID)).toEqual(['X']);
      }
    }
    // The same bytes out of both readers: the record written again without recursion is the one read.
    expect(outputs[1]).toBe(outputs[0]);
  });

  it('a malformed record nested 20,000 deep: one line naming the file and byte, the records on both sides and the other files read', async () => {
    const folder = join(dir, 'deep-broken');
    mkdirSync(folder);
    const record = (name: string) => JSON.stringify({ ...kms, eventName: name, eventID: name });
    writeFileSync(join(folder, 'a.json'), JSON.stringify({ Records: [JSON.parse(record('A'))] }));
    // A value opened 20,000 times and never closed, then the array ends: not JSON.
    const broken = `{"Records":[${record('B')},{"deep":${'{"a":'.repeat(20_000)}]},${record('C')}]}`;
    writeFileSync(join(folder, 'b.json'), broken);
    writeFileSync(join(folder, 'c.json'), JSON.stringify({ Records: [JSON.parse(record('D'))] }));
    for (const command of ['filter', 'summary', 'trace']) {
      const run = await runCli([command, '-f', command === 'summary' ? 'json' : 'jsonl', folder]);
      const lines = run.stderr.split('\n').filter((l) => l !== '');
      expect(lines, command).toHaveLength(1);
      expect(lines[0], command).toMatch(/^kmstrail: .*b\.json:1: a record that began at byte \d+ is malformed/);
      expect(run.stderr, command).not.toMatch(/internal error|call stack/);
      expect(run.code, command).toBe(1);
      if (command === 'filter') expect(jsonLines(run.stdout).map((r) => (r as { eventID: string }).eventID)).toEqual(['A', 'B', 'C', 'D']);
      if (command === 'summary') expect((JSON.parse(run.stdout) as { records: number }).records).toBe(4);
    }
  });

  it('Ctrl-C during a run ends it with one line and exit code 130', async () => {
    const child = spawn(process.execPath, [BIN, 'filter', '-f', 'jsonl', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.write(`${JSON.stringify({ ...kms, eventName: 'Decrypt' })}\n`);
    // stdin stays open: the run is waiting for more when the interrupt comes.
    await new Promise((resolve) => setTimeout(resolve, 700));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stderr.trim()).toBe('kmstrail: interrupted');
  });
});

// Visibly skipped where the machine has no /dev/full, rather than passing without checking.
describe.skipIf(!existsSync('/dev/full'))('output that cannot be written', () => {
  const DOCS = 'test/fixtures/records/kms-docs.json';
  it.each([
    ['filter', ['filter', '--all-sources', '-f', 'jsonl', DOCS]],
    ['summary', ['summary', '-f', 'json', DOCS]],
    ['keys', ['keys', '-f', 'json', DOCS]],
    ['timeline', ['timeline', '--user', '*', '-f', 'jsonl', DOCS]],
    ['detect', ['detect', '-f', 'jsonl', DOCS]],
    // Regression guard: sql wrote with process.stdout.write and exited 0 on a full disk.
    ['sql', ['sql', '--engine', 'athena', '--event', 'Decrypt']],
  ])('%s: a full disk (/dev/full) is one line on stderr and exit code 1', (_name, args) => {
    const result = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" ${args.map((a) => `'${a}'`).join(' ')} > /dev/full`], {
      encoding: 'utf8',
      cwd: ROOT,
    });
    expect(result.stderr).toBe('kmstrail: cannot write output: no space left on device\n');
    expect(result.status).toBe(1);
  });
});
