/**
 * Loading Sigma rule files: problems as one line per file, logsources that are not CloudTrail,
 * multi-document files, action: global, references between files, directory walking.
 */
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSigmaRules, parseSigmaText } from '../../../../src/rules/sigma/load-rules.js';
import { fitsCloudTrail } from '../../../../src/rules/sigma/sigma-rule.js';
import { record, ruleText, run } from './sigma-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kmstrail-sigma-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const detection = `sel:\n    eventName: DeleteTrail\ncondition: sel`;
const good = (title: string, id: string) => ruleText(detection).replace('title: Test rule', `title: ${title}`).replace('id: test-rule', `id: ${id}`);

describe('problems', () => {
  it('a bad rule is one line naming the file; the others still load', async () => {
    mkdirSync(join(dir, 'mixed/sub'), { recursive: true });
    writeFileSync(join(dir, 'mixed/b_good.yml'), good('Good B', 'b'));
    writeFileSync(join(dir, 'mixed/a_bad_yaml.yml'), 'title: x\ndetection: [unclosed\n');
    writeFileSync(join(dir, 'mixed/sub/c_bad_modifier.yaml'), ruleText(`sel:\n    eventName|sometimes: x\ncondition: sel`));
    writeFileSync(join(dir, 'mixed/sub/d_good.yaml'), good('Good D', 'd'));
    writeFileSync(join(dir, 'mixed/notes.txt'), 'not a rule');
    const set = await loadSigmaRules([join(dir, 'mixed'), join(dir, 'missing.yml')]);
    expect(set.rules.map((r) => r.title)).toEqual(['Good B', 'Good D']);
    expect(set.problems.map((p) => p.file)).toEqual([
      join(dir, 'missing.yml'),
      join(dir, 'mixed/a_bad_yaml.yml'),
      join(dir, 'mixed/sub/c_bad_modifier.yaml'),
    ]);
    expect(set.problems[0].message).toBe('cannot read: no such file or directory');
    expect(set.problems[1].message).toMatch(/^YAML at line \d+, column \d+: /);
    expect(set.problems[2].message).toBe("rule 'Test rule': detection: sel: unknown modifier 'sometimes' in 'eventName|sometimes'");
    for (const p of set.problems) expect(p.message).not.toContain('\n');
    expect(set.files).toBe(4);
  });

  it('a rule for another log source: a warning when its file was named, counted only when found in a directory', async () => {
    mkdirSync(join(dir, 'others'), { recursive: true });
    const s3 = ruleText(detection).replace(/logsource:[\s\S]*?detection:/, 'logsource:\n    product: aws\n    service: s3\ndetection:');
    expect(s3).toContain('service: s3');
    writeFileSync(join(dir, 'others/s3.yml'), s3);
    const named = await loadSigmaRules([join(dir, 'others/s3.yml'), join(dir, 'mixed/b_good.yml')]);
    expect(named.rules.map((r) => r.title)).toEqual(['Good B']);
    expect(named.problems).toEqual([
      { file: join(dir, 'others/s3.yml'), message: "rule 'Test rule' is for logsource product: aws, service: s3, not CloudTrail: not run", warning: true },
    ]);
    const walked = await loadSigmaRules([join(dir, 'others')]);
    expect(walked.problems).toEqual([]);
    expect(walked.notApplicable).toHaveLength(1);
  });

  it('a directory without rule files is a problem too (a wrong path, most likely)', async () => {
    mkdirSync(join(dir, 'empty/sub'), { recursive: true });
    writeFileSync(join(dir, 'empty/sub/readme.txt'), 'no rules here');
    const set = await loadSigmaRules([join(dir, 'empty'), join(dir, 'mixed/b_good.yml')]);
    expect(set.rules.map((r) => r.title)).toEqual(['Good B']);
    expect(set.problems).toEqual([{ file: join(dir, 'empty'), message: 'holds no .yml or .yaml file' }]);
  });

  it('missing parts, bad levels, duplicate ids, unsupported features', () => {
    const p = (text: string) => parseSigmaText(text, 'x.yml').problems.map((q) => q.message);
    expect(p('logsource: {product: aws}\ndetection: {sel: {a: 1}, condition: sel}')).toEqual(['has no title']);
    expect(p('title: [a, b]\nlogsource: {product: aws}\ndetection: {sel: {a: 1}, condition: sel}')).toEqual(['its title is not a string (a list)']);
    expect(p(ruleText(`sel:\n    requestParameters.userData|base64offset: curl\ncondition: sel`))).toEqual([
      "rule 'Test rule': detection: sel: 'requestParameters.userData|base64offset': base64offset needs contains (base64offset|contains)",
    ]);
    expect(p('title: T\ndetection: {sel: {a: 1}, condition: sel}')).toEqual(["rule 'T': has no logsource map"]);
    expect(p('title: T\nlogsource: {product: aws}\n')).toEqual(["rule 'T': has no detection"]);
    expect(p('title: T\nlogsource: {product: aws}\ndetection: {sel: {a: 1}}')).toEqual(["rule 'T': detection has no condition"]);
    expect(p(ruleText(detection, 'level: severe\n'))).toEqual(["rule 'Test rule': level 'severe' is not one of informational, low, medium, high, critical"]);
    expect(p(`${good('One', 'same')}---\n${good('Two', 'same')}`)).toEqual(["rule 'Two': id or name 'same' is already used by x.yml"]);
    expect(p('title: F\nfilter: {rules: [a]}\nlogsource: {product: aws}')).toEqual(["rule 'F': Sigma filters (filter:) are not supported"]);
    expect(p('')).toEqual(['holds no Sigma rule']);
    expect(p('# only a comment\n---\n')).toEqual(['holds no Sigma rule']);
    expect(p('- a\n- b\n')).toEqual(['is not a map']);
    const correlation = (span: string) => `title: C\ncorrelation:\n    type: event_count\n    rules: [x]\n${span}    condition: {gte: 2}\n`;
    expect(p(correlation('')).join()).toMatch(/^rule 'C': .*timespan is missing \(/);
    expect(p(correlation('    timespan: soon\n')).join()).toMatch(/^rule 'C': .*timespan 'soon' is not a time span/);
    expect(p(ruleText(`sel:\n    eventName: A\nsel2:\n    eventName: B\ncondition: sel | near sel2`))[0]).toMatch(/'near' aggregation is not supported/);
    expect(p(ruleText(`sel:\n    eventName: A\ncondition: sel | sum(x) > 5\ntimeframe: 5m`))[0]).toMatch(/aggregation 'sum\(x\) > 5' is not supported/);
    expect(p(ruleText(`sel:\n    eventName: A\ncondition: sel | count() > 5`))[0]).toMatch(/needs a timeframe/);
  });
});

describe('logsource', () => {
  it('CloudTrail: product aws and service cloudtrail, either alone, no category', () => {
    expect(fitsCloudTrail({ product: 'aws', service: 'cloudtrail' })).toBe(true);
    expect(fitsCloudTrail({ product: 'AWS' })).toBe(true);
    expect(fitsCloudTrail({ service: 'cloudtrail' })).toBe(true);
    expect(fitsCloudTrail({ product: 'aws', service: 's3' })).toBe(false);
    expect(fitsCloudTrail({ product: 'windows', service: 'security' })).toBe(false);
    expect(fitsCloudTrail({ product: 'aws', category: 'firewall' })).toBe(false);
    expect(fitsCloudTrail({})).toBe(false);
  });

  it('rules for other logs are listed apart, with their logsource; correlations on them too', () => {
    const windows = `title: Whoami\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    sel:\n        Image|endswith: '\\whoami.exe'\n    condition: sel\n`;
    const corr = `title: Many whoami\ncorrelation:\n    type: event_count\n    rules: [whoami]\n    group-by: [User]\n    timespan: 1h\n    condition: {gte: 3}\n`;
    const set = parseSigmaText(`${windows.replace('title: Whoami', 'title: Whoami\nname: whoami')}---\n${corr}---\n${good('Trail', 't')}`, 'w.yml');
    expect(set.problems).toEqual([]);
    expect(set.rules.map((r) => r.title)).toEqual(['Trail']);
    expect(set.notApplicable).toEqual([
      { file: 'w.yml', title: 'Whoami', logsource: 'product: windows, category: process_creation' },
      { file: 'w.yml', title: 'Many whoami', logsource: 'product: windows, category: process_creation' },
    ]);
  });
});

describe('documents', () => {
  it('action: global is merged into each document until reset; repeat reuses the previous one', () => {
    const text = [
      'action: global\ntitle: Shared\nlogsource:\n    product: aws\nlevel: high\ndetection:\n    condition: sel',
      'id: one\ndetection:\n    sel:\n        eventName: DeleteTrail',
      'action: repeat\nid: two\ndetection:\n    sel:\n        eventName: StopLogging',
      'action: reset',
      'id: three\ntitle: Alone\nlogsource:\n    product: aws\ndetection:\n    sel:\n        eventName: UpdateTrail\n    condition: sel',
    ].join('\n---\n');
    const set = parseSigmaText(text, 'g.yml');
    expect(set.problems).toEqual([]);
    expect(set.rules.map((r) => [r.ruleId, r.title, r.level])).toEqual([
      ['one', 'Shared', 'high'],
      ['two', 'Shared', 'high'],
      ['three', 'Alone', 'medium'],
    ]);
    const hits = run(set.rules, [record({ eventName: 'StopLogging' }), record({ eventName: 'UpdateTrail' })]);
    expect(hits.map((h) => h.rule)).toEqual(['two', 'three']);
  });

  it('correlations find their rules by id or name across files', async () => {
    mkdirSync(join(dir, 'split'), { recursive: true });
    writeFileSync(join(dir, 'split/base.yml'), good('Base', '5638f7c0-ac70-491d-8465-2a65075e0d86'));
    writeFileSync(
      join(dir, 'split/corr.yml'),
      'title: Many\ncorrelation:\n    type: event_count\n    rules: [5638f7c0-ac70-491d-8465-2a65075e0d86]\n    group-by: [userIdentity.arn]\n    timespan: 1h\n    condition: {gte: 2}\n',
    );
    writeFileSync(
      join(dir, 'split/dangling.yml'),
      'title: Dangling\ncorrelation:\n    type: temporal\n    rules: [nowhere]\n    timespan: 1h\n',
    );
    const set = await loadSigmaRules([join(dir, 'split')]);
    expect(set.problems).toEqual([{ file: join(dir, 'split/dangling.yml'), message: "correlation 'Dangling' refers to rule 'nowhere', which is not loaded" }]);
    expect(set.rules.map((r) => [r.title, r.standalone])).toEqual([['Base', false], ['Many', true]]);
  });

  it('a correlation that does not load still keeps the rules it names silent, and its error line names them', () => {
    const base = 'title: Lookups\nname: lookups\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n    sel:\n        eventName: GetUser\n    condition: sel';
    const other = 'title: Other\nname: other\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n    sel:\n        eventName: ListUsers\n    condition: sel';
    const correlation = (rules: string, timespan: string, generate = '') =>
      `title: Many lookups\ncorrelation:\n    type: event_count\n    rules: ${rules}\n    group-by: [userIdentity.arn]\n    timespan: ${timespan}\n    condition: {gte: 2}${generate}`;
    const standalone = (text: string) => Object.fromEntries(parseSigmaText(text, 'c.yml').rules.map((r) => [r.title, r.standalone]));
    // A timespan that does not parse: the document is a problem, and 'lookups' is still a building block.
    const badSpan = parseSigmaText([base, other, correlation('[lookups]', '5 minutes')].join('\n---\n'), 'c.yml');
    expect(badSpan.problems).toHaveLength(1);
    expect(badSpan.problems[0].message).toMatch(/the rules it names report nothing on their own: lookups\)$/);
    expect(Object.fromEntries(badSpan.rules.map((r) => [r.title, r.standalone]))).toEqual({ Lookups: false, Other: true });
    // A reference that is not loaded: the loaded one stays silent too.
    const dangling = parseSigmaText([base, correlation('[lookups, nowhere]', '5m')].join('\n---\n'), 'c.yml');
    expect(dangling.problems.map((p) => p.message)).toEqual([
      "correlation 'Many lookups' refers to rule 'nowhere', which is not loaded (the rules it names report nothing on their own: lookups)",
    ]);
    expect(standalone([base, correlation('[lookups, nowhere]', '5m')].join('\n---\n'))).toEqual({ Lookups: false });
    // generate: true lets them report, loaded or not.
    expect(standalone([base, correlation('[lookups]', '5 minutes', '\n    generate: true')].join('\n---\n'))).toEqual({ Lookups: true });
  });
});

describe('what a demanding rule writer does (a QA round)', () => {
  it('an alias to no anchor, or more aliases than the cap allows for, is one line naming the file; the other rules load', async () => {
    mkdirSync(join(dir, 'aliases'), { recursive: true });
    writeFileSync(join(dir, 'aliases/good.yml'), good('Good', 'g'));
    writeFileSync(join(dir, 'aliases/typo.yml'), ruleText(`sel:\n    eventName: *deletion\ncondition: sel`));
    const set = await loadSigmaRules([join(dir, 'aliases')]);
    expect(set.rules.map((r) => r.title)).toEqual(['Good']);
    expect(set.problems).toHaveLength(1);
    expect(set.problems[0].file).toBe(join(dir, 'aliases/typo.yml'));
    expect(set.problems[0].message).toMatch(/^YAML: .*alias/i);
    // 150 aliases of one short anchor: a harmless list, not an alias bomb.
    const many = ruleText(`sel:\n    eventName: &v DeleteTrail\n    eventSource:\n${Array.from({ length: 150 }, () => '        - *v').join('\n')}\ncondition: sel`);
    expect(parseSigmaText(many, 'many.yml').problems).toEqual([]);
    // An alias bomb is still refused, as one line.
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n${good('Bomb', 'b')}`;
    const bombed = parseSigmaText(bomb, 'bomb.yml').problems;
    expect(bombed).toHaveLength(1);
    expect(bombed[0].message).toMatch(/^YAML: /);
  });

  it('YAML merge keys (<<: *anchor) are merged, as PyYAML (and so pySigma) reads them', () => {
    const text = `title: Merged\nid: m\nlogsource: {product: aws, service: cloudtrail}\nx-common: &kms\n    eventSource: kms.amazonaws.com\ndetection:\n    sel:\n        <<: *kms\n        eventName: ScheduleKeyDeletion\n    condition: sel\n`;
    const set = parseSigmaText(text, 'merge.yml');
    expect(set.problems).toEqual([]);
    const kms = record({ eventSource: 'kms.amazonaws.com', eventName: 'ScheduleKeyDeletion' });
    const iam = record({ eventSource: 'iam.amazonaws.com', eventName: 'ScheduleKeyDeletion' });
    expect(run(set.rules, [kms, iam])).toHaveLength(1);
  });

  it('a rule for another log source is not compiled: one it would refuse (expand, near) is counted apart, not an error', () => {
    const windows = `title: Win\nid: w\nlogsource: {product: windows, category: process_creation}\ndetection:\n    sel:\n        Image|expand: '%AppData%\\evil.exe'\n    condition: sel\n`;
    const set = parseSigmaText(`${windows}---\n${good('Trail', 't')}`, 'w.yml');
    expect(set.problems).toEqual([]);
    expect(set.rules.map((r) => r.title)).toEqual(['Trail']);
    expect(set.notApplicable.map((n) => n.title)).toEqual(['Win']);
  });

  it('the same rule file named twice, or reached twice through a folder and a link, is read once', async () => {
    mkdirSync(join(dir, 'twice'), { recursive: true });
    writeFileSync(join(dir, 'twice/good.yml'), good('Once', 'once'));
    symlinkSync('.', join(dir, 'twice/self'));
    symlinkSync('.', join(dir, 'twice/again'));
    const set = await loadSigmaRules([join(dir, 'twice/good.yml'), join(dir, 'twice'), `${join(dir, 'twice')}/`, join(dir, 'twice/self/good.yml')]);
    expect(set.rules.map((r) => r.title)).toEqual(['Once']);
    expect(set.problems).toEqual([]);
  });
});
