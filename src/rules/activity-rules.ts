/** Rules on who calls KMS and how: failures in bursts, calls from other accounts, the root user. */
import { BoundedMap, BoundedSet } from './bounded.js';
import type { KmsEvent } from './event.js';
import { keyName, stateless, type Rule } from './rule.js';
import { CROSS_ACCOUNT_OPERATIONS } from './usage.js';

/** `5m`, `90s`, `2h`: the shape --burst-window takes. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 100) / 10}s`;
}

const failed = (e: KmsEvent) => (e.errorCode ? ` (failed: ${e.errorCode})` : '');

interface Failure {
  time: number;
  code: string;
}

function burstReason(principal: string, failures: Failure[], windowMs: number): string {
  const counts = new Map<string, number>();
  for (const f of failures) counts.set(f.code, (counts.get(f.code) ?? 0) + 1);
  const codes = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([code, n]) => `${code} x${n}`);
  const first = new Date(failures[0].time).toISOString().replace(/\.000Z$/, 'Z');
  const last = new Date(failures[failures.length - 1].time).toISOString().replace(/\.000Z$/, 'Z');
  return `${principal} had ${failures.length} failed KMS calls within ${formatDuration(windowMs)} (${first} to ${last}): ${codes.join(', ')}`;
}

interface Spree {
  /** Distinct contexts decrypted within the window, each with the time it was last decrypted. */
  contexts: Map<string, number>;
  /** After a hit: quiet until this time (pushed on while the spree goes on), so one spree is one hit. */
  quietUntil?: number;
}

function spreeReason(identity: string, kind: string, contexts: Map<string, number>, windowMs: number): string {
  const times = [...contexts.values()];
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
  const shown = [...contexts.keys()].slice(0, 3).join('; ');
  return (
    `${identity} decrypted ${contexts.size} distinct encryption contexts (${kind}) within ${formatDuration(windowMs)} ` +
    `(${iso(Math.min(...times))} to ${iso(Math.max(...times))}): ${shown}${contexts.size > 3 ? '; ...' : ''}`
  );
}

export const ACTIVITY_RULES: Rule[] = [
  {
    id: 'KMS-013',
    severity: 'medium',
    title: 'Burst of failed KMS calls',
    description:
      'One principal (a role counts with all its sessions) made at least --burst-threshold KMS calls that failed ' +
      '(AccessDenied or any other errorCode) within --burst-window: probing for keys or permissions, or a broken ' +
      'deployment. After a hit the count starts again.',
    defaults: (s) =>
      `--burst-threshold ${s.burstThreshold}, --burst-window ${formatDuration(s.burstWindowMs)}; ` +
      `remembers up to ${s.stateLimit.toLocaleString('en-US')} principals, least recently seen dropped first`,
    create(settings) {
      const recent = new BoundedMap<string, Failure[]>(settings.stateLimit);
      return (e) => {
        if (!e.errorCode || e.time === undefined) return undefined;
        const failures = recent.get(e.identity) ?? [];
        // Events come in time order, bar stragglers from beyond the reorder buffer: put those in place.
        let at = failures.length;
        while (at > 0 && failures[at - 1].time > e.time) at--;
        failures.splice(at, 0, { time: e.time, code: e.errorCode });
        const newest = failures[failures.length - 1].time;
        let old = 0;
        while (failures[old].time < newest - settings.burstWindowMs) old++;
        const inWindow = old > 0 ? failures.slice(old) : failures;
        if (inWindow.length >= settings.burstThreshold) {
          recent.delete(e.identity);
          return burstReason(e.identity, inWindow, settings.burstWindowMs);
        }
        recent.set(e.identity, inWindow);
        return undefined;
      };
    },
  },
  {
    id: 'KMS-014',
    severity: 'medium',
    title: 'Cross-account key use',
    description:
      'A principal of one account called a key owned by another (a call KMS allows across accounts: cryptographic ' +
      'operations, DescribeKey, GetPublicKey, grant calls; either key of a ReEncrypt), failed or not. Reported once per principal (a role counts ' +
      'with all its sessions), key and outcome.',
    defaults: (s) => `remembers up to ${s.stateLimit.toLocaleString('en-US')} principal/key pairs, least recently seen dropped first`,
    create(settings) {
      const reported = new BoundedSet<string>(settings.stateLimit);
      return (e) => {
        if (!CROSS_ACCOUNT_OPERATIONS.has(e.eventName) || e.principalType === 'AWSService' || !e.principalAccount) return undefined;
        // Every key of the call: a ReEncrypt may read with a foreign source key into a local one.
        const foreign = e.keys.filter((k) => k.keyAccount && k.keyAccount !== e.principalAccount);
        const told = foreign.filter((k) => reported.add(`${e.identity}\u0000${k.keyId ?? k.key}\u0000${e.errorCode ?? ''}`));
        if (told.length === 0) return undefined;
        const on = told.map((k) => `${keyName(k)} owned by account ${k.keyAccount}`).join(' and ');
        return { reason: `${e.principal} of account ${e.principalAccount} called ${e.eventName} on ${on}${failed(e)}`, key: told[0] };
      };
    },
  },
  {
    id: 'KMS-015',
    severity: 'high',
    title: 'Root account KMS call',
    tags: ['attack.privilege-escalation', 'attack.t1078.004'],
    description: "The account's root user called KMS (failed or not). Root should not be used for day-to-day work.",
    create: stateless((e) => {
      if (e.principalType !== 'Root') return undefined;
      const on = e.key ? ` on ${keyName(e)}` : '';
      return `root user of account ${e.principalAccount ?? 'unknown'} called ${e.eventName}${on}${failed(e)}`;
    }),
  },
  {
    id: 'KMS-016',
    severity: 'high',
    title: 'Decrypt spree over many encryption contexts',
    tags: ['attack.credential-access', 'attack.t1555.006'],
    description:
      'One principal (a role counts with all its sessions) made successful Decrypt calls with at least ' +
      '--decrypt-spree-threshold distinct encryption contexts of one kind (the same context keys: Secrets Manager ' +
      'secrets, SSM parameters, ...) within --decrypt-spree-window: harvesting secrets or parameters in bulk. ' +
      "An S3 object's context counts as its bucket, so reading many SSE-KMS objects is not a spree; AWS services " +
      'acting for themselves are left out. One hit per spree: quiet until the principal stops for a window.',
    defaults: (s) =>
      `--decrypt-spree-threshold ${s.decryptSpreeThreshold}, --decrypt-spree-window ${formatDuration(s.decryptSpreeWindowMs)}; ` +
      `remembers up to ${s.stateLimit.toLocaleString('en-US')} principal/context-kind pairs, least recently seen dropped first`,
    create(settings) {
      const sprees = new BoundedMap<string, Spree>(settings.stateLimit);
      const windowMs = settings.decryptSpreeWindowMs;
      return (e) => {
        if (e.eventName !== 'Decrypt' || e.errorCode || e.time === undefined || !e.decryptContext) return undefined;
        if (e.principalType === 'AWSService') return undefined;
        const key = `${e.identity}\u0000${e.decryptContext.kind}`;
        const spree = sprees.get(key) ?? { contexts: new Map<string, number>() };
        sprees.set(key, spree);
        if (spree.quietUntil !== undefined) {
          if (e.time <= spree.quietUntil) {
            spree.quietUntil = e.time + windowMs;
            return undefined;
          }
          spree.quietUntil = undefined;
        }
        // Memory per principal stays below the threshold: a hit empties it.
        spree.contexts.set(e.decryptContext.text, Math.max(spree.contexts.get(e.decryptContext.text) ?? 0, e.time));
        const newest = Math.max(...spree.contexts.values());
        for (const [context, time] of spree.contexts) if (time < newest - windowMs) spree.contexts.delete(context);
        if (spree.contexts.size < settings.decryptSpreeThreshold) return undefined;
        const reason = spreeReason(e.identity, e.decryptContext.kind, spree.contexts, windowMs);
        spree.contexts = new Map();
        spree.quietUntil = e.time + windowMs;
        return reason;
      };
    },
  },
];
