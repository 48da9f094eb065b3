/**
 * Help prose fitted to the terminal's width: nothing breaks mid-word, no line is wider than the
 * width (but for a single word that cannot fit), and the words and examples stay what they were.
 */
import { describe, expect, it } from 'vitest';
import { fitHelpText, shellWords } from '../../../src/cli/help-text.js';

const PROSE = `
Shows the files and records read, the time span, the top values (with counts and shares of the
matched records) of event names, principals, keys, source IPs, regions and error codes, and
then the rest.
A short line stays a line of its own.

Engines:
  athena   the CloudTrail table of the Athena user guide (lower-case columns, useridentity struct,
           eventtime string, requestparameters JSON text). --table names it.
  lake     CloudTrail Lake: --eds takes the event data store ID or ARN.

Exactness: the query selects what filter selects, except:
  --source-ip with an IPv6 address or block is refused (an IPv6 address has many spellings, really);
  athena and lake: --user does not see userIdentity.onBehalfOf or the session_name/assumed_role
  fields of Datadog exports.

Examples:
  kmstrail filter --event CreateKey samples/
  kmstrail filter --event ScheduleKeyDeletion,DisableKey AWSLogs/      who is destroying keys?
  kmstrail detect --sigma my-rules/ --no-builtin --format jsonl logs/ | jq -r '[.rule, .title] | @tsv'
`;

const words = (text: string) => text.split(/\s+/).filter((w) => w !== '' && w !== '\\' && w !== '#');

describe('fitHelpText', () => {
  for (const width of [40, 60, 80, 100]) {
    it(`fits every line in ${width} columns, keeping every word in order`, () => {
      const fitted = fitHelpText(PROSE, width);
      for (const line of fitted.split('\n')) expect(line.length, line).toBeLessThanOrEqual(width);
      // Comments move above their example: compare the words as a multiset.
      expect(words(fitted).sort()).toEqual(words(PROSE).sort());
    });
  }

  it('flows a paragraph its author wrapped for width, and keeps a short line a line', () => {
    const fitted = fitHelpText(PROSE, 80).split('\n');
    // Lines filled: the next line's first word would not have fitted on the one before.
    expect(fitted[1]).toMatch(/^Shows the files/);
    for (const k of [1, 2]) expect(`${fitted[k]} ${fitted[k + 1].split(' ')[0]}`.length).toBeGreaterThan(80);
    expect(fitted).toContain('A short line stays a line of its own.');
  });

  it("keeps a list item's hanging indent", () => {
    const fitted = fitHelpText(PROSE, 60).split('\n');
    const athena = fitted.findIndex((line) => line.startsWith('  athena   the CloudTrail'));
    expect(fitted[athena + 1]).toMatch(/^ {11}\S/);
    expect(fitted.find((line) => line.startsWith('  lake     CloudTrail Lake'))).toBeDefined();
  });

  it('keeps list items that end in ";" apart, and flows each', () => {
    const fitted = fitHelpText(PROSE, 60).split('\n');
    const item = fitted.findIndex((line) => line.startsWith('  athena and lake: --user'));
    expect(fitted[item - 1]).toMatch(/really\);$/);
    expect(fitted[item + 1]).toMatch(/^ {2}\S/);
  });

  it('leaves text that fits as it was', () => {
    expect(fitHelpText(PROSE, 200)).toBe(PROSE);
  });

  it("puts an example's comment above it, and continues a long command with a backslash", () => {
    const fitted = fitHelpText(PROSE, 60).split('\n');
    const comment = fitted.indexOf('  # who is destroying keys?');
    expect(comment).toBeGreaterThan(0);
    expect(fitted[comment + 1]).toMatch(/^ {2}kmstrail filter /);
    // Broken before an option, not between an option and its value.
    expect(fitted[comment + 2]).toBe('      --event ScheduleKeyDeletion,DisableKey AWSLogs/');
    // At 80 columns the command alone fits: one line, under its comment.
    const at80 = fitHelpText(PROSE, 80).split('\n');
    expect(at80[at80.indexOf('  # who is destroying keys?') + 1]).toBe('  kmstrail filter --event ScheduleKeyDeletion,DisableKey AWSLogs/');
    // Joined back as a shell would (backslash-newline removed), the command is the same words.
    const detect = fitted.findIndex((line) => line.startsWith('  kmstrail detect'));
    const lines: string[] = [];
    for (let k = detect; ; k++) {
      lines.push(fitted[k]);
      if (!fitted[k].endsWith(' \\')) break;
    }
    expect(lines.length).toBeGreaterThan(1);
    const joined = lines.map((line) => line.replace(/ \\$/, '')).join(' ');
    expect(shellWords(joined)).toEqual(shellWords("kmstrail detect --sigma my-rules/ --no-builtin --format jsonl logs/ | jq -r '[.rule, .title] | @tsv'"));
  });
});

describe('shellWords', () => {
  it('splits at spaces outside quotes only', () => {
    expect(shellWords(`jq -r '[.rule, .title] | @tsv'  "a b"`)).toEqual(['jq', '-r', "'[.rule, .title] | @tsv'", '"a b"']);
  });
});
