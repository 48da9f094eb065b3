/**
 * An independent, deliberately plain and slow Sigma evaluator for differential tests of
 * src/rules/sigma. It shares no code with the engine (it imports nothing from src/) and works
 * differently on purpose: each record is flattened once into (key path, value) pairs, every value
 * test becomes a regular expression on lower-cased text, and correlations are computed after the
 * whole input is read, from the sorted list of matches, by the window definition written in
 * src/rules/sigma/correlation.ts. It covers what the SigmaHQ CloudTrail rules in ../shared/sigma
 * use: equality, lists, contains / startswith / endswith / all / re / fieldref / cased, null,
 * '*', lists of maps, keywords, dotted paths through arrays, and/or/not/parentheses/1 of/all of,
 * and Sigma 1's `| count() [by f] > N` with timeframe (event and distinct-value counts); and, for
 * the correlation property tests, v2 correlations (all four types, group-by, any gt/gte/lt/lte/eq)
 * on rules of the same text, without aliases or chains. Anything else makes it throw, so a test
 * cannot silently compare against a guess.
 *
 * The semantics it implements are the engine's documented decisions: a field stands for every
 * scalar under it; numbers and booleans compare as text; `null` means no value but null; keywords
 * are substrings of any scalar; a record matching some rule counts once per fingerprint (eventID,
 * eventTime, eventName, errorCode, recipientAccountId).
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

// ------------------------------------------------------------------ records

/** Every node of a record: its key path (arrays add nothing) and what it is. */
function flatten(value, keys, out) {
  if (Array.isArray(value)) {
    out.nodes.push({ keys, kind: 'array' });
    for (const item of value) flatten(item, keys, out);
  } else if (value !== null && typeof value === 'object') {
    out.nodes.push({ keys, kind: 'object' });
    for (const k of Object.keys(value)) flatten(value[k], [...keys, k], out);
  } else if (value === null) {
    out.nodes.push({ keys, kind: 'null' });
  } else {
    const text = typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value);
    out.nodes.push({ keys, kind: 'scalar', text });
    out.scalars.push(text);
  }
}

/** A record prepared for plain lookups: field name -> nodes at it, and -> scalars at or under it. */
export function prepare(record) {
  const flat = { nodes: [], scalars: [] };
  for (const k of Object.keys(record)) flatten(record[k], [k], flat);
  const at = new Map();
  const under = new Map();
  for (const node of flat.nodes) {
    const exact = node.keys.join('.');
    if (!at.has(exact)) at.set(exact, []);
    at.get(exact).push(node);
    if (node.kind !== 'scalar') continue;
    for (let k = 1; k <= node.keys.length; k++) {
      const prefix = node.keys.slice(0, k).join('.');
      if (!under.has(prefix)) under.set(prefix, []);
      under.get(prefix).push(node.text);
    }
  }
  return { record, at, under, all: flat.scalars };
}

// ------------------------------------------------------------------ values

function sigmaRegexSource(value) {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && (value[i + 1] === '*' || value[i + 1] === '?' || value[i + 1] === '\\')) {
      out += '\\' + value[i + 1];
      i++;
    } else if (c === '\\') out += '\\\\';
    else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (/[.+^${}()|[\]/]/.test(c)) out += '\\' + c;
    else out += c;
  }
  return out;
}

function valueMatcher(raw, modifiers) {
  const cased = modifiers.includes('cased');
  if (modifiers.includes('re')) {
    let flags = '';
    for (const f of ['i', 'm', 's']) if (modifiers.includes(f)) flags += f;
    let body = raw;
    const inline = /^\(\?([ims]+)\)/.exec(body);
    if (inline) {
      body = body.slice(inline[0].length);
      for (const f of inline[1]) if (!flags.includes(f)) flags += f;
    }
    const re = new RegExp(body, flags);
    return (text) => re.test(text);
  }
  let text = typeof raw === 'string' ? raw : String(raw);
  if (!cased) text = text.toLowerCase();
  let source = typeof raw === 'string' ? sigmaRegexSource(text) : text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const keyword = modifiers.includes('<keyword>');
  if (modifiers.includes('contains') || (keyword && !modifiers.includes('startswith') && !modifiers.includes('endswith'))) source = `.*${source}.*`;
  else if (modifiers.includes('startswith')) source = `${source}.*`;
  else if (modifiers.includes('endswith')) source = `.*${source}`;
  const re = new RegExp(`^(?:${source})$`, 'su');
  return (t) => re.test(cased ? t : t.toLowerCase());
}

const SUPPORTED = new Set(['contains', 'startswith', 'endswith', 'all', 're', 'i', 'm', 's', 'fieldref', 'cased']);

function fieldTest(key, value) {
  const [field, ...modifiers] = key.split('|');
  for (const m of modifiers) if (!SUPPORTED.has(m)) throw new Error(`reference: modifier ${m} not covered`);
  const values = Array.isArray(value) ? value : [value];
  const all = modifiers.includes('all');
  const keyword = field === '';
  const leaves = (p) => (keyword ? p.all : p.under.get(field) ?? []);
  const perValue = values.map((v) => {
    if (v === null) {
      return (p) => (p.at.get(field) ?? []).every((n) => n.kind === 'null' || n.kind === 'array');
    }
    if (modifiers.includes('fieldref')) {
      const fold = modifiers.includes('cased') ? (t) => t : (t) => t.toLowerCase();
      return (p) => {
        const theirs = (p.under.get(v) ?? []).map(fold);
        const rel = modifiers.includes('contains') ? (a, b) => a.includes(b) : modifiers.includes('startswith') ? (a, b) => a.startsWith(b)
          : modifiers.includes('endswith') ? (a, b) => a.endsWith(b) : (a, b) => a === b;
        return leaves(p).some((t) => theirs.some((b) => rel(fold(t), b)));
      };
    }
    const match = valueMatcher(v, keyword ? [...modifiers, '<keyword>'] : modifiers);
    return (p) => leaves(p).some(match);
  });
  return all ? (p) => perValue.every((t) => t(p)) : (p) => perValue.some((t) => t(p));
}

function searchTest(body) {
  if (Array.isArray(body)) {
    const parts = body.map((item) =>
      item !== null && typeof item === 'object' ? searchTest(item) : fieldTest('', [item]),
    );
    return (p) => parts.some((t) => t(p));
  }
  if (body !== null && typeof body === 'object') {
    const parts = Object.entries(body).map(([k, v]) => fieldTest(k, v));
    return (p) => parts.every((t) => t(p));
  }
  return fieldTest('', [body]);
}

// ------------------------------------------------------------------ conditions

function conditionTest(text, searches) {
  const tokens = text.match(/\(|\)|[^\s()]+/g);
  let i = 0;
  const names = Object.keys(searches);
  const expr = () => {
    let left = term();
    while (tokens[i]?.toLowerCase() === 'or') {
      i++;
      const l = left;
      const r = term();
      left = (p) => l(p) || r(p);
    }
    return left;
  };
  const term = () => {
    let left = factor();
    while (tokens[i]?.toLowerCase() === 'and') {
      i++;
      const l = left;
      const r = factor();
      left = (p) => l(p) && r(p);
    }
    return left;
  };
  const factor = () => {
    const t = tokens[i++];
    if (t.toLowerCase() === 'not') {
      const inner = factor();
      return (p) => !inner(p);
    }
    if (t === '(') {
      const inner = expr();
      i++;
      return inner;
    }
    if (tokens[i]?.toLowerCase() === 'of') {
      const target = tokens[i + 1];
      i += 2;
      const chosen = target === 'them'
        ? names.filter((n) => !n.startsWith('_'))
        : names.filter((n) => new RegExp('^' + target.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$').test(n));
      const tests = chosen.map((n) => searches[n]);
      if (t === 'all') return (p) => tests.every((s) => s(p));
      if (t === '1' || t === 'any') return (p) => tests.some((s) => s(p));
      throw new Error(`reference: '${t} of' not covered`);
    }
    if (!(t in searches)) throw new Error(`reference: unknown identifier ${t}`);
    return searches[t];
  };
  const result = expr();
  if (i !== tokens.length) throw new Error(`reference: could not read condition ${text}`);
  return result;
}

// ------------------------------------------------------------------ rules

const SPAN = { s: 1000, m: 60000, h: 3600000, d: 86400000 };

/** The rules of the given files: detection rules and Sigma 1 count rules. */
export function referenceRules(files) {
  return files.flatMap((file) => referenceRulesFromText(readFileSync(file, 'utf8'), file));
}

/** The rules of one file's text: detection rules, v2 correlations on rules of the same text, Sigma 1 counts. */
export function referenceRulesFromText(text, file) {
  const docs = parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
  const rules = [];
  const byRef = new Map();
  for (const rule of docs) {
    if (rule.correlation) continue;
    const ls = rule.logsource ?? {};
    const fits = (ls.product ?? 'aws').toLowerCase() === 'aws' && (ls.service ?? 'cloudtrail').toLowerCase() === 'cloudtrail' && !ls.category;
    if (!fits) continue;
    const { condition, timeframe, ...rest } = rule.detection;
    const searches = Object.fromEntries(Object.entries(rest).map(([n, body]) => [n, searchTest(body)]));
    const conditionText = Array.isArray(condition) ? condition.join(' or ') : condition;
    const [expression, aggregation] = conditionText.split('|').map((s) => s.trim());
    if (aggregation && /^near/.test(aggregation)) continue; // not supported by the engine either
    const detection = { kind: 'detection', id: rule.id ?? rule.name, title: rule.title, file, matches: conditionTest(expression, searches), silent: false };
    if (!aggregation) {
      rules.push(detection);
      for (const ref of [rule.id, rule.name]) if (ref !== undefined) byRef.set(ref, detection);
      continue;
    }
    const m = /^count\(\s*(\S*?)\s*\)(?:\s+by\s+(\S+))?\s*(>=|>|<=|<|==|=)\s*(\d+)$/.exec(aggregation);
    if (!m) throw new Error(`reference: aggregation ${aggregation} not covered`);
    const span = /^(\d+)([smhd])$/.exec(timeframe);
    const op = { '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte', '=': 'eq', '==': 'eq' }[m[3]];
    rules.push({
      kind: 'correlation', id: rule.id, title: rule.title, file, type: m[1] ? 'value_count' : 'event_count',
      bases: [{ ...detection, silent: true }], groupBy: m[2] ? [m[2]] : [], field: m[1] || undefined,
      cond: { [op]: Number(m[4]) }, spanMs: Number(span[1]) * SPAN[span[2]],
    });
  }
  for (const rule of docs) {
    if (!rule.correlation) continue;
    const c = rule.correlation;
    if (c.aliases) throw new Error('reference: aliases not covered');
    const bases = c.rules.map((ref) => {
      const base = byRef.get(ref);
      if (!base) throw new Error(`reference: rule ${ref} not in the same text (chains not covered)`);
      if (!c.generate) base.silent = true;
      return base;
    });
    const { field, ...cond } = c.condition ?? { gte: bases.length };
    const span = /^(\d+)([smhd])$/.exec(c.timespan);
    rules.push({
      kind: 'correlation', id: rule.id ?? rule.name, title: rule.title, file, type: c.type, bases,
      groupBy: c['group-by'] ?? [], field, cond, spanMs: Number(span[1]) * SPAN[span[2]],
    });
  }
  return rules;
}

const holds = (c, m) =>
  (c.gt === undefined || m > c.gt) && (c.gte === undefined || m >= c.gte) && (c.lt === undefined || m < c.lt) &&
  (c.lte === undefined || m <= c.lte) && (c.eq === undefined || m === c.eq);

function groupValue(p, field) {
  const texts = p.under.get(field) ?? [];
  return texts.length === 0 ? undefined : texts.join(',');
}

/** What a correlation's condition measures over the events of one window. */
function measure(rule, events) {
  if (rule.type === 'event_count') return events.length;
  if (rule.type === 'value_count') return new Set(events.map((e) => e.value)).size;
  if (rule.type === 'temporal') return new Set(events.flatMap((e) => e.rules)).size;
  let step = 0;
  for (const e of events) if (step < rule.bases.length && e.rules.includes(step)) step++;
  return step;
}

/**
 * Runs the rules over all records (in the order given) and returns, per rule id, its hits: for a
 * detection rule the eventIDs it matched, for a correlation one entry per hit listing its records.
 */
export function referenceHits(rules, records) {
  const seen = new Set();
  const hits = Object.fromEntries(rules.map((r) => [r.id, []]));
  const inputs = new Map(rules.map((r) => [r, []]));
  const detections = [...new Set(rules.flatMap((r) => (r.kind === 'detection' ? [r] : r.bases)))];
  let arrival = 0;
  for (const record of records) {
    const p = prepare(record);
    const matched = detections.filter((r) => r.matches(p));
    if (matched.length === 0) continue;
    const fp = [record.eventID, record.eventTime, record.eventName, record.errorCode || '', record.recipientAccountId].map((v) => (typeof v === 'string' ? v : '')).join('|');
    if (typeof record.eventID === 'string' && record.eventID !== '') {
      if (seen.has(fp)) continue;
      seen.add(fp);
    }
    arrival++;
    for (const r of rules) {
      if (r.kind === 'detection') {
        if (!r.silent && matched.includes(r)) hits[r.id].push(record.eventID);
        continue;
      }
      const which = r.bases.flatMap((b, i) => (matched.includes(b) ? [i] : []));
      if (which.length === 0) continue;
      const time = Date.parse(record.eventTime);
      if (Number.isNaN(time)) continue;
      const group = r.groupBy.map((g) => groupValue(p, g));
      const value = r.field ? groupValue(p, r.field) : undefined;
      if (group.includes(undefined) || (r.field && value === undefined)) continue;
      inputs.get(r).push({ time, arrival, group: JSON.stringify(group), value, rules: which, id: record.eventID });
    }
  }
  for (const r of rules) {
    if (r.kind !== 'correlation') continue;
    const byGroup = new Map();
    for (const m of inputs.get(r)) {
      if (!byGroup.has(m.group)) byGroup.set(m.group, []);
      byGroup.get(m.group).push(m);
    }
    for (const events of byGroup.values()) {
      events.sort((a, b) => a.time - b.time || a.arrival - b.arrival);
      let start = 0;
      while (start < events.length) {
        let end = start;
        while (end + 1 < events.length && events[end + 1].time <= events[start].time + r.spanMs) end++;
        const windowEvents = events.slice(start, end + 1);
        if (holds(r.cond, measure(r, windowEvents))) {
          hits[r.id].push(windowEvents.map((e) => e.id));
          start = end + 1;
        } else if ('lt' in r.cond || 'lte' in r.cond || 'eq' in r.cond) {
          // With an upper bound, the next window starts after the failed one.
          start = end + 1;
        } else start++;
      }
    }
  }
  for (const r of rules) if (r.kind === 'detection' && r.silent) delete hits[r.id];
  return hits;
}
