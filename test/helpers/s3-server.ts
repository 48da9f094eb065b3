/**
 * A real S3-compatible server on 127.0.0.1 for the S3 tests: s3rver in a child process, behind a
 * small counting proxy so tests can see which requests kmstrail made (and prove the pruning), and
 * can script faults (see s3-fault-proxy.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startFaultProxy, type FaultProxy } from './s3-fault-proxy.js';

export const BUCKET = 'trails';
/** s3rver's built-in credentials. */
export const ACCESS_KEY = 'S3RVER';
export const SECRET_KEY = 'S3RVER';

export interface S3TestServer {
  endpoint: string;
  /** Requests seen since the last `resetRequests`, as `METHOD path?query`. */
  requests: string[];
  resetRequests(): void;
  /** The proxy kmstrail talks to: script faults with `inject`, see parsed requests in `seen`. */
  proxy: FaultProxy;
  upload(localDir: string, keyPrefix?: string): Promise<number>;
  /** Stores objects straight in the server (not through the proxy), `parallel` at a time. */
  putObjects(objects: Iterable<{ key: string; body: Buffer | string }>, parallel?: number): Promise<number>;
  close(): Promise<void>;
}

export async function startS3Server(): Promise<S3TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'kmstrail-s3-'));
  const child: ChildProcess = fork(fileURLToPath(new URL('./s3rver-child.mjs', import.meta.url)), [directory], {
    execArgv: ['--openssl-legacy-provider', '--no-warnings'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const backendPort = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });

  const proxy = await startFaultProxy(backendPort);
  const endpoint = proxy.endpoint;

  const client = new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${backendPort}`,
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    // No CRC32 of every body in JavaScript: seeding a thousand objects stays quick.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });

  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });

  return {
    endpoint,
    requests: proxy.requests,
    proxy,
    resetRequests: () => {
      proxy.requests.length = 0;
      proxy.seen.length = 0;
    },
    async upload(localDir: string, keyPrefix = '') {
      const files = walk(localDir);
      for (const file of files) {
        const key = keyPrefix + relative(localDir, file).split('\\').join('/');
        await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(file) }));
      }
      return files.length;
    },
    async putObjects(objects, parallel = 64) {
      const queue = [...objects];
      let next = 0;
      const worker = async () => {
        while (next < queue.length) {
          const { key, body } = queue[next++];
          await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
        }
      };
      await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, worker));
      return queue.length;
    },
    async close() {
      client.destroy();
      await proxy.close();
      child.send('close');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
