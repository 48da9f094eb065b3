/**
 * The analyst's screen: every command's table in a real terminal (a tmux pane of 80 and of 200
 * columns running the built binary on real trails) fits the terminal, has one header however long
 * the output, and still holds the values jq finds. Without tmux these tests cannot run, and the
 * first one fails to say so: they never pass unseen.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BAD, jq, JQ_FIRST_COPIES, KMS_DOCS } from '../helpers/e2e.js';
import { BIN, jsonLines, runCli, SHARED } from '../helpers/run-cli.js';
import { cells, HAVE_TMUX, inTmux, type PaneResult } from '../helpers/tmux.js';

const TREES = join(SHARED, 'samples', 'trees');
const INVICTUS = join(TREES, 'invictus-ir');
const SANS = join(TREES, 'SANS-504-S3-ransomware-lab');
const SIGMA = join(SHARED, 'sigma', 'rules');
const WIDTHS = [80, 200] as const;

/** The records of invictus-ir in the order kmstrail reads them (file names sorted), copies dropped. */
function invictus(program: string): unknown[] {
  const files = readdirSync(INVICTUS).sort().map((f) => join(INVICTUS, f));
  return jq(`${JQ_FIRST_COPIES} [inputs | .Records[]] | firstcopies | ${program}`, { files }, ['-n']);
}

/** The rows of the box tables on the screen: the cells between │, trimmed. */
const rows = (lines: readonly string[]) => lines.filter((l) => l.startsWith('│')).map((l) => l.slice(1, -1).split('│').map((c) => c.trim()));

/** Runs at both widths at once (two tmux servers). */
async function atBothWidths(args: string[]): Promise<Record<number, PaneResult>> {
  const [narrow, wide] = await Promise.all(WIDTHS.map((w) => inTmux(args, w)));
  return { [WIDTHS[0]]: narrow, [WIDTHS[1]]: wide };
}

function expectFits(result: PaneResult, width: number): void {
  expect(result.code).toBe(0);
  expect(result.lines.filter((l) => l.startsWith('│')).length).toBeGreaterThan(2);
  const over = result.lines.filter((l) => cells(l) > width);
  expect(over, `lines longer than ${width} columns`).toEqual([]);
}

describe('tmux', () => {
  it('is installed (the screen tests need it: apt-get install -y tmux)', () => {
    expect(HAVE_TMUX).toBe(true);
  });
});

describe.runIf(HAVE_TMUX)('tables on a real terminal, 80 and 200 columns', () => {
  it('the pane capture shows a line longer than the terminal as one line (so the checks below can fail)', async () => {
    const { lines } = await inTmux({ shell: `printf '%0300d\\n' 7` }, 80);
    expect(lines.map(cells)).toContain(300);
  });

  it('filter: one line per record, one header for 2,900 records, columns left out at 80 and named, all at 200', async () => {
    const screens = await atBothWidths(['filter', '--all-sources', INVICTUS]);
    const events = invictus('.eventName') as string[];
    expect(events.length).toBeGreaterThan(500);
    for (const width of WIDTHS) {
      const screen = screens[width];
      expectFits(screen, width);
      const [header, ...data] = rows(screen.lines);
      expect(screen.lines.filter((l) => l.startsWith('┌'))).toHaveLength(1);
      expect(data.filter((r) => r[0] === header[0])).toEqual([]);
      expect(header[0]).toBe('time (UTC)');
      // Each record's event, whole or cut with … to fit, in input order.
      const shown = data.map((r) => r[header.indexOf('event')]);
      expect(shown).toHaveLength(events.length);
      shown.forEach((cell, i) => {
        if (cell !== events[i]) expect(cell.endsWith('…') && events[i].startsWith(cell.slice(0, -1)), `${cell} for ${events[i]}`).toBe(true);
      });
    }
    expect(rows(screens[200].lines)[0]).toEqual(['time (UTC)', 'event', 'principal', 'key', 'region', 'source IP', 'error']);
    // At 80, what is not shown is named; the key column, blank in most of these records (240 of
    // 2,900 are KMS's), leaves first.
    const narrow = rows(screens[80].lines)[0];
    expect(narrow.length).toBeLessThan(7);
    const note = screens[80].lines.join(' ').match(/not shown, to fit 80 columns: (.*) \(--wide/)?.[1] ?? '';
    expect(note.replace(/ \(in [\d,]+ of [\d,]+ rows\)/g, '').split(/,\s*/).sort()).toEqual(['principal', 'key', 'region', 'source IP', 'error'].filter((c) => !narrow.includes(c)).sort());
    expect(note).toContain('key');
  });

  it('filter --wide: every column, whatever the terminal', async () => {
    const screen = await inTmux(['filter', '--all-sources', '--wide', '--event', 'GetBucketAcl', INVICTUS], 80);
    expect(rows(screen.lines)[0]).toEqual(['time (UTC)', 'event', 'principal', 'key', 'region', 'source IP', 'error']);
    expect(screen.lines.some((l) => cells(l) > 80)).toBe(true);
  });

  it('summary: every table fits; the counts are jq\'s', async () => {
    const screens = await atBothWidths(['summary', '--all-sources', '--by', 'role', INVICTUS]);
    const total = invictus('1').length;
    for (const width of WIDTHS) {
      expectFits(screens[width], width);
      expect(screens[width].lines.join('\n')).toContain(`matched ${total.toLocaleString('en-US')}`);
    }
  });

  it('keys: the inventory fits, each key ID whole, on the SANS tree and invictus-ir', async () => {
    const screens = await atBothWidths(['keys', SANS, INVICTUS]);
    const ids = jq('[.. | objects | .ARN? // empty | strings | select(test(":kms:.*:key/")) | sub(".*:key/"; "")] | unique | .[]', {
      files: readdirSync(INVICTUS).map((f) => join(INVICTUS, f)),
    }) as string[];
    expect(ids.length).toBeGreaterThan(0);
    for (const width of WIDTHS) {
      expectFits(screens[width], width);
      const keyCells = rows(screens[width].lines).map((r) => r[0]);
      for (const id of ids) expect(keyCells).toContain(id);
    }
  });

  it('timeline: each event once, in time order, fitting', async () => {
    const screens = await atBothWidths(['timeline', '--user', 'bert-jan', INVICTUS]);
    const times = (invictus('select(.eventSource == "kms.amazonaws.com" and .userIdentity.userName == "bert-jan") | .eventTime') as string[])
      .map((t) => t.replace('T', ' '))
      .sort();
    for (const width of WIDTHS) {
      expectFits(screens[width], width);
      const shown = rows(screens[width].lines).slice(1).map((r) => r[0]).filter((c) => c !== '');
      expect(shown).toEqual(times);
    }
  });

  it('timeline: a failed call keeps its error code at 80 columns (under the action when the outcome column leaves)', async () => {
    const key = '0987dcba-09fe-87dc-65ba-ab0987654321';
    const failures = jq(`.Records[] | select(.errorCode and (tostring | contains("${key}"))) | .errorCode`, { files: [KMS_DOCS] }) as string[];
    expect(failures.length).toBeGreaterThan(0);
    const screens = await atBothWidths(['timeline', '--key', key, '--no-color', KMS_DOCS]);
    for (const width of WIDTHS) {
      expectFits(screens[width], width);
      const [header, ...data] = rows(screens[width].lines);
      // A cell's lines joined up (a wrapped code comes back whole), column by column.
      const column = (name: string) => data.map((r) => r[header.indexOf(name)]).join('');
      const codes = header.includes('outcome') ? column('outcome') : column('action');
      for (const code of failures) expect(codes, `${code} at ${width}`).toContain(header.includes('outcome') ? code : `outcome:${code}`);
    }
    expect(rows(screens[200].lines)[0]).toContain('outcome');
    expect(screens[80].lines.join(' ')).toMatch(/outcome under action where not ok/);
  });

  it('timeline at 80 columns: a key\'s story a few lines an event, event names whole, and says what it cut', async () => {
    const args = ['timeline', '--key', 'alias/cloudwatchkms', '--until', '2021-07-30T00:10', SANS];
    const entries = jsonLines((await runCli([...args, '--format', 'jsonl'])).stdout) as Array<{ eventName: string }>;
    expect(entries.length).toBeGreaterThan(10);
    const screen = await inTmux(args, 80);
    expectFits(screen, 80);
    const [header, ...data] = rows(screen.lines);
    // One event: its first line (the time) and the lines under it.
    const events: string[][][] = [];
    for (const r of data) (r[0] !== '' ? events.push([r]) : events.at(-1)!.push(r));
    expect(events).toHaveLength(entries.length);
    expect(Math.max(...events.map((e) => e.length))).toBeLessThanOrEqual(4);
    expect(events.map((e) => e[0][header.indexOf('action')])).toEqual(entries.map((e) => e.eventName));
    expect(screen.lines.join(' ').replace(/\s+/g, ' ')).toMatch(/details cut to 4 lines in \d+ of \d+ rows/);
    // With a zoned time (6 columns wider) the actor still stays: who did it is what a key's story is for.
    const zoned = await inTmux([...args.slice(0, -1), '--tz', 'Europe/Paris', '--until', '2021-07-30T02:10', SANS], 80);
    expectFits(zoned, 80);
    expect(rows(zoned.lines)[0]).toEqual(['time (Europe/Paris)', 'actor', 'action', 'details']);
  });

  it('detect: its table fits through the shared table', async () => {
    const screens = await atBothWidths(['detect', INVICTUS]);
    for (const width of WIDTHS) expectFits(screens[width], width);
  });

  it('detect --sigma: the rules grouped, each hit count the jsonl count, fitting; and --list-rules', async () => {
    const [screens, lines, listed] = await Promise.all([
      atBothWidths(['detect', '--sigma', SIGMA, INVICTUS]),
      runCli(['detect', '--sigma', SIGMA, '--format', 'jsonl', INVICTUS]),
      atBothWidths(['detect', '--list-rules', '--sigma', SIGMA]),
    ]);
    const perRule = new Map<string, number>();
    for (const hit of jsonLines(lines.stdout) as Array<{ rule: string }>) perRule.set(hit.rule, (perRule.get(hit.rule) ?? 0) + 1);
    expect(perRule.size).toBeGreaterThan(3);
    for (const width of WIDTHS) {
      expectFits(screens[width], width);
      // A rule's first row holds its severity and hit count; its ID may wrap onto the next lines.
      const counted = rows(screens[width].lines).filter((r) => r[0] !== '' && r[0] !== 'severity').map((r) => Number(r[2].replace(/,/g, '')));
      expect(counted.sort((a, b) => a - b)).toEqual([...perRule.values()].sort((a, b) => a - b));
      expectFits({ ...listed[width], code: 0 }, width);
    }
  });

  it('trace and summary (with its origins and activity chart) fit', async () => {
    const [trace, summary] = await Promise.all([
      atBothWidths(['trace', '--all-sources', '--origin', 'bert-jan', INVICTUS]),
      atBothWidths(['summary', '--all-sources', INVICTUS]),
    ]);
    for (const width of WIDTHS) {
      expectFits(trace[width], width);
      expectFits(summary[width], width);
      expect(summary[width].lines.join('\n')).toMatch(/origins \(who is behind the sessions\)/);
      expect(summary[width].lines.join('\n')).toMatch(/activity per \S+ \(UTC\)/);
    }
  });
});

describe.runIf(HAVE_TMUX)('help on a real terminal', () => {
  /** The words of a help screen: what must not change with the width (a word cut in two would). */
  const words = (lines: readonly string[]) =>
    lines
      .join(' ')
      .split(/\s+/)
      .filter((w) => w !== '' && w !== '#' && w !== '\\')
      .sort();

  it('every command\'s --help fits 64 and 80 columns, breaking no word', async () => {
    const commands = ['', 'filter', 'summary', 'keys', 'timeline', 'trace', 'detect', 'report', 'sql', 'completion'];
    for (const command of commands) {
      const args = command === '' ? ['--help'] : [command, '--help'];
      const [narrow, eighty, wide] = await Promise.all([64, 80, 240].map((w) => inTmux(args, w)));
      expect(wide.code).toBe(0);
      expect(wide.lines.length, command).toBeGreaterThan(5);
      // At 240 columns nothing needs fitting: the words as written.
      expect(Math.max(...wide.lines.map(cells)), command).toBeLessThanOrEqual(240);
      for (const [width, screen] of [[64, narrow], [80, eighty]] as const) {
        // Only a word longer than a line (a key ARN in an example) may pass the edge, alone on its line.
        const over = screen.lines.filter((l) => cells(l) > width && l.trim().replace(/ \\$/, '').includes(' '));
        expect(over, `${command} --help at ${width} columns`).toEqual([]);
        expect(words(screen.lines), `${command} --help at ${width} columns`).toEqual(words(wide.lines));
      }
    }
  });
});

describe.runIf(HAVE_TMUX)('messages on a real terminal', () => {
  it('faults and --stats break at spaces to 60 columns, never mid-word; piped, each is one line', async () => {
    const args = ['filter', '--all-sources', '--stats', '-f', 'jsonl', BAD];
    // stdout to /dev/null: the pane shows stderr alone, on the terminal.
    const screen = await inTmux({ shell: `${[process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ')} > /dev/null` }, 60, { KMSTRAIL_WORKERS_AFTER_MS: '0' });
    const piped = await runCli(args);
    expect(screen.code).toBe(piped.code);
    const messages = piped.stderr.split('\n').filter((l) => l !== '');
    expect(messages.length).toBeGreaterThan(10);
    expect(messages.every((l) => l.startsWith('kmstrail: '))).toBe(true);
    // On the terminal: every line fits but a lone long word (a path), further lines indented.
    const over = screen.lines.filter((l) => cells(l) > 60 && l.trim().replace(/^kmstrail: /, '').includes(' '));
    expect(over).toEqual([]);
    expect(screen.lines.filter((l) => l.startsWith('kmstrail: '))).toHaveLength(messages.length);
    expect(screen.lines.every((l) => l.startsWith('kmstrail: ') || l.startsWith('  '))).toBe(true);
    // (The run's seconds in --stats differ from run to run.)
    const words = (lines: readonly string[]) => lines.join(' ').split(/\s+/).filter((w) => w !== '' && !/^\d+\.\d+$/.test(w));
    expect(words(screen.lines)).toEqual(words(messages));
  });
});

describe.runIf(HAVE_TMUX)('progress on a real terminal', () => {
  it('no bar when standard output is a pipe whose reader prints to the same screen', async () => {
    const kmstrail = [process.execPath, BIN, 'filter', '--all-sources', '--jobs', '1', SANS].map((a) => `'${a}'`).join(' ');
    const { lines } = await inTmux({ shell: `${kmstrail} | head -c 300; echo` }, 80);
    expect(lines[0]?.startsWith('{"eventVersion"'), lines.join('\n')).toBe(true);
    expect(lines.filter((l) => l.includes('matched'))).toEqual([]);
  });
});
