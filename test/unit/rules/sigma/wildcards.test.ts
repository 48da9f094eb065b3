/** Wildcards `*` and `?`, backslash escapes as the specification lists them, and case. */
import { describe, expect, it } from 'vitest';
import { parseSigmaString, STAR, ONE } from '../../../../src/rules/sigma/sigma-string.js';
import { matches } from './sigma-helpers.js';

const m = (value: string, field: string) => matches(`sel:\n    userAgent: '${value}'\ncondition: sel`, { userAgent: field });

describe('Sigma strings', () => {
  it('reads escapes as the specification summarises them', () => {
    expect(parseSigmaString('a*b?c')).toEqual(['a', STAR, 'b', ONE, 'c']);
    expect(parseSigmaString('a\\*b')).toEqual(['a*b']);
    expect(parseSigmaString('a\\?')).toEqual(['a?']);
    // A plain backslash, single or doubled.
    expect(parseSigmaString('C:\\Windows')).toEqual(['C:\\Windows']);
    expect(parseSigmaString('C:\\\\Windows')).toEqual(['C:\\Windows']);
    // Escaped backslash, then a wildcard.
    expect(parseSigmaString('a\\\\*')).toEqual(['a\\', STAR]);
    // Three backslashes: a backslash and a plain star.
    expect(parseSigmaString('a\\\\\\*')).toEqual(['a\\*']);
    // Four: two backslashes.
    expect(parseSigmaString('\\\\\\\\')).toEqual(['\\\\']);
    expect(parseSigmaString('**x')).toEqual([STAR, 'x']);
  });

  it('* is any run, ? exactly one character (a code point)', () => {
    expect(m('aws-cli/*', 'aws-cli/2.15.0 Python/3.11')).toBe(true);
    expect(m('aws-cli/*', 'boto3 aws-cli/2')).toBe(false);
    expect(m('*cli*', 'aws-cli/2')).toBe(true);
    expect(m('aws-cli/?', 'aws-cli/2')).toBe(true);
    expect(m('aws-cli/?', 'aws-cli/')).toBe(false);
    expect(m('aws-cli/?', 'aws-cli/22')).toBe(false);
    expect(m('x?y', 'x\u{1F600}y')).toBe(true);
    expect(m('a*b', 'a\nmiddle\nb')).toBe(true);
  });

  it('escaped wildcards are plain characters', () => {
    expect(m('what\\?', 'what?')).toBe(true);
    expect(m('what\\?', 'whats')).toBe(false);
    expect(m('5\\*3', '5*3')).toBe(true);
    expect(m('5\\*3', '5x3')).toBe(false);
  });

  it('regex characters in values are plain', () => {
    expect(m('a.b(c)[d]+$', 'A.B(C)[D]+$')).toBe(true);
    expect(m('a.b', 'axb')).toBe(false);
  });

  it('case-insensitive by default, by lower-casing both sides', () => {
    expect(m('TruffleHog', 'TRUFFLEHOG')).toBe(true);
    expect(m('*hog', 'TruffleHOG')).toBe(true);
    expect(m('straße', 'STRASSE')).toBe(false);
    expect(m('ÉCOLE', 'école')).toBe(true);
  });
});
