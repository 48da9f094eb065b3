/** Keyword (field-less) searches: every scalar of the record, at any depth, as a substring. */
import { describe, expect, it } from 'vitest';
import { matches, problemsOf, ruleText } from './sigma-helpers.js';

describe('keywords', () => {
  const list = `keywords:\n    - 'mimikatz'\n    - 'sekurlsa'\ncondition: keywords`;
  it('a list of values is an OR, found anywhere in any value', () => {
    expect(matches(list, { requestParameters: { commands: ['run MIMIKATZ.exe'] } })).toBe(true);
    expect(matches(list, { userAgent: 'x sekurlsa::logonpasswords' })).toBe(true);
    expect(matches(list, { userAgent: 'aws-cli' })).toBe(false);
  });
  it('key names are not searched', () => {
    expect(matches(list, { requestParameters: { mimikatz: 'no' } })).toBe(false);
  });
  it("'|all' makes an AND, over different values", () => {
    const all = `keywords:\n    '|all':\n        - 'OabVirtualDirectory'\n        - ' -ExternalUrl '\ncondition: keywords`;
    expect(matches(all, { requestParameters: { a: 'Set-OabVirtualDirectory', b: 'x -ExternalUrl y' } })).toBe(true);
    expect(matches(all, { requestParameters: { a: 'Set-OabVirtualDirectory' } })).toBe(false);
  });
  it('numbers and a single scalar keyword; wildcards inside', () => {
    expect(matches(`keywords: 4624\ncondition: keywords`, { requestParameters: { id: 14624 } })).toBe(true);
    expect(matches(`keywords:\n    - 'evil*.exe'\ncondition: keywords`, { userAgent: 'ran evil-tool.exe now' })).toBe(true);
    expect(matches(`keywords:\n    - 'evil?.exe'\ncondition: keywords`, { userAgent: 'ran evil-tool.exe now' })).toBe(false);
  });
  it('modifiers on keywords: re, startswith, cased', () => {
    expect(matches(`keywords:\n    '|re': 'i-[0-9a-f]{8}'\ncondition: keywords`, { requestParameters: { instanceId: 'i-0abc1234' } })).toBe(true);
    expect(matches(`keywords:\n    '|startswith': 'Mimi'\ncondition: keywords`, { userAgent: 'x mimikatz' })).toBe(false);
    expect(matches(`keywords:\n    '|cased': 'Mimi'\ncondition: keywords`, { userAgent: 'x mimikatz' })).toBe(false);
    expect(matches(`keywords:\n    '|cased': 'Mimi'\ncondition: keywords`, { userAgent: 'x Mimikatz' })).toBe(true);
  });
  it('a keyword with a field test in the same list is an OR of both', () => {
    const mixed = `sel:\n    - 'mimikatz'\n    - eventName: DeleteTrail\ncondition: sel`;
    expect(matches(mixed, { eventName: 'DeleteTrail' })).toBe(true);
    expect(matches(mixed, { userAgent: 'mimikatz' })).toBe(true);
    expect(matches(mixed, { eventName: 'StopLogging' })).toBe(false);
    expect(problemsOf(ruleText(`sel:\n    - [a, b]\ncondition: sel`))[0]).toMatch(/a keyword is a list/);
  });
});
