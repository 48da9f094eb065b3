/**
 * Small tools for the end-to-end tests: an independent oracle (jq), a csv parser, temp dirs and
 * the fixture records. Nothing here imports from src/: expected values must not come from the tool.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, jsonLines } from './run-cli.js';

export type Json = { [key: string]: unknown };

const BIG = 512 * 1024 * 1024;

/**
 * jq: `firstcopies` streams the elements of an array with copies of one event dropped, as kmstrail
 * does by default: the first record of each (eventID, eventTime, eventName, errorCode,
 * recipientAccountId), non-strings counting as empty; a record without an eventID is never a copy.
 * Written here in jq, apart from src/cloudtrail/fingerprint.ts, so it can catch a wrong rule.
 * (unique_by keeps the first of each group: group_by is a stable sort.)
 */
export const JQ_FIRST_COPIES = `def firstcopies: [to_entries[] | {i: .key, r: .value, k: (.value |
    if (.eventID | type) == "string" and .eventID != ""
    then [.eventID, .eventTime, .eventName, .errorCode, .recipientAccountId] | map(if type == "string" then . else "" end) | tojson
    else null end)}]
  | (map(select(.k == null)) + (map(select(.k != null)) | unique_by(.k))) | sort_by(.i) | .[].r;`;

/**
 * Runs `jq -c <filter>` over a file, several files (read with `inputs`: pass `-n`), or given
 * bytes, and returns its output lines, parsed.
 */
export function jq(filter: string, input: { file: string } | { files: string[] } | { bytes: Buffer | string }, args: string[] = []): unknown[] {
  const argv = ['-c', ...args, filter];
  if ('file' in input) argv.push(input.file);
  if ('files' in input) argv.push(...input.files);
  const result = spawnSync('jq', argv, {
    input: 'bytes' in input ? input.bytes : undefined,
    maxBuffer: BIG,
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`jq ${filter} failed (${result.status}): ${result.stderr}`);
  return jsonLines(result.stdout);
}

/** RFC 4180 csv: quoted cells may hold commas, quotes ("") and line breaks; rows end in CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      cell += ch;
      i++;
      continue;
    }
    if (ch === '"' && cell === '') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(cell);
      cell = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 2;
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else if (ch === '"') {
      throw new Error(`csv: stray quote inside an unquoted cell at char ${i}`);
    } else {
      cell += ch;
      i++;
    }
  }
  if (quoted) throw new Error('csv: unterminated quoted cell');
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** Data rows of a box table (src/sinks/wrapped-table.ts): the cells between `│`, trimmed (header row included). */
export function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) =>
      line
        .slice(1, -1)
        .split('│')
        .map((cell) => cell.trim()),
    );
}

export function makeTempDir(prefix = 'kmstrail-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

export const SHAPES = join(FIXTURES, 'shapes');
export const TREE = join(FIXTURES, 'tree');
export const BAD = join(FIXTURES, 'bad');
export const RECORDS = join(FIXTURES, 'records');
export const KMS_DOCS = join(RECORDS, 'kms-docs.json');

/** The 5 records every shape holds, parsed from shapes/expected.jsonl. */
export function expectedShapeRecords(): Json[] {
  return jsonLines(readFileSync(join(SHAPES, 'expected.jsonl'), 'utf8')) as Json[];
}

/** The raw lines of shapes/expected.jsonl (the records' exact text). */
export function expectedShapeLines(): string[] {
  return readFileSync(join(SHAPES, 'expected.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

/** Lines of stderr, without the final empty one. */
export function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));
}

/** True when the text has no line that looks like a JavaScript stack frame. */
export const STACK_FRAME = /^\s+at /m;

/** Every key reference a record holds, per the --key help text: request, response, resources. */
export const JQ_KEY_REFS = `[(.requestParameters | objects | (.keyId, .targetKeyId, .sourceKeyId, .destinationKeyId, .aliasName)),
  (.responseElements | objects | (.keyId, (.keyMetadata | objects | (.keyId, .arn)))),
  ((.resources // [])[] | objects | (.ARN // .arn))] | map(strings)`;

/** A key reference reduced to the key ID it names (lower case), or null for aliases. */
export const JQ_KEY_ID_OF = `if test("^arn:[a-z-]+:kms:[^:]*:[^:]*:key/") then sub("^arn:[a-z-]+:kms:[^:]*:[^:]*:key/"; "") | ascii_downcase
  elif test("^(arn:|alias/)") then null else ascii_downcase end`;

/**
 * jq's answer to `--key $alias`, written independently of kmstrail: KMS records that name the alias,
 * plus those naming a key the alias was seen pointing to (a successful CreateAlias/UpdateAlias
 * target, or the one key of a record that names the alias), as the README documents.
 */
export const JQ_ALIAS_SELECTION = `${JQ_FIRST_COPIES}
def refs: ${JQ_KEY_REFS};
def ids: refs | map(${JQ_KEY_ID_OF}) | map(select(. != null));
def names_alias: refs | map(sub("^arn:[a-z-]+:kms:[^:]*:[^:]*:"; "")) | index($alias) != null;
def kms: .eventSource == "kms.amazonaws.com";
[.Records[] | select(kms) | select(names_alias)] as $named
| ([$named[] | if (.eventName == "CreateAlias" or .eventName == "UpdateAlias")
      then (if (.errorCode // "") == "" then [.requestParameters.targetKeyId | strings | ${JQ_KEY_ID_OF}] else [] end)
      else (ids | unique | if length == 1 then . else [] end) end] | add // [] | map(select(. != null)) | unique) as $keys
| .Records | firstcopies | select(kms) | select(names_alias or ((ids - (ids - $keys)) | length > 0))`;
