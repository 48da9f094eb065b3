/**
 * Loading Sigma rules: files and directories (walked recursively for .yml / .yaml, in name
 * order), every YAML document of a file (a correlation may sit beside its base rules), Sigma 1's
 * `action: global` / `reset` / `repeat` documents, and references between rules across files.
 *
 * Nothing here stops at a bad rule: each problem is one line naming the file, the rest still load.
 * Rules whose logsource is not CloudTrail are listed apart, so the caller can say how many.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isNode, LineCounter, parseAllDocuments, visit, type Document } from 'yaml';
import { SigmaRuleError } from './field-test.js';
import { describeLogsource, fitsCloudTrail, ruleFromDocument, type SigmaCorrelationRule, type SigmaRule } from './sigma-rule.js';

export interface SigmaProblem {
  file: string;
  message: string;
  /** Told, but the run goes on and does not fail for it (a rule for another log source, named by path). */
  warning?: boolean;
}

/** Why a rule path could not be read, in words. */
function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'cannot read: no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot read: permission denied';
  if (code === 'EISDIR') return 'cannot read: is a directory';
  return `cannot read: ${code ?? (error as Error).message}`;
}

export interface NotApplicableRule {
  file: string;
  title: string;
  logsource: string;
}

export interface SigmaRuleSet {
  /** Every rule that runs, base rules of correlations included (see `standalone`). */
  rules: SigmaRule[];
  problems: SigmaProblem[];
  notApplicable: NotApplicableRule[];
  /** The rule files read. */
  files: number;
}

interface Parsed {
  rules: SigmaRule[];
  problems: SigmaProblem[];
  /**
   * The rules named by correlations that did not load (and do not say `generate`): building blocks
   * still, so a broken correlation does not turn them into a flood of hits of their own.
   */
  blocks: string[];
}

/** The rules a correlation document names, when its `rules` can be read and it does not say `generate: true`. */
function namedBlocks(doc: unknown): string[] {
  if (!isMap(doc) || !isMap(doc.correlation) || doc.correlation.generate === true) return [];
  const refs = doc.correlation.rules;
  const list = typeof refs === 'string' ? [refs] : Array.isArray(refs) ? refs : [];
  return list.filter((r): r is string => typeof r === 'string');
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Maps merged key by key, the later document winning (Sigma 1's `action: global`). */
function merge(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? merge(base[k], v) : v;
  return out;
}

const docLabel = (doc: unknown, n: number, total: number): string => {
  const title = isMap(doc) && typeof doc.title === 'string' ? `rule '${doc.title}'` : '';
  const where = total > 1 ? `document ${n}` : '';
  return [where, title].filter(Boolean).join(', ');
};

/**
 * A plain scalar of a detection that YAML reads as a number stays the text written when the number
 * prints otherwise: Sigma compares values as text, and YAML's number is not what the rule says.
 * `eventVersion: 1.10` (CloudTrail's current version) was read as 1.1 and matched no record;
 * `recipientAccountId: 012345678901` as 12345678901 (pySigma's YAML 1.1 keeps that one a string,
 * or reads octal when every digit is below 8). `port: 22` stays 22, which matches 22 and "22".
 * Only the detection: a correlation's `gte: 2` must stay a number.
 */
function keepWrittenNumbers(doc: Document): void {
  const detection = doc.get('detection', true);
  if (!isNode(detection)) return;
  visit(detection, {
    Scalar(_key, node) {
      if (typeof node.value === 'number' && node.type === 'PLAIN' && typeof node.source === 'string' && node.source !== String(node.value)) {
        node.value = node.source;
      }
    },
  });
}

/**
 * The yaml library's cap on what aliases expand to (its default is 100): a list of a few hundred
 * `*name` is a rule, a few levels of lists of lists of aliases (a "billion laughs") is not.
 */
const MAX_ALIAS_COUNT = 10_000;

/** The rules of one file's text, with no references resolved yet. */
function parseDocuments(text: string, file: string): Parsed {
  const rules: SigmaRule[] = [];
  const problems: SigmaProblem[] = [];
  const blocks: string[] = [];
  const lines = new LineCounter();
  // Merge keys (`<<: *common`), as PyYAML, and so pySigma, reads them.
  const stream = parseAllDocuments(text, { prettyErrors: false, lineCounter: lines, merge: true });
  const docs = Array.isArray(stream) ? stream : [];
  let global: unknown;
  let previous: unknown;
  docs.forEach((doc, i) => {
    const n = i + 1;
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const pos = lines.linePos(e.pos[0]);
      const at = ` at line ${pos.line}, column ${pos.col}`;
      problems.push({ file, message: `YAML${docs.length > 1 ? ` document ${n}` : ''}${at}: ${e.message.split('\n')[0]}` });
      return;
    }
    keepWrittenNumbers(doc);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      // An alias to no anchor, or an alias bomb, shows only now.
      problems.push({ file, message: `YAML${docs.length > 1 ? ` document ${n}` : ''}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}` });
      return;
    }
    if (value === null || value === undefined) return;
    if (isMap(value) && 'action' in value) {
      const { action, ...rest } = value;
      if (action === 'global') {
        global = rest;
        return;
      }
      if (action === 'reset') {
        global = undefined;
        return;
      }
      if (action === 'repeat') {
        value = merge(previous, rest);
      } else {
        problems.push({ file, message: `${docLabel(value, n, docs.length) || `document ${n}`}: action '${String(action)}' is not global, reset or repeat` });
        return;
      }
    } else if (global !== undefined) {
      value = merge(global, value);
    }
    previous = value;
    try {
      rules.push(...ruleFromDocument(value, file, n));
    } catch (error) {
      if (!(error instanceof SigmaRuleError)) throw error;
      const label = docLabel(value, n, docs.length);
      const named = namedBlocks(value);
      blocks.push(...named);
      problems.push({ file, message: `${label ? `${label}: ` : ''}${error.message}${silentRulesNote(named)}` });
    }
  });
  if (rules.length === 0 && problems.length === 0) problems.push({ file, message: 'holds no Sigma rule' });
  return { rules, problems, blocks };
}

/** For a correlation that does not run: which of the rules it names stay silent for it. */
function silencedNote(rule: SigmaRule, byRef: ReadonlyMap<string, SigmaRule>): string {
  if (rule.kind !== 'correlation' || rule.generate || rule.legacy) return '';
  return silentRulesNote(rule.ruleRefs.filter((ref) => byRef.has(ref)));
}

/** What a correlation that does not run adds to its problem line about the rules it names. */
function silentRulesNote(names: readonly string[]): string {
  return names.length > 0 ? ` (the rules it names report nothing on their own: ${names.join(', ')})` : '';
}

/**
 * References, applicability and standalone reporting, over all files at once. A correlation
 * whose base rule is missing or broken is a problem; one whose base rule is not CloudTrail is
 * not applicable like it.
 */
function resolve(parsed: Parsed): SigmaRuleSet {
  const problems = [...parsed.problems];
  const notApplicable: NotApplicableRule[] = [];
  const byRef = new Map<string, SigmaRule>();
  const accepted: SigmaRule[] = [];
  for (const rule of parsed.rules) {
    const refs = [rule.id, rule.name].filter((r): r is string => r !== undefined);
    const clash = refs.map((r) => byRef.get(r)).find((r) => r !== undefined);
    if (clash) {
      problems.push({ file: rule.file, message: `rule '${rule.title}': id or name '${clash.id === rule.id ? rule.id : rule.name}' is already used by ${clash.file}` });
      continue;
    }
    for (const r of refs) byRef.set(r, rule);
    accepted.push(rule);
  }

  // Applicability and references, depth first (correlations may chain).
  const verdict = new Map<SigmaRule, { ok: true } | { ok: false; problem?: string; logsource?: string }>();
  const judge = (rule: SigmaRule, trail: SigmaRule[]): { ok: true } | { ok: false; problem?: string; logsource?: string } => {
    const known = verdict.get(rule);
    if (known) return known;
    if (trail.includes(rule)) return { ok: false, problem: `correlation '${rule.title}' refers to itself through its rules` };
    let result: { ok: true } | { ok: false; problem?: string; logsource?: string } = { ok: true };
    if (rule.kind === 'detection') {
      if (!fitsCloudTrail(rule.logsource)) result = { ok: false, logsource: describeLogsource(rule.logsource) };
    } else {
      if (!rule.legacy) {
        rule.rules = [];
        for (const ref of rule.ruleRefs) {
          const target = byRef.get(ref);
          if (!target) {
            result = { ok: false, problem: `correlation '${rule.title}' refers to rule '${ref}', which is not loaded` };
            break;
          }
          rule.rules.push(target);
        }
      }
      if (result.ok) {
        for (const base of rule.rules) {
          const inner = judge(base, [...trail, rule]);
          if (!inner.ok) {
            result = inner.problem
              ? { ok: false, problem: inner.problem }
              : { ok: false, logsource: inner.logsource };
            break;
          }
        }
      }
    }
    verdict.set(rule, result);
    return result;
  };
  const rules: SigmaRule[] = [];
  for (const rule of accepted) {
    const v = judge(rule, []);
    if (v.ok) rules.push(rule);
    else if (v.problem) problems.push({ file: rule.file, message: v.problem + silencedNote(rule, byRef) });
    else notApplicable.push({ file: rule.file, title: rule.title, logsource: v.logsource ?? '(none)' });
  }
  // Base rules report by themselves only when no correlation names them, or one says `generate`.
  // A correlation that does not run (a missing reference, a bad chain, a document that did not
  // load) still names its building blocks: they stay silent rather than report on their own.
  const used = new Set<SigmaRule>();
  const generated = new Set<SigmaRule>();
  const name = (ref: string, generate: boolean) => {
    const base = byRef.get(ref);
    if (!base) return;
    used.add(base);
    if (generate) generated.add(base);
  };
  for (const rule of accepted) if (rule.kind === 'correlation') for (const ref of rule.ruleRefs) name(ref, rule.generate);
  for (const ref of parsed.blocks) name(ref, false);
  for (const rule of rules) rule.standalone = !used.has(rule) || generated.has(rule);
  const checked = validateChains(rules, problems);
  return { rules: checked, problems, notApplicable, files: 0 };
}

/**
 * A correlation fed by another must group by fields the inner one groups by, and the inner one
 * must be able to say "hit" the moment its count is reached (gt/gte only), so the outer one sees
 * it in time order.
 */
function validateChains(rules: SigmaRule[], problems: SigmaProblem[]): SigmaRule[] {
  const bad = new Set<SigmaRule>();
  for (const rule of rules) {
    if (rule.kind !== 'correlation') continue;
    for (const base of rule.rules) {
      if (base.kind !== 'correlation') continue;
      const why = chainProblem(rule, base);
      if (why) {
        problems.push({ file: rule.file, message: `correlation '${rule.title}': ${why}` });
        bad.add(rule);
      }
    }
  }
  // Drop the broken ones and whatever depends on them.
  let changed = bad.size > 0;
  while (changed) {
    changed = false;
    for (const rule of rules) {
      if (bad.has(rule) || rule.kind !== 'correlation') continue;
      if (rule.rules.some((r) => bad.has(r))) {
        bad.add(rule);
        problems.push({ file: rule.file, message: `correlation '${rule.title}' refers to a correlation that cannot run` });
        changed = true;
      }
    }
  }
  return rules.filter((r) => !bad.has(r));
}

function chainProblem(outer: SigmaCorrelationRule, inner: SigmaCorrelationRule): string | undefined {
  const c = inner.condition;
  if (c.lt !== undefined || c.lte !== undefined || c.eq !== undefined || (c.gt === undefined && c.gte === undefined)) {
    return `the correlation '${inner.title}' it uses must have a gt or gte condition only`;
  }
  const fields = [...outer.groupBy, ...(outer.field ? [outer.field] : [])];
  for (const f of fields) {
    const mapped = inner.name ? outer.aliases[f]?.[inner.name] ?? f : f;
    if (!inner.groupBy.includes(mapped)) return `it groups by '${f}', which the correlation '${inner.title}' does not group by`;
  }
  return undefined;
}

/** Parses one file's text (pure: no file access); references resolve within the text. */
export function parseSigmaText(text: string, file: string): SigmaRuleSet {
  return { ...resolve(parseDocuments(text, file)), files: 1 };
}

/**
 * Rule files under `path`, each once (whether it holds any): `seen` holds the real paths of the
 * files and folders taken, and whether each held rule files.
 * A file named twice, or reached again through a link (`self -> .`, a loop), would be a second
 * rule clashing with its own id.
 */
async function walk(path: string, out: string[], problems: SigmaProblem[], seen: Map<string, boolean>): Promise<boolean> {
  let info;
  let real;
  try {
    info = await stat(path);
    real = await realpath(path);
  } catch (error) {
    problems.push({ file: path, message: readProblem(error) });
    return true;
  }
  if (!info.isDirectory()) {
    if (!seen.has(real)) out.push(path);
    seen.set(real, true);
    return true;
  }
  // A folder walked already (or being walked: a loop) holds rule files only if it did then.
  const walked = seen.get(real);
  if (walked !== undefined) return walked;
  seen.set(real, false);
  let found = false;
  const names = (await readdir(path)).sort();
  for (const name of names) {
    const child = join(path, name);
    const childInfo = await stat(child).catch(() => undefined);
    if (childInfo?.isDirectory() || /\.ya?ml$/i.test(name)) found = (await walk(child, out, problems, seen)) || found;
  }
  seen.set(real, found);
  return found;
}

/** Loads rule files and directories; a file named directly is read whatever its extension. */
export async function loadSigmaRules(paths: readonly string[]): Promise<SigmaRuleSet> {
  const problems: SigmaProblem[] = [];
  const files: string[] = [];
  const seen = new Map<string, boolean>();
  for (const p of paths) {
    const before = files.length;
    const known = problems.length;
    const found = await walk(p, files, problems, seen);
    // A directory without rule files is more likely a wrong path than a choice to run nothing.
    if (!found && files.length === before && problems.length === known) problems.push({ file: p, message: 'holds no .yml or .yaml file' });
  }
  const rules: SigmaRule[] = [];
  const blocks: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      problems.push({ file, message: readProblem(error) });
      continue;
    }
    const parsed = parseDocuments(text, file);
    rules.push(...parsed.rules);
    problems.push(...parsed.problems);
    blocks.push(...parsed.blocks);
  }
  const set = resolve({ rules, problems, blocks });
  // A rule file named by path was meant to run: one for another log source is said so. Found in a
  // directory (SigmaHQ's tree holds every product's rules), it is only counted, under --stats.
  const named = new Set(paths);
  for (const rule of set.notApplicable) {
    if (named.has(rule.file)) {
      set.problems.push({ file: rule.file, message: `rule '${rule.title}' is for logsource ${rule.logsource}, not CloudTrail: not run`, warning: true });
    }
  }
  return { ...set, files: files.length };
}
