/** Dotted field names: nesting, arrays on the way, keys that hold dots, and containers as values. */
import { describe, expect, it } from 'vitest';
import { fieldPath, leafTexts, someLeaf } from '../../../../src/rules/sigma/field-path.js';
import { matches } from './sigma-helpers.js';

describe('dotted paths', () => {
  it('walk nested objects', () => {
    const d = `sel:\n    userIdentity.sessionContext.sessionIssuer.type: Role\ncondition: sel`;
    expect(matches(d, { userIdentity: { sessionContext: { sessionIssuer: { type: 'Role' } } } })).toBe(true);
    expect(matches(d, { userIdentity: { sessionContext: { sessionIssuer: { type: 'User' } } } })).toBe(false);
    expect(matches(d, { userIdentity: { sessionContext: null } })).toBe(false);
  });

  it('go through arrays into every element (the ECS rule of SigmaHQ)', () => {
    const d = `sel:\n    requestParameters.containerDefinitions.command|contains: '$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'\ncondition: sel`;
    const defs = (commands: string[][]) => ({ requestParameters: { containerDefinitions: commands.map((command) => ({ name: 'c', command })) } });
    expect(matches(d, defs([['sh', '-c', 'echo hi'], ['sh', '-c', 'curl 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']]))).toBe(true);
    expect(matches(d, defs([['sh', '-c', 'echo hi']]))).toBe(false);
    expect(matches(d, { requestParameters: { containerDefinitions: [[{ command: ['x $AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] }]] } })).toBe(true);
  });

  it('find keys that hold dots, at any level', () => {
    const d = `sel:\n    requestParameters.x-amz.acl: public-read\ncondition: sel`;
    expect(matches(d, { requestParameters: { 'x-amz.acl': 'public-read' } })).toBe(true);
    expect(matches(d, { 'requestParameters.x-amz': { acl: 'public-read' } })).toBe(true);
    expect(matches(d, { requestParameters: { 'x-amz': { acl: 'private' } } })).toBe(false);
  });

  it('an object or array stands for every scalar in it (never key names)', () => {
    const d = `sel:\n    requestParameters|contains: 'Suspended'\ncondition: sel`;
    expect(matches(d, { requestParameters: { bucketName: 'b', VersioningConfiguration: { Status: 'Suspended' } } })).toBe(true);
    expect(matches(d, { requestParameters: { Suspended: 'no' } })).toBe(false);
    expect(matches(`sel:\n    requestParameters.layers|contains: '*'\ncondition: sel`, { requestParameters: { layers: [] } })).toBe(false);
    expect(matches(`sel:\n    requestParameters.layers|contains: '*'\ncondition: sel`, { requestParameters: { layers: ['arn:aws:lambda:l:1'] } })).toBe(true);
  });

  it('terminal values, presence and null, directly', () => {
    const p = fieldPath('a.b');
    expect(p.terminals({ a: [{ b: 1 }, { c: 2 }, { b: [3, 4] }] })).toEqual([1, [3, 4]]);
    expect(p.present({ a: [{ c: 2 }] })).toBe(false);
    expect(p.isNull({ a: [{ b: null }] })).toBe(true);
    expect(p.isNull({ a: [{ b: null }, { b: 'x' }] })).toBe(false);
    expect(p.some({ a: { b: { deep: [{ x: 'needle' }] } } }, (t) => t === 'needle')).toBe(true);
  });
});

describe('values nested thousands deep (valid JSON a broken or hostile log may hold)', () => {
  /** `[[[…[leaves…]…]]]`, `depth` arrays around the leaves. */
  const nested = (depth: number, leaves: unknown[]): unknown => {
    let value: unknown = leaves;
    for (let i = 1; i < depth; i++) value = [value];
    return value;
  };

  it('the leaves are walked without overflowing the stack, in document order', () => {
    const value = { a: nested(20_000, ['first', 2, true, null, { b: nested(300, ['last']) }]) };
    expect(leafTexts(value)).toEqual(['first', '2', 'true', 'last']);
    expect(someLeaf(value, (t) => t === 'last')).toBe(true);
    expect(someLeaf(value, (t) => t === 'absent')).toBe(false);
  });

  it('a field path through them: terminals, tests, null', () => {
    const record = { requestParameters: { a: nested(20_000, [{ b: 'deep' }, null]) }, c: nested(20_000, [null]) };
    const ab = fieldPath('requestParameters.a.b');
    expect(ab.terminals(record)).toEqual(['deep']);
    expect(ab.some(record, (t) => t.startsWith('de'))).toBe(true);
    expect(fieldPath('c').isNull(record)).toBe(true);
    expect(fieldPath('requestParameters.a').isNull(record)).toBe(false);
  });
});
