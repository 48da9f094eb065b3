/**
 * SQL literals stay literals: each value is quoted, handed to DuckDB, and must come back exactly
 * as written; LIKE patterns made from globs must match exactly what the local glob matches.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTextPatterns } from '../../../src/util/text-pattern.js';
import { JS_WHITESPACE } from '../../../src/sql/conditions.js';
import { LIKE_ESCAPE, likePattern, sqlIdentifier, sqlQualifiedName, sqlString } from '../../../src/sql/quote.js';

let db: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  connection = await db.connect();
});

afterAll(() => {
  connection.closeSync();
  db.closeSync();
});

async function scalar(sql: string): Promise<unknown> {
  const rows = (await connection.runAndReadAll(sql)).getRows();
  expect(rows).toHaveLength(1);
  return rows[0][0];
}

const HOSTILE = [
  "x' OR 1=1 --",
  "'; DROP TABLE cloudtrail_logs; --",
  "''",
  "\\'",
  'back\\slash\\',
  '\\\\',
  '100%',
  'under_score',
  '%_\\',
  'line\nbreak\r\n',
  'tab\there',
  'unicode: é ß ı İ 日本 😀',
  "it's \u2028 \u0085 \uFEFF",
  '/* comment */ -- and -- ',
  '"double" `back`',
  '$$dollar$$',
];

describe('sqlString', () => {
  it.each(HOSTILE)('%j comes back unchanged, as one value', async (value) => {
    expect(await scalar(`SELECT ${sqlString(value)}`)).toBe(value);
    // Still a single literal when something follows it.
    expect(await scalar(`SELECT ${sqlString(value)} = ${sqlString(value)} AND 1 = 1`)).toBe(true);
  });

  it('doubles quotes and nothing else', () => {
    expect(sqlString("x' OR 1=1 --")).toBe("'x'' OR 1=1 --'");
    expect(sqlString('a\\b')).toBe("'a\\b'");
  });

  it('refuses NUL', () => {
    expect(() => sqlString('a\0b')).toThrow(/NUL/);
  });
});

describe('sqlIdentifier', () => {
  it('quotes and doubles double quotes', async () => {
    expect(sqlIdentifier('a"b')).toBe('"a""b"');
    expect(sqlQualifiedName('db.cloudtrail_logs')).toBe('"db"."cloudtrail_logs"');
    expect(() => sqlQualifiedName('db.')).toThrow();
    expect(await scalar(`SELECT ${sqlIdentifier('x" FROM y; --')} FROM (SELECT 7 AS ${sqlIdentifier('x" FROM y; --')})`)).toBe(7);
  });
});

describe('likePattern', () => {
  const GLOBS = ['*', '?', 'a*', '*b', 'a?c', '100%', 'a_b', 'a\\b', '%', '_', '\\', '*%*', '*_*', '*\\*', 'é*', '?😀', "x'*"];
  const VALUES = ['', 'a', 'abc', 'axc', '100%', '1000', 'a_b', 'axb', 'a\\b', '%', '_', '\\', 'x%y', 'x_y', 'x\\y', 'éa', 'x😀', '😀', "x'y", 'a\nc'];

  it('matches in DuckDB exactly what the glob matches locally', async () => {
    for (const glob of GLOBS) {
      const local = compileTextPatterns([glob]);
      for (const value of VALUES) {
        const sql = `SELECT lower(${sqlString(value)}) LIKE ${sqlString(likePattern(glob.toLowerCase()))} ESCAPE ${sqlString(LIKE_ESCAPE)}`;
        expect({ glob, value, match: await scalar(sql) }).toEqual({ glob, value, match: local(value) });
      }
    }
  });

  it('escapes the LIKE wildcards and the escape character', () => {
    expect(likePattern('a%b_c\\d*e?')).toBe('a\\%b\\_c\\\\d%e_');
  });
});

describe('JS_WHITESPACE', () => {
  it("is exactly JavaScript's \\s (what trim() removes), over every code point", () => {
    const asJs = new RegExp(`^${JS_WHITESPACE.replace(/\\x\{([0-9A-F]+)\}/g, '\\u{$1}')}$`, 'u');
    const differing: number[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (asJs.test(ch) !== /^\s$/u.test(ch)) differing.push(cp);
    }
    expect(differing).toEqual([]);
  });

  it('agrees with DuckDB (RE2) on every whitespace character JavaScript trims, and on a few that it does not', async () => {
    const trimmed = [...'\t\n\v\f\r \u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'];
    const kept = [...'\u0085\u180e\u200b\u2060x'];
    for (const ch of [...trimmed, ...kept]) {
      const sql = `SELECT regexp_full_match(${sqlString(ch)}, ${sqlString(JS_WHITESPACE)})`;
      expect({ cp: ch.codePointAt(0), ws: await scalar(sql) }).toEqual({ cp: ch.codePointAt(0), ws: /^\s$/u.test(ch) });
    }
  });
});
