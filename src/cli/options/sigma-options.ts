/**
 * `--sigma PATH`, shared by `detect` and `report`: where Sigma rules come from, and what their
 * loading says under --stats.
 */
import type { SigmaRuleSet } from '../../rules/sigma/index.js';
import { UsageError } from '../messages.js';
import { option, type RawValue } from './option-table.js';

/** Paths are not split at commas (a file name may hold one); an empty one is refused like any empty value. */
function sigmaPaths(raw: RawValue): string[] {
  const values = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  if (values.some((v) => v.trim() === '')) throw new UsageError('option --sigma: empty value');
  return values;
}

export function sigmaOption(group: string) {
  return {
    sigma: option({
      flags: '--sigma <path>',
      help: 'Sigma rules too: a .yml/.yaml file or a directory of them (repeatable)',
      group,
      repeatable: true,
      parse: sigmaPaths,
    }),
  };
}

/** --stats lines about the Sigma files: what loaded, what did not, what is not for CloudTrail. */
export function sigmaStats(set: SigmaRuleSet): string[] {
  const n = (x: number) => x.toLocaleString('en-US');
  const correlations = set.rules.filter((r) => r.kind === 'correlation').length;
  const plural = (x: number, what: string) => `${n(x)} ${what}${x === 1 ? '' : 's'}`;
  const lines = [
    `sigma: ${plural(set.rules.length, 'rule')} loaded from ${plural(set.files, 'file')} (${plural(correlations, 'correlation')}), ` +
      `${plural(set.problems.filter((p) => !p.warning).length, 'problem')}, ${plural(set.notApplicable.length, 'rule')} not for CloudTrail`,
  ];
  if (set.notApplicable.length > 0) {
    const byLogsource = new Map<string, number>();
    for (const r of set.notApplicable) byLogsource.set(r.logsource, (byLogsource.get(r.logsource) ?? 0) + 1);
    const shown = [...byLogsource].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([ls, k]) => `${ls} (${n(k)})`);
    lines.push(`sigma: not for CloudTrail, not run: ${shown.slice(0, 10).join('; ')}${shown.length > 10 ? `; ${shown.length - 10} more logsources` : ''}`);
  }
  return lines;
}
