/**
 * The report page from the report's own sinks, fed real records and a hostile one: no value from
 * the logs becomes markup, the sections are there (origins only when given), and the page loads
 * nothing. The browser end of this is test/e2e/report.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { formatInstant, timeZoneNamed, UTC } from '../../../../src/util/time-zone.js';
import type { JsonObject } from '../../../../src/cloudtrail/record.js';
import { RULES } from '../../../../src/rules/catalog.js';
import { DEFAULT_SETTINGS } from '../../../../src/rules/rule.js';
import type { TrailRecord } from '../../../../src/reader/trail-record.js';
import { KeyTimelineCollector, keysWithDestructiveEvents, ReportCollector } from '../../../../src/sinks/report/report-collector.js';
import type { ReportModel } from '../../../../src/sinks/report/report-model.js';
import { renderReport } from '../../../../src/sinks/report/render-report.js';
import { derive, K, loadRecords, pick } from '../../fixtures.js';

/** The page with every quoted attribute value emptied: what is left of a tag is its names. */
const tags = (page: string) => page.replace(/"[^"]*"/g, '""');

const PAYLOAD = `<script>document.title='pwned'</script><img src=x onerror=alert(1)>`;

/** A ScheduleKeyDeletion of the AWS guide with the payload wherever the report shows a log value. */
function hostile(): JsonObject {
  const base = pick(K, { eventName: 'ScheduleKeyDeletion', nth: 0 });
  const identity = base.userIdentity as JsonObject;
  return derive(base, {
    eventID: 'hostile-0000',
    userAgent: PAYLOAD,
    sourceIPAddress: PAYLOAD,
    userIdentity: { ...identity, arn: `arn:aws:iam::111122223333:user/${PAYLOAD}`, userName: PAYLOAD },
    requestParameters: { ...(base.requestParameters as JsonObject), pendingWindowInDays: PAYLOAD },
    errorCode: undefined,
  });
}

function model(records: JsonObject[], extra: Partial<ReportModel> = {}): ReportModel {
  const trail = (record: JsonObject, i: number): TrailRecord => ({ record, raw: undefined, file: 'f.json', offset: 0, line: i + 1 });
  const collector = new ReportCollector({ top: 10, rules: { builtin: [...RULES], sigma: [] }, ruleSettings: DEFAULT_SETTINGS });
  records.forEach((r, i) => collector.write(trail(r, i)));
  collector.end({ files: 1, recordsRead: records.length, duplicates: 0 });
  const first = collector.result();
  const keys = keysWithDestructiveEvents(first.inventory);
  const second = new KeyTimelineCollector(keys);
  records.forEach((r, i) => second.write(trail(r, i)));
  return {
    title: `report ${PAYLOAD}`,
    generatedAt: '2024-03-01T00:00:00Z',
    command: `kmstrail report --title '${PAYLOAD}'`,
    input: first.input,
    top: 10,
    summary: first.summary,
    userAgents: first.userAgents,
    keys: { inventory: first.inventory, shown: 1000 },
    detections: first.detections,
    timelines: { keys: second.result(), more: 0 },
    warnings: [PAYLOAD],
    // A file name is the file system's: markup in it stays text too.
    inputProblems: { lines: [`logs/${PAYLOAD}.json:3: unexpected end of data (truncated file?) (byte 9)`], total: 1 },
    ...extra,
  };
}

describe('renderReport', () => {
  const records = [...loadRecords(K).filter((r) => r.eventSource === 'kms.amazonaws.com'), hostile()];
  const page = renderReport(model(records));

  it('no value from the logs becomes markup: no script, no image, the payload shown as text', () => {
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    // No tag of the page has an event handler (attribute values, all quoted, set aside).
    expect(tags(page)).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i);
    const shown = '&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;';
    // user agent, source IP, principal, timeline details, detection reason, title, command, warning, input problem
    expect(page.split(shown).length - 1).toBeGreaterThanOrEqual(9);
  });

  it("a top table's value longer than 2,000 characters is cut, with how much was left out: the logs' text sets no page size", () => {
    const agent = `curl/${'x'.repeat(2_000_000)}`;
    const long = renderReport(model([...records, derive(records[0], { eventID: 'long-agent', userAgent: agent })]));
    expect(long.length).toBeLessThan(page.length + 10_000);
    expect(long).toContain(`curl/${'x'.repeat(1995)}… (1,998,005 more characters)`);
  });

  it('loads nothing: no src, no href but to its own sections, a policy that forbids the rest', () => {
    expect(tags(page)).not.toMatch(/<[a-z][^>]*\s(src|srcset|data|action|background|poster)=/i);
    expect([...page.matchAll(/href="([^"]*)"/g)].map((m) => m[1]).every((h) => h.startsWith('#'))).toBe(true);
    expect(page).not.toMatch(/url\(/i);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"`);
  });

  it('shows every time on the clock --tz names, and says which', () => {
    const paris = timeZoneNamed('Europe/Paris')!;
    const inParis = renderReport(model(records, { zone: paris }));
    expect(page).toContain('<th>time (UTC)</th>');
    expect(inParis).not.toMatch(/\(UTC\)|>UTC,/);
    expect(inParis).toContain('<th>time (Europe/Paris)</th>');
    // The first record's time, as UTC and as Paris shows it (an hour or two later, offset written).
    const first = records.map((r) => String(r.eventTime)).sort()[0];
    const ms = Date.parse(first);
    expect(page).toContain(formatInstant(ms, UTC, ' '));
    expect(inParis).toContain(formatInstant(ms, paris, ' '));
    expect(formatInstant(ms, paris, ' ')).toMatch(/\+0[12]:00$/);
  });

  it('has every section, and the origins only when given', () => {
    for (const id of ['summary', 'activity', 'principals', 'events', 'keys', 'detections', 'destructive', 'timelines']) expect(page).toContain(`<section id="${id}">`);
    expect(page).not.toContain('id="origins"');
    const withOrigins = renderReport(
      model(records, { origins: { rows: [{ origin: 'arn:aws:iam::111122223333:user/alice', chain: `alice → Admin → ${PAYLOAD}`, records: 3 }], distinct: 1, other: 0 } }),
    );
    expect(withOrigins).toContain('<section id="origins">');
    expect(withOrigins).toContain('<td class="v">alice → Admin → &lt;script&gt;');
    expect(withOrigins).toContain('<td class="num" data-count="3">3</td>');
    expect(withOrigins).not.toMatch(/<script/i);
  });

  it('a key timeline for each key with destructive or policy events, and a note when there can be none', () => {
    const timelines = [...page.matchAll(/<article class="key-timeline" data-key="([^"]*)"/g)].map((m) => m[1]);
    expect(timelines.length).toBeGreaterThan(0);
    const none = renderReport(model(records, { timelines: { unavailable: 'Not made: standard input is read once.' } }));
    expect(none).not.toContain('class="key-timeline"');
    expect(none).toContain('Not made: standard input is read once.');
  });
});
