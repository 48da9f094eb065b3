/**
 * Node's built-in modules that many runs never need, loaded on first use: each costs milliseconds
 * to load, and start-up time is most of a run over one small file.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export const workerThreads = (): typeof import('node:worker_threads') => load('node:worker_threads') as typeof import('node:worker_threads');
export const v8 = (): typeof import('node:v8') => load('node:v8') as typeof import('node:v8');
export const vm = (): typeof import('node:vm') => load('node:vm') as typeof import('node:vm');
export const net = (): typeof import('node:net') => load('node:net') as typeof import('node:net');
