/** Each condition form: and, or, not, parentheses, 1/all/any/N of, them, lists of conditions, errors. */
import { describe, expect, it } from 'vitest';
import { parseCondition } from '../../../../src/rules/sigma/condition.js';
import { matches, problemsOf, ruleText } from './sigma-helpers.js';

const searches = `a:\n    eventName: A\nb:\n    eventSource: b.amazonaws.com\nc:\n    userAgent: C\n_hidden:\n    awsRegion: us-east-1\n`;
const m = (condition: string, fields: Record<string, unknown>) => matches(`${searches}condition: ${condition}`, fields);
const A = { eventName: 'A' };
const AB = { eventName: 'A', eventSource: 'b.amazonaws.com' };
const C = { userAgent: 'C' };

describe('conditions', () => {
  it('and, or, not', () => {
    expect(m('a and b', AB)).toBe(true);
    expect(m('a and b', A)).toBe(false);
    expect(m('a or c', C)).toBe(true);
    expect(m('a or c', {})).toBe(false);
    expect(m('a and not b', A)).toBe(true);
    expect(m('a and not b', AB)).toBe(false);
    expect(m('not not a', A)).toBe(true);
  });
  it('precedence: not binds tighter than and, and tighter than or', () => {
    // a or (b and c): true for A alone. (a or b) and c would be false.
    expect(m('a or b and c', A)).toBe(true);
    expect(m('(a or b) and c', A)).toBe(false);
    // not a and b = (not a) and b
    expect(m('not a and b', { eventSource: 'b.amazonaws.com', eventName: 'X' })).toBe(true);
    expect(m('not (a and b)', AB)).toBe(false);
    expect(m('not (a and b)', A)).toBe(true);
  });
  it('1 of, any of, all of, N of, with patterns and them', () => {
    expect(m('1 of a*', A)).toBe(true);
    expect(m('any of them', C)).toBe(true);
    expect(m('all of them', { ...AB, ...C })).toBe(true);
    expect(m('all of them', AB)).toBe(false);
    // them leaves out _hidden; an explicit pattern does not.
    expect(m('1 of them', { awsRegion: 'us-east-1', eventName: 'X' })).toBe(false);
    expect(m('1 of _*', { awsRegion: 'us-east-1', eventName: 'X' })).toBe(true);
    expect(m('2 of them', AB)).toBe(true);
    expect(m('2 of them', A)).toBe(false);
    expect(m('all of them and not 1 of _*', { ...AB, ...C, awsRegion: 'eu-west-1' })).toBe(true);
  });
  it('keywords in any case, a list of conditions is an OR', () => {
    expect(m('a AND NOT b', A)).toBe(true);
    expect(matches(`${searches}condition:\n    - a and b\n    - c`, C)).toBe(true);
    expect(matches(`${searches}condition:\n    - a and b\n    - c`, A)).toBe(false);
  });
  it('parses to the tree the precedence says', () => {
    expect(parseCondition('x or y and not z', ['x', 'y', 'z'])).toEqual({
      kind: 'or',
      nodes: [{ kind: 'id', name: 'x' }, { kind: 'and', nodes: [{ kind: 'id', name: 'y' }, { kind: 'not', node: { kind: 'id', name: 'z' } }] }],
    });
    expect(parseCondition('all of sel_*', ['sel_a', 'sel_b', 'other'])).toEqual({ kind: 'of', least: 'all', names: ['sel_a', 'sel_b'] });
  });
  it('errors name the condition and what is wrong', () => {
    const p = (c: string) => problemsOf(ruleText(`${searches}condition: ${c}`))[0];
    expect(p('a and')).toMatch(/condition 'a and': ends too early/);
    expect(p('a b')).toMatch(/unexpected 'b'/);
    expect(p('(a or b')).toMatch(/expected '\)'/);
    expect(p('a and nope')).toMatch(/'nope' is not a search identifier/);
    expect(p('1 of zz*')).toMatch(/matches no search identifier/);
    expect(p('half of them')).toMatch(/expected 1, any, all or a number/);
    // 'them' leaves out _names: with only those, 'all of them' would be true of every record.
    const hidden = `_sel:\n    eventName: Decrypt\n_who:\n    userIdentity.userName: bob\n`;
    expect(problemsOf(ruleText(`${hidden}condition: all of them`))[0]).toMatch(/'all of them' matches no search identifier \(them leaves out names that start with _\)/);
    expect(problemsOf(ruleText(`${hidden}condition: 1 of them`))[0]).toMatch(/'1 of them' matches no search identifier/);
  });
});
