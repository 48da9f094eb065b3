/**
 * A real S3-compatible server on 127.0.0.1 for the S3 tests: s3rver in a child process, behind a
 * small counting proxy so tests can see which requests kmstrail made (and prove the pruning).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export const BUCKET = 'trails';
/** s3rver's built-in credentials. */
export const ACCESS_KEY = 'S3RVER';
export const SECRET_KEY = 'S3RVER';

export interface S3TestServer {
  endpoint: string;
  /** Requests seen since the last `resetRequests`, as `METHOD path?query`. */
  requests: string[];
  resetRequests(): void;
  upload(localDir: string, keyPrefix?: string): Promise<number>;
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

  const requests: string[] = [];
  const proxy: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const upstream = request(
      { host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  const client = new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${backendPort}`,
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });

  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });

  return {
    endpoint,
    requests,
    resetRequests: () => {
      requests.length = 0;
    },
    async upload(localDir: string, keyPrefix = '') {
      const files = walk(localDir);
      for (const file of files) {
        const key = keyPrefix + relative(localDir, file).split('\\').join('/');
        await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(file) }));
      }
      return files.length;
    },
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      child.send('close');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
