/**
 * An HTTP proxy in front of the loopback S3 server that counts what kmstrail asks for and, when a
 * test scripts it, answers the way a troubled S3 does: throttling (503 SlowDown), an S3 error for
 * one object, a connection cut before the answer or after part of an object's body, a body that
 * stops arriving, or an object replaced between two requests. Faults are consumed in the order they were scripted, each for its `times`.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultAction =
  /** 503 with S3's `SlowDown` error document, as S3 answers when a prefix gets too many requests. */
  | { kind: 'throttle' }
  /** Any S3 error answer, e.g. 500 InternalError or 403 AccessDenied. */
  | { kind: 'error'; status: number; code: string }
  /** The connection is cut before any answer. */
  | { kind: 'drop' }
  /** The answer starts (status, headers, `afterBytes` bytes of body), then the connection is cut. */
  | { kind: 'reset'; afterBytes: number }
  /** The answer starts, then no more bytes come while the connection stays open. */
  | { kind: 'stall'; afterBytes: number }
  /** Something changes on the server (e.g. the object is replaced) before this request is answered. */
  | { kind: 'before'; run: () => Promise<unknown> };

/**
 * Which requests a fault applies to: GETs of one object, or ListObjectsV2 (under a prefix; with
 * `continued`, only the pages after the first).
 */
export type FaultTarget = { key: string } | { listing: true; prefix?: string; continued?: boolean };

export interface ScriptedFault {
  readonly target: FaultTarget;
  readonly action: FaultAction;
  /** How many more requests it applies to. */
  remaining: number;
  /** Requests it was applied to. */
  hits: number;
}

export interface SeenRequest {
  method: string;
  url: string;
  /** The object key of an object request. */
  key?: string;
  /** The prefix of a ListObjectsV2 request ('' for none). */
  listPrefix?: string;
  /** A ListObjectsV2 request for a page after the first (it carries a continuation token). */
  continued?: boolean;
  /** The Range header, when the request had one. */
  range?: string;
  /** The fault that answered it, if any. */
  fault?: FaultAction['kind'];
}

export interface FaultProxy {
  endpoint: string;
  /** Every request as `METHOD path?query`, in arrival order. */
  requests: string[];
  /** Every request, parsed. */
  seen: SeenRequest[];
  inject(target: FaultTarget, action: FaultAction, times?: number): ScriptedFault;
  clearFaults(): void;
  close(): Promise<void>;
}

function errorDocument(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>FAULTPROXY</RequestId><HostId>fault-proxy</HostId></Error>`;
}

const MESSAGES: Record<string, string> = {
  SlowDown: 'Please reduce your request rate.',
  InternalError: 'We encountered an internal error. Please try again.',
  AccessDenied: 'Access Denied',
  NoSuchKey: 'The specified key does not exist.',
};

/** Parses a path-style S3 request: object GET or ListObjectsV2 of a bucket. */
export function describeRequest(method: string, url: string): SeenRequest {
  const parsed = new URL(url, 'http://proxy');
  const path = parsed.pathname.replace(/^\//, '');
  const slash = path.indexOf('/');
  const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
  const seen: SeenRequest = { method, url };
  if (parsed.searchParams.get('list-type') === '2' && key === '') {
    seen.listPrefix = parsed.searchParams.get('prefix') ?? '';
    seen.continued = parsed.searchParams.has('continuation-token');
  } else if (key !== '') {
    seen.key = key;
  }
  return seen;
}

function applies(target: FaultTarget, seen: SeenRequest): boolean {
  if (seen.method !== 'GET') return false;
  if ('key' in target) return seen.key === target.key;
  if (seen.listPrefix === undefined) return false;
  if (target.continued && !seen.continued) return false;
  return target.prefix === undefined || seen.listPrefix.startsWith(target.prefix);
}

export async function startFaultProxy(backendPort: number): Promise<FaultProxy> {
  const requests: string[] = [];
  const seen: SeenRequest[] = [];
  const faults: ScriptedFault[] = [];
  const stalled = new Set<ServerResponse>();

  const forward = (req: IncomingMessage, res: ServerResponse, onResponse: (upstream: IncomingMessage) => void) => {
    const upstream = request({ host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers }, onResponse);
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };

  /** Sends the status, the headers and the first `afterBytes` bytes of the real answer, then `then`. */
  const partial = (req: IncomingMessage, res: ServerResponse, afterBytes: number, then: () => void) =>
    forward(req, res, (response) => {
      res.writeHead(response.statusCode ?? 502, response.headers);
      res.flushHeaders();
      let sent = 0;
      let done = false;
      response.on('data', (chunk: Buffer) => {
        if (done) return;
        const part = chunk.subarray(0, Math.max(0, afterBytes - sent));
        sent += part.length;
        if (sent < afterBytes) {
          res.write(part);
          return;
        }
        done = true;
        response.destroy();
        // Only once the bytes have left, and the client has had a moment to read them: a connection
        // that dies after a while, not one whose last bytes and end arrive in one read.
        const later = () => setTimeout(then, 20);
        if (part.length > 0) res.write(part, later);
        else later();
      });
      // The whole answer was shorter than `afterBytes`: the fault does not bite, the answer ends.
      response.on('end', () => {
        if (!done) res.end();
      });
    });

  const server: Server = createServer((req, res) => {
    const request = describeRequest(req.method ?? 'GET', req.url ?? '/');
    if (typeof req.headers.range === 'string') request.range = req.headers.range;
    requests.push(`${req.method} ${req.url}`);
    seen.push(request);
    const fault = faults.find((f) => f.remaining > 0 && applies(f.target, request));
    const answer = () =>
      forward(req, res, (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      });
    if (!fault) {
      answer();
      return;
    }
    fault.remaining--;
    fault.hits++;
    const { action } = fault;
    request.fault = action.kind;
    switch (action.kind) {
      case 'throttle':
      case 'error': {
        const [status, code] = action.kind === 'throttle' ? [503, 'SlowDown'] : [action.status, action.code];
        req.resume();
        const body = errorDocument(code, MESSAGES[code] ?? code);
        res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-amz-request-id': 'FAULTPROXY' });
        res.end(body);
        return;
      }
      case 'drop':
        req.resume();
        req.socket.destroy();
        return;
      case 'reset':
        partial(req, res, action.afterBytes, () => res.socket?.destroy());
        return;
      case 'stall':
        partial(req, res, action.afterBytes, () => {
          stalled.add(res);
          res.on('close', () => stalled.delete(res));
        });
        return;
      case 'before':
        void action.run().then(answer, () => res.destroy());
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    seen,
    inject(target, action, times = Number.POSITIVE_INFINITY) {
      const fault: ScriptedFault = { target, action, remaining: times, hits: 0 };
      faults.push(fault);
      return fault;
    },
    clearFaults() {
      faults.length = 0;
    },
    async close() {
      for (const res of stalled) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
