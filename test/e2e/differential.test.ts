/**
 * Differential tests: the tool against jq on generated trails (two seeds, plain and gzip) and on
 * the real records in fixtures/records/. Same records, same order, compared as parsed JSON.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jq, JQ_FIRST_COPIES, JQ_ALIAS_SELECTION, KMS_DOCS, makeTempDir, RECORDS, removeDir, type Json } from '../helpers/e2e.js';
import { runCli, SHARED } from '../helpers/run-cli.js';

const GENERATOR = join(SHARED, 'bench/gen-trail.mjs');

interface Trail {
  name: string;
  path: string;
  /** The uncompressed JSON text, for jq. */
  bytes: Buffer;
}

let dir: string | undefined;
const TRAILS: Trail[] = [];
const SPECS = [
  { name: 'seed 1, plain', file: 'seed1.json', seed: 1 },
  { name: 'seed 1, gzip', file: 'seed1.json.gz', seed: 1 },
  { name: 'seed 2, plain', file: 'seed2.json', seed: 2 },
  { name: 'seed 2, gzip', file: 'seed2.json.gz', seed: 2 },
];

beforeAll(() => {
  dir = makeTempDir();
  for (const spec of SPECS) {
    const path = join(dir, spec.file);
    const gen = spawnSync(process.execPath, [GENERATOR, '--mb', '8', '--seed', String(spec.seed), '--out', path], { encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(`gen-trail failed: ${gen.stderr}`);
    const stored = readFileSync(path);
    TRAILS.push({ name: spec.name, path, bytes: spec.file.endsWith('.gz') ? gunzipSync(stored) : stored });
  }
});

afterAll(() => removeDir(dir));

/** Parses JSON Lines, each line on its own. */
function parseLines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

/** Same length and, record by record, deep-equal; on a difference, shows the first one. */
function expectSameRecords(actual: unknown[], expected: unknown[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!isDeepStrictEqual(actual[i], expected[i])) {
      expect({ index: i, record: actual[i] }).toEqual({ index: i, record: expected[i] });
    }
  }
}

async function tool(args: string[]): Promise<unknown[]> {
  const result = await runCli(['filter', '--format', 'jsonl', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return parseLines(result.stdout);
}

const trail = (i: number) => TRAILS[i];

/** Key references in the fields the --key help names: request, response and resources. */
const KEY_FIELDS = `[(.requestParameters | objects | (.keyId, .targetKeyId, .sourceKeyId, .destinationKeyId, .aliasName, ."x-amz-server-side-encryption-aws-kms-key-id", .kmsKeyId)),
  (.responseElements | objects | (.keyId, (.keyMetadata | objects | (.keyId, .arn)), ."x-amz-server-side-encryption-aws-kms-key-id", .kmsKeyId)),
  ((.resources // [])[] | objects | (.ARN // .arn))] | map(strings)`;

describe.each(SPECS.map((spec, index) => [spec.name, index] as const))('generated trail (%s)', (_name, index) => {
  it('is big enough to matter', () => {
    const t = trail(index);
    expect(t.bytes.length).toBeGreaterThan(7 * 1024 * 1024);
  });

  it('--all-sources equals jq .Records[]', async () => {
    const t = trail(index);
    const expected = jq('.Records[]', { bytes: t.bytes });
    expect(expected.length).toBeGreaterThan(1000);
    expectSameRecords(await tool(['--all-sources', t.path]), expected);
  });

  it('the second reader (--reader stream-json) agrees with jq too', async () => {
    const t = trail(index);
    expectSameRecords(await tool(['--all-sources', '--reader', 'stream-json', t.path]), jq('.Records[]', { bytes: t.bytes }));
  });

  it('--event CreateKey equals jq select(kms and CreateKey)', async () => {
    const t = trail(index);
    const expected = jq('.Records[] | select(.eventSource == "kms.amazonaws.com" and .eventName == "CreateKey")', { bytes: t.bytes });
    expect(expected.length).toBeGreaterThan(0);
    expectSameRecords(await tool(['--event', 'CreateKey', t.path]), expected);
  });

  it('--key <a key ID from the trail> equals jq over the key fields', async () => {
    const t = trail(index);
    // A key named by ID in some records and by ARN in others: take it from a CreateKey response.
    const ids = jq('.Records[] | select(.eventName == "CreateKey") | .responseElements.keyMetadata.keyId', { bytes: t.bytes }) as string[];
    expect(ids.length).toBeGreaterThan(0);
    const id = ids[0];
    const expected = jq(
      `.Records[] | select(.eventSource == "kms.amazonaws.com") | select(${KEY_FIELDS}
        | map(sub("^arn:aws:kms:[^:]*:[^:]*:key/"; "")) | index($id) != null)`,
      { bytes: t.bytes },
      ['--arg', 'id', id],
    );
    expect(expected.length).toBeGreaterThan(1);
    expectSameRecords(await tool(['--key', id, t.path]), expected);
  });

  it('--key <the same key as an ARN> selects the same records', async () => {
    const t = trail(index);
    const arns = jq('.Records[] | select(.eventName == "CreateKey") | .responseElements.keyMetadata.arn', { bytes: t.bytes }) as string[];
    const arn = arns[0];
    const id = arn.slice(arn.lastIndexOf('/') + 1);
    const expected = jq(
      `.Records[] | select(.eventSource == "kms.amazonaws.com") | select(${KEY_FIELDS}
        | map(sub("^arn:aws:kms:[^:]*:[^:]*:key/"; "")) | index($id) != null)`,
      { bytes: t.bytes },
      ['--arg', 'id', id],
    );
    expectSameRecords(await tool(['--key', arn, t.path]), expected);
  });

  it('--key <an alias from the trail> equals jq over the key fields', async () => {
    const t = trail(index);
    const aliases = jq('[.Records[] | .requestParameters | objects | .aliasName | strings] | .[0]', { bytes: t.bytes }) as string[];
    const alias = aliases[0];
    expect(alias).toMatch(/^alias\//);
    // Records naming the alias, and those naming the key it points to (a first pass learns it).
    const expected = jq(JQ_ALIAS_SELECTION, { bytes: t.bytes }, ['--arg', 'alias', alias]);
    expect(expected.length).toBeGreaterThan(0);
    expectSameRecords(await tool(['--key', alias, t.path]), expected);
  });

  it('--errors --mutating equals jq', async () => {
    const t = trail(index);
    const expected = jq(
      '.Records[] | select(.eventSource == "kms.amazonaws.com" and (.errorCode // "") != "" and .readOnly == false)',
      { bytes: t.bytes },
    );
    expectSameRecords(await tool(['--errors', '--mutating', t.path]), expected);
  });
});

describe('several generated trails in one call', () => {
  it('gzip then plain, any number of jobs: the concatenation of jq over each, in argument order', async () => {
    const expected = [...jq('.Records[]', { bytes: trail(3).bytes }), ...jq('.Records[]', { bytes: trail(0).bytes })];
    for (const jobs of ['1', '2']) {
      expectSameRecords(await tool(['--all-sources', '--jobs', jobs, trail(3).path, trail(0).path]), expected);
    }
  });
});

describe('real records (fixtures/records/)', () => {
  const files = readdirSync(RECORDS)
    .filter((f) => f.endsWith('.json'))
    .sort();

  it.each(files)('%s: --all-sources equals jq .Records[] with copies of one event dropped; --keep-duplicates equals .Records[]', async (file) => {
    const path = join(RECORDS, file);
    const expected = jq(`${JQ_FIRST_COPIES} .Records | firstcopies`, { file: path });
    expect(expected.length).toBeGreaterThan(0);
    expectSameRecords(await tool(['--all-sources', path]), expected);
    expectSameRecords(await tool(['--all-sources', '--keep-duplicates', path]), jq('.Records[]', { file: path }));
  });

  it('all of them in one call: the concatenation, in argument order, copies dropped across files', async () => {
    const paths = files.map((f) => join(RECORDS, f)).reverse();
    const expected = jq(`${JQ_FIRST_COPIES} [inputs | .Records[]] | firstcopies`, { files: paths }, ['-n']);
    expectSameRecords(await tool(['--all-sources', ...paths]), expected);
    expectSameRecords(await tool(['--all-sources', '--keep-duplicates', ...paths]), paths.flatMap((p) => jq('.Records[]', { file: p })));
  });

  it('default selection (KMS only) equals jq select(kms) over all of them', async () => {
    const paths = files.map((f) => join(RECORDS, f));
    const expected = jq(`${JQ_FIRST_COPIES} [inputs | .Records[]] | firstcopies | select(.eventSource == "kms.amazonaws.com")`, { files: paths }, ['-n']) as Json[];
    expectSameRecords(await tool(paths), expected);
  });
});

const SANS = join(SHARED, 'samples', 'trees', 'SANS-504-S3-ransomware-lab');

describe.skipIf(!existsSync(SANS))('the SANS 504 lab tree: one key across services', () => {
  it('--all-sources --key <its key> equals jq over the key fields: KMS events, the S3 objects written with it, the trail naming it', async () => {
    const paths = readdirSync(SANS, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.json.gz'))
      .map((e) => join(e.parentPath, e.name))
      .sort();
    const bytes = Buffer.concat(paths.map((p) => gunzipSync(readFileSync(p))));
    const id = '85b4ab0e-eee7-4450-adba-82137e39764c';
    // Runs in its child process while jq works here.
    const actual = tool(['--all-sources', '--key', id, SANS]);
    const expected = jq(
      // Only records whose text names the key can be taken (copies of one event all do or all don't).
      `${JQ_FIRST_COPIES} [inputs | .Records[] | select(tostring | contains($id))] | firstcopies
         | select(${KEY_FIELDS} | map(sub("^arn:aws:kms:[^:]*:[^:]*:key/"; "")) | index($id) != null)`,
      { bytes },
      ['-n', '--arg', 'id', id],
    ) as Array<{ eventSource: string }>;
    // The S3 objects written with it (SSE-KMS) and the trail that names it, besides KMS's own events.
    for (const source of ['kms.amazonaws.com', 's3.amazonaws.com', 'cloudtrail.amazonaws.com']) {
      expect(expected.filter((r) => r.eventSource === source).length, source).toBeGreaterThan(0);
    }
    const asSet = (records: unknown[]) => records.map((r) => JSON.stringify(r)).sort();
    expect(asSet(await actual)).toEqual(asSet(expected));
  }, 60_000);
});

describe('crafted trails', () => {
  let craftDir: string | undefined;
  let multibyte: string;
  let multibyteGz: string;
  let escaped: string;
  let duplicated: string;

  beforeAll(() => {
    craftDir = makeTempDir();
    // ~4 MB of real records with multi-byte UTF-8 everywhere, so that chunk boundaries (plain and
    // after gunzip) fall inside multi-byte characters.
    const records = (JSON.parse(readFileSync(KMS_DOCS, 'utf8')) as { Records: Json[] }).Records;
    const many: Json[] = [];
    for (let i = 0; many.length < 4000; i++) {
      const r = structuredClone(records[i % records.length]);
      r.userAgent = `ué漢字🙂`.repeat(1 + (many.length % 7)) + String(many.length);
      r.eventID = `id-${many.length}-Ω`;
      many.push(r);
    }
    const text = JSON.stringify({ Records: many });
    multibyte = join(craftDir, 'multibyte.json');
    multibyteGz = join(craftDir, 'multibyte.json.gz');
    writeFileSync(multibyte, text);
    writeFileSync(multibyteGz, gzipSync(text));

    // Field names and values written with JSON escapes; a nested object holding look-alike fields.
    escaped = join(craftDir, 'escaped.json');
    writeFileSync(
      escaped,
      [
        '{"Records":[',
        '{"eventSource":"kms.amazonaws.com","eventName":"\\u0043reateKey","eventTime":"2024-01-01T00:00:00Z","n":1},',
        '{"eventSource":"kms\\u002eamazonaws.com","eventName":"CreateKey","eventTime":"2024-01-01T00:00:01Z","n":2},',
        '{"eventSource":"kms.amazonaws.com","\\u0065ventName":"CreateKey","eventTime":"2024-01-01T00:00:02Z","n":3},',
        '{"userIdentity":{"eventName":"Decrypt","eventSource":"s3.amazonaws.com"},"eventSource":"kms.amazonaws.com","eventName":"CreateKey","n":4},',
        '{"eventSource":"kms.amazonaws.com","eventName":"Decrypt","requestParameters":{"eventName":"CreateKey"},"n":5}',
        ']}',
      ].join('\n'),
    );

    // The same field twice in one record: JSON.parse and jq both keep the last value.
    duplicated = join(craftDir, 'duplicated.json');
    writeFileSync(
      duplicated,
      [
        '{"Records":[',
        '{"eventSource":"s3.amazonaws.com","eventName":"CreateKey","eventSource":"kms.amazonaws.com","n":1},',
        '{"eventSource":"kms.amazonaws.com","eventName":"Decrypt","eventName":"CreateKey","n":2},',
        '{"eventSource":"kms.amazonaws.com","eventName":"CreateKey","eventName":"Decrypt","n":3}',
        ']}',
      ].join('\n'),
    );
  });

  afterAll(() => removeDir(craftDir));

  it.each([
    ['plain', () => multibyte],
    ['gzip', () => multibyteGz],
  ])('multi-byte UTF-8 across chunk boundaries (%s): --all-sources equals jq', async (_kind, file) => {
    const expected = jq('.Records[]', { file: multibyte });
    expect(expected).toHaveLength(4000);
    expectSameRecords(await tool(['--all-sources', file()]), expected);
  });

  it('multi-byte UTF-8: --event Decrypt equals jq', async () => {
    const expected = jq('.Records[] | select(.eventSource == "kms.amazonaws.com" and .eventName == "Decrypt")', { file: multibyte });
    expect(expected.length).toBeGreaterThan(0);
    expectSameRecords(await tool(['--event', 'Decrypt', multibyte]), expected);
  });

  it('JSON escapes in names and values: --event CreateKey equals jq', async () => {
    const expected = jq('.Records[] | select(.eventSource == "kms.amazonaws.com" and .eventName == "CreateKey")', { file: escaped });
    expect((expected as Json[]).map((r) => r.n)).toEqual([1, 2, 3, 4]);
    expectSameRecords(await tool(['--event', 'CreateKey', escaped]), expected);
  });

  // Regression guard: the hot-field pre-check reads the first "eventSource"/"eventName" of a record, while JSON.parse (and jq, and --reader stream-json) keep the last one, so a record with a repeated field can be dropped before it is parse
  it('a field given twice in a record: the last value counts, as in jq', async () => {
    const expected = jq('.Records[] | select(.eventSource == "kms.amazonaws.com" and .eventName == "CreateKey")', { file: duplicated });
    expect((expected as Json[]).map((r) => r.n)).toEqual([1, 2]);
    expectSameRecords(await tool(['--event', 'CreateKey', duplicated]), expected);
  });
});
