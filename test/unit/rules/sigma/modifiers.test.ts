/** Each value modifier, with a record that must match and one that must not. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requiredLiteral } from '../../../../src/rules/sigma/field-test.js';
import { matches, problemsOf, ruleText } from './sigma-helpers.js';

const m = (detection: string, fields: Record<string, unknown>) => matches(detection, fields);

describe('position modifiers', () => {
  it('contains, startswith, endswith, case-insensitively', () => {
    expect(m(`sel:\n    userAgent|contains: 'TRUFFLE'\ncondition: sel`, { userAgent: 'trufflehog v3.63' })).toBe(true);
    expect(m(`sel:\n    userAgent|contains: 'truffle'\ncondition: sel`, { userAgent: 'aws-cli/2' })).toBe(false);
    expect(m(`sel:\n    eventName|startswith: 'UpdateFunctionConfiguration'\ncondition: sel`, { eventName: 'UpdateFunctionConfiguration20150331v2' })).toBe(true);
    expect(m(`sel:\n    eventName|startswith: 'Update'\ncondition: sel`, { eventName: 'GetUpdate' })).toBe(false);
    expect(m(`sel:\n    userAgent|endswith: 'Boto3/1.26'\ncondition: sel`, { userAgent: 'Python Boto3/1.26' })).toBe(true);
    expect(m(`sel:\n    userAgent|endswith: 'Boto3'\ncondition: sel`, { userAgent: 'Boto3/1.26' })).toBe(false);
  });

  it('all: every value must be found (in any scalar of the field)', () => {
    const d = `sel:\n    requestParameters|contains|all:\n        - 's3:GetObject'\n        - 'Allow'\ncondition: sel`;
    expect(m(d, { requestParameters: { policyDocument: '{"Effect":"Allow","Action":"s3:GetObject"}' } })).toBe(true);
    expect(m(d, { requestParameters: { a: 'Allow', b: 's3:GetObject' } })).toBe(true);
    expect(m(d, { requestParameters: { policyDocument: '{"Effect":"Deny","Action":"s3:GetObject"}' } })).toBe(false);
  });

  it('a list without all is an OR', () => {
    const d = `sel:\n    eventName:\n        - StopLogging\n        - DeleteTrail\ncondition: sel`;
    expect(m(d, { eventName: 'DeleteTrail' })).toBe(true);
    expect(m(d, { eventName: 'StartLogging' })).toBe(false);
  });
});

describe('re', () => {
  it('searches, case-sensitively by default', () => {
    const d = `sel:\n    userIdentity.arn|re: '.+:assumed-role/aws:.+'\ncondition: sel`;
    expect(m(d, { userIdentity: { arn: 'arn:aws:sts::111122223333:assumed-role/aws:ec2-instance/i-0abc' } })).toBe(true);
    expect(m(d, { userIdentity: { arn: 'arn:aws:sts::111122223333:assumed-role/AWS:ec2-instance/i-0abc' } })).toBe(false);
    expect(m(`sel:\n    userAgent|re: 'cli/2'\ncondition: sel`, { userAgent: 'aws-cli/2.15' })).toBe(true);
  });
  it('i, m and s flags, as sub-modifiers and as a leading (?i)', () => {
    expect(m(`sel:\n    userAgent|re|i: '^AWS-CLI'\ncondition: sel`, { userAgent: 'aws-cli/2' })).toBe(true);
    expect(m(`sel:\n    userAgent|re: '(?i)^AWS-CLI'\ncondition: sel`, { userAgent: 'aws-cli/2' })).toBe(true);
    expect(m(`sel:\n    errorMessage|re: '^denied$'\ncondition: sel`, { errorMessage: 'x\ndenied' })).toBe(false);
    expect(m(`sel:\n    errorMessage|re|m: '^denied$'\ncondition: sel`, { errorMessage: 'x\ndenied' })).toBe(true);
    expect(m(`sel:\n    errorMessage|re: 'a.b'\ncondition: sel`, { errorMessage: 'a\nb' })).toBe(false);
    expect(m(`sel:\n    errorMessage|re|s: 'a.b'\ncondition: sel`, { errorMessage: 'a\nb' })).toBe(true);
  });
  it('a regex that does not compile is a problem naming it', () => {
    expect(problemsOf(ruleText(`sel:\n    userAgent|re: 'a(b'\ncondition: sel`))[0]).toMatch(/regular expression 'a\(b' does not compile/);
    expect(problemsOf(ruleText(`sel:\n    userAgent|i: 'x'\ncondition: sel`))[0]).toMatch(/'i' only goes with 're'/);
  });
});

describe('cidr', () => {
  it('IPv4 and IPv6 blocks; names never match', () => {
    const d = `sel:\n    sourceIPAddress|cidr:\n        - 10.0.0.0/8\n        - '2001:db8::/32'\ncondition: sel`;
    expect(m(d, { sourceIPAddress: '10.1.2.3' })).toBe(true);
    expect(m(d, { sourceIPAddress: '11.1.2.3' })).toBe(false);
    expect(m(d, { sourceIPAddress: '2001:db8::1' })).toBe(true);
    expect(m(d, { sourceIPAddress: 'AWS Internal' })).toBe(false);
    expect(problemsOf(ruleText(`sel:\n    sourceIPAddress|cidr: 10.0.0.0/33\ncondition: sel`))[0]).toMatch(/not a CIDR block/);
  });
});

describe('exists', () => {
  it('presence, not value', () => {
    expect(m(`sel:\n    errorCode|exists: true\ncondition: sel`, { errorCode: null })).toBe(true);
    expect(m(`sel:\n    errorCode|exists: true\ncondition: sel`, {})).toBe(false);
    expect(m(`sel:\n    errorCode|exists: false\ncondition: sel`, {})).toBe(true);
    expect(problemsOf(ruleText(`sel:\n    errorCode|exists: 'yes'\ncondition: sel`))[0]).toMatch(/exists takes true or false/);
  });
});

describe('encodings', () => {
  const encoded = (s: string, enc: BufferEncoding = 'utf8') => Buffer.from(s, enc).toString('base64');
  it('base64', () => {
    const d = `sel:\n    requestParameters.userData|base64: '#!/bin/bash'\ncondition: sel`;
    expect(m(d, { requestParameters: { userData: encoded('#!/bin/bash') } })).toBe(true);
    expect(m(d, { requestParameters: { userData: encoded('#!/bin/sh') } })).toBe(false);
    expect(problemsOf(ruleText(`sel:\n    a|base64: 'x*'\ncondition: sel`))[0]).toMatch(/cannot encode a value with wildcards/);
  });
  it('base64offset|contains finds the value at any byte offset', () => {
    const d = `sel:\n    requestParameters.userData|base64offset|contains: 'curl http'\ncondition: sel`;
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      expect(m(d, { requestParameters: { userData: encoded(`${prefix}curl http://x/ | sh`) } }), `offset ${prefix.length}`).toBe(true);
    }
    expect(m(d, { requestParameters: { userData: encoded('wget http://x/') } })).toBe(false);
  });
  it('utf16le/wide/utf16be/utf16 before base64', () => {
    expect(m(`sel:\n    a|wide|base64: 'cmd'\ncondition: sel`, { a: encoded('cmd', 'utf16le') })).toBe(true);
    expect(m(`sel:\n    a|utf16le|base64offset|contains: 'cmd'\ncondition: sel`, { a: encoded('xx cmd /c', 'utf16le') })).toBe(true);
    const be = Buffer.from('cmd', 'utf16le').swap16().toString('base64');
    expect(m(`sel:\n    a|utf16be|base64: 'cmd'\ncondition: sel`, { a: be })).toBe(true);
    const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('cmd', 'utf16le')]).toString('base64');
    expect(m(`sel:\n    a|utf16|base64: 'cmd'\ncondition: sel`, { a: bom })).toBe(true);
    expect(problemsOf(ruleText(`sel:\n    a|wide: 'cmd'\ncondition: sel`))[0]).toMatch(/utf16 encodings only make sense before base64/);
  });
  it('windash: a flag dash may be any dash or a slash', () => {
    const d = `sel:\n    requestParameters.command|windash|contains: ' -enc '\ncondition: sel`;
    for (const dash of ['-', '/', '\u2013', '\u2014', '\u2015']) {
      expect(m(d, { requestParameters: { command: `powershell ${dash}enc AAA` } }), dash).toBe(true);
    }
    expect(m(d, { requestParameters: { command: 'powershell +enc AAA' } })).toBe(false);
  });
});

describe('fieldref', () => {
  it('compares two fields of the record', () => {
    const d = `sel:\n    userIdentity.userName|fieldref: requestParameters.userName\ncondition: sel`;
    expect(m(d, { userIdentity: { userName: 'Alice' }, requestParameters: { userName: 'alice' } })).toBe(true);
    expect(m(d, { userIdentity: { userName: 'Alice' }, requestParameters: { userName: 'Bob' } })).toBe(false);
    expect(m(d, { userIdentity: { userName: 'Alice' }, requestParameters: {} })).toBe(false);
    const c = `sel:\n    userIdentity.arn|fieldref|endswith: requestParameters.userName\ncondition: sel`;
    expect(m(c, { userIdentity: { arn: 'arn:aws:iam::1:user/Alice' }, requestParameters: { userName: 'Alice' } })).toBe(true);
    const cased = `sel:\n    userIdentity.userName|fieldref|cased: requestParameters.userName\ncondition: sel`;
    expect(m(cased, { userIdentity: { userName: 'Alice' }, requestParameters: { userName: 'alice' } })).toBe(false);
  });
});

describe('numbers and times', () => {
  it('lt, lte, gt, gte on numbers and numeric strings', () => {
    expect(m(`sel:\n    requestParameters.maxResults|gt: 50\ncondition: sel`, { requestParameters: { maxResults: 100 } })).toBe(true);
    expect(m(`sel:\n    requestParameters.maxResults|gt: 50\ncondition: sel`, { requestParameters: { maxResults: 50 } })).toBe(false);
    expect(m(`sel:\n    requestParameters.maxResults|gte: 50\ncondition: sel`, { requestParameters: { maxResults: '50' } })).toBe(true);
    expect(m(`sel:\n    requestParameters.maxResults|lt: 5\ncondition: sel`, { requestParameters: { maxResults: 4.5 } })).toBe(true);
    expect(m(`sel:\n    requestParameters.maxResults|lte: 5\ncondition: sel`, { requestParameters: { maxResults: 'five' } })).toBe(false);
    expect(problemsOf(ruleText(`sel:\n    a|gt: many\ncondition: sel`))[0]).toMatch(/'many' is not a number/);
  });
  it('hour, week and friends take the UTC part of a time', () => {
    expect(m(`sel:\n    eventTime|hour|gte: 22\ncondition: sel`, { eventTime: '2024-03-01T23:10:00Z' })).toBe(true);
    expect(m(`sel:\n    eventTime|hour|gte: 22\ncondition: sel`, { eventTime: '2024-03-01T21:10:00Z' })).toBe(false);
    expect(m(`sel:\n    eventTime|week: 1\ncondition: sel`, { eventTime: '2021-01-04T00:00:00Z' })).toBe(true);
    expect(m(`sel:\n    eventTime|week: 53\ncondition: sel`, { eventTime: '2021-01-03T00:00:00Z' })).toBe(true);
    expect(m(`sel:\n    eventTime|month: 3\ncondition: sel`, { eventTime: '2024-03-01 10:00:00.000' })).toBe(true);
  });
});

describe('cased and neq', () => {
  it('cased matches exact case only', () => {
    expect(m(`sel:\n    eventName|cased: ListUsers\ncondition: sel`, { eventName: 'ListUsers' })).toBe(true);
    expect(m(`sel:\n    eventName|cased: ListUsers\ncondition: sel`, { eventName: 'listusers' })).toBe(false);
    expect(m(`sel:\n    eventName: ListUsers\ncondition: sel`, { eventName: 'LISTUSERS' })).toBe(true);
  });
  it('neq: a value, and none of the listed ones', () => {
    const d = `sel:\n    userIdentity.type|neq:\n        - AssumedRole\n        - AWSService\ncondition: sel`;
    expect(m(d, { userIdentity: { type: 'IAMUser' } })).toBe(true);
    expect(m(d, { userIdentity: { type: 'assumedrole' } })).toBe(false);
    expect(m(d, { userIdentity: {} })).toBe(false);
  });
});

describe('refused modifiers', () => {
  it('unknown modifiers, expand, and contradictory combinations name the entry', () => {
    expect(problemsOf(ruleText(`sel:\n    a|contain: x\ncondition: sel`))[0]).toMatch(/unknown modifier 'contain' in 'a\|contain'/);
    expect(problemsOf(ruleText(`sel:\n    a|expand: '%Admins%'\ncondition: sel`))[0]).toMatch(/placeholders \(expand\) are not supported/);
    expect(problemsOf(ruleText(`sel:\n    a|contains|endswith: x\ncondition: sel`))[0]).toMatch(/exclude each other/);
    expect(problemsOf(ruleText(`sel:\n    a|re|contains: x\ncondition: sel`))[0]).toMatch(/'contains' does not go with 're'/);
    expect(problemsOf(ruleText(`sel:\n    a|contains|all: []\ncondition: sel`))[0]).toMatch(/an empty list of values/);
  });
});

describe('the substring check before a regular expression', () => {
  it('finds the literal every match must hold, or none', () => {
    expect(requiredLiteral('.+:assumed-role\\/aws:.+')).toBe(':assumed-role/aws:');
    expect(requiredLiteral('^abc(def)?xyz+q')).toBe('abc');
    expect(requiredLiteral('ab|cdef')).toBeUndefined();
    expect(requiredLiteral('colou?r')).toBe('colo');
    expect(requiredLiteral('ab?c')).toBeUndefined();
    expect(requiredLiteral('[abc]defg\\d+hij')).toBe('defg');
    expect(requiredLiteral('x{2}yyyy')).toBe('yyyy');
    // Escapes that take what follows: none of it is literal text to look for.
    expect(requiredLiteral('Sched\\x75leKeyDeletion')).toBe('leKeyDeletion');
    expect(requiredLiteral('Sched\\u0075leKeyDeletion')).toBe('leKeyDeletion');
    expect(requiredLiteral('ab\\u{75}cdefgh')).toBe('cdefgh');
    expect(requiredLiteral('(?<d>\\d)\\k<d>')).toBeUndefined();
    expect(requiredLiteral('abc\\cJdefgh')).toBe('defgh');
    expect(requiredLiteral('abc\\p{L}defgh')).toBe('defgh');
  });
  it('never rejects a text the expression matches', () => {
    const pieces = ['a', 'b', 'ab', '.', '.+', '.*', '?', '+', '\\.', '\\/', '[ab]', '(a|b)', '(ab)?', 'b{1,2}', '\\d', ':', '\\x61', '\\u0062', '\\u{61}', '\\k<n>', '(?<n>a)', '\\cJ', '\\p{L}', '\\P{L}', '\\0', '\\1'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 8 }), fc.stringMatching(/^[ab.:/1]{0,12}$/), (parts, text) => {
        let re: RegExp;
        try {
          re = new RegExp(parts.join(''));
        } catch {
          return;
        }
        const literal = requiredLiteral(re.source);
        if (re.test(text) && literal !== undefined) expect(text.includes(literal), `${re.source} on ${text}`).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
