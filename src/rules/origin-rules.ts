/**
 * Rules on who is behind a session (src/cloudtrail/origins.ts): what a record's own principal
 * hides. A role in the key's own account can be a door for someone from elsewhere; many short
 * sessions can be one person. Both need the issuing calls of a first pass (standard input is kept
 * in a temporary file for it); without them every role session is unresolved and these rules stay quiet.
 */
import type { KmsEvent, OriginFacts } from './event.js';
import { BoundedMap } from './bounded.js';
import { formatDuration } from './activity-rules.js';
import type { Rule } from './rule.js';

const DAY_MS = 86_400_000;

const resolvedPerson = (o: OriginFacts | undefined): o is OriginFacts => o !== undefined && o.kind !== 'unresolved' && o.kind !== 'aws-service';

interface SessionSpread {
  /** Session (principal ARN) → last time seen. */
  sessions: Map<string, number>;
  quietUntil?: number;
}

export const ORIGIN_RULES: readonly Rule[] = [
  {
    id: 'KMS-017',
    severity: 'medium',
    title: 'Key used by an identity from another account, through a role',
    aboutOrigins: true,
    description:
      'A KMS call on a key of one account made by a role session that leads back to an identity (an IAM user, root, ' +
      'a federated or Identity Center user, whose account is that of the first role they assumed) of another account ' +
      '(a ReEncrypt: its source or destination key): the principal is in the key\'s account, so the key ' +
      'policy sees a local role, but the person is not. Calls made directly by a foreign principal are left to KMS-014. ' +
      'One hit per identity and key a day: the first call, not every one.',
    defaults: (s) => `remembers up to ${s.stateLimit.toLocaleString('en-US')} identity/key pairs, least recently seen dropped first`,
    create(settings) {
      const told = new BoundedMap<string, number>(settings.stateLimit);
      return (e: KmsEvent) => {
        const origin = e.origin;
        if (!resolvedPerson(origin) || origin.hops === 0 || !origin.account) return undefined;
        // Every key of the call: a ReEncrypt reads with its source key, which may be the door.
        const through = e.keys.filter((k) => k.keyId && k.keyAccount && k.keyAccount !== origin.account && e.principalAccount === k.keyAccount);
        const fresh = through.filter((k) => {
          const pair = `${origin.identity}\u0000${k.keyId}`;
          const last = told.get(pair);
          if (last !== undefined && e.time !== undefined && e.time - last < DAY_MS) return false;
          told.set(pair, e.time ?? 0);
          return true;
        });
        if (fresh.length === 0) return undefined;
        const outcome = e.errorCode ? ` (failed: ${e.errorCode})` : '';
        const on = fresh.map((k) => `key ${k.key} of account ${k.keyAccount}`).join(' and ');
        return { reason: `${e.eventName} on ${on} by ${origin.label} of account ${origin.account}, through ${origin.chain}${outcome}`, key: fresh[0] };
      };
    },
  },
  {
    id: 'KMS-018',
    severity: 'low',
    title: 'One identity reaching a key through many role sessions',
    aboutOrigins: true,
    description:
      'One origin (the identity behind the sessions) used one key through at least --origin-sessions-threshold ' +
      'distinct role sessions within --origin-sessions-window: credentials spread over many short sessions, which ' +
      'hides one actor behind many principals. One hit per spread: quiet until the identity stops for a window.',
    defaults: (s) =>
      `--origin-sessions-threshold ${s.originSessionsThreshold}, --origin-sessions-window ${formatDuration(s.originSessionsWindowMs)}; ` +
      `remembers up to ${s.stateLimit.toLocaleString('en-US')} identity/key pairs, least recently seen dropped first`,
    create(settings) {
      const spreads = new BoundedMap<string, SessionSpread>(settings.stateLimit);
      const windowMs = settings.originSessionsWindowMs;
      return (e: KmsEvent) => {
        const origin = e.origin;
        if (!resolvedPerson(origin) || origin.hops === 0 || e.time === undefined || !e.keyId || e.principalType !== 'AssumedRole') return undefined;
        const pair = `${origin.identity}\u0000${e.keyId}`;
        const spread = spreads.get(pair) ?? { sessions: new Map<string, number>() };
        spreads.set(pair, spread);
        if (spread.quietUntil !== undefined) {
          if (e.time <= spread.quietUntil) {
            spread.quietUntil = e.time + windowMs;
            return undefined;
          }
          spread.quietUntil = undefined;
        }
        spread.sessions.set(e.principal, e.time);
        // Memory per pair stays below the threshold: a hit empties it.
        for (const [session, time] of spread.sessions) if (time < e.time - windowMs) spread.sessions.delete(session);
        if (spread.sessions.size < settings.originSessionsThreshold) return undefined;
        const count = spread.sessions.size;
        spread.sessions = new Map();
        spread.quietUntil = e.time + windowMs;
        return `${origin.label} (${origin.kind}) used key ${e.key} through ${count} role sessions within ${formatDuration(windowMs)}`;
      };
    },
  },
];
