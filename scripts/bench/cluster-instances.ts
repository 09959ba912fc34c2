/**
 * The instances of the cluster bench: real `src/main.ts` processes (`node --import tsx`, as the
 * scale-out tests start them) in scratch directories with a clean environment, each on a free
 * port, and for `STORE=redis` a fresh `redis-server` of their own. Everything is stopped by its
 * own pid — at the end, on error, and (SIGKILL) if the bench process exits with some still up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { MAIN, TSX } from '../../test/helpers/child-process.js';
import { startRedis, type RedisServer } from '../../test/helpers/redis-server.js';

/** One running `src/main.ts`. */
export interface ClusterInstance {
  name: string;
  url: string;
  pid: number;
  /** SIGTERM, then SIGKILL after 5 s; removes its scratch directory. Idempotent. */
  stop(): Promise<void>;
}

/** One configuration under test: its instances and, with `STORE=redis`, their Redis. */
export interface Cluster {
  store: 'sqlite' | 'redis';
  instances: ClusterInstance[];
  /** The pid of its redis-server, when it has one. */
  redisPid?: number;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  store: 'sqlite' | 'redis';
  instances: number;
  /** `OPENAI_BASE_URL` of every instance (the fake upstream's `/v1`). */
  modelUrl: string;
  /** Settings every instance gets (limits); the bench's own come after and win. */
  env: Record<string, string>;
}

/** Instances and redis-servers still running (with their scratch directories), killed on exit if the bench dies before it stops them. */
const running = new Map<ChildProcess, string>();
const redises = new Map<number, string>();
process.once('exit', () => {
  for (const [child, dir] of running) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const [pid, dir] of redises) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Resolves with the port of the "listening" log line; rejects if the process exits or 60 s pass. */
function listeningPort(child: ChildProcess, output: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line within 60 s:\n${output.join('\n')}`)), 60_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      output.push(line);
      if (output.length > 30) output.shift(); // the last lines, for an error message
      if (!line.includes('"mcp-orchestrator listening"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { address: { port: number } }).address.port);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${output.join('\n')}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  running.delete(child);
}

async function startInstance(name: string, env: Record<string, string>): Promise<ClusterInstance> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-cluster-bench-'));
  const child = spawn(process.execPath, ['--import', TSX, MAIN], {
    cwd: dir, // no .env of the project leaks in
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATA_DIR: path.join(dir, 'data'), ...env, INSTANCE_TAG: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.set(child, dir);
  const output: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopChild(child).then(() => fs.rmSync(dir, { recursive: true, force: true })));
  try {
    const port = await listeningPort(child, output);
    return { name, url: `http://127.0.0.1:${port}`, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw new Error(`instance ${name}: ${(error as Error).message}`);
  }
}

/** Start a configuration; whatever started is stopped again if any part of it fails to. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  let redis: RedisServer | undefined;
  const started: ClusterInstance[] = [];
  const stop = async () => {
    await Promise.allSettled(started.map((i) => i.stop()));
    if (!redis) return;
    const pid = redis.pid;
    await redis.stop();
    redises.delete(pid);
  };
  try {
    if (options.store === 'redis') {
      redis = await startRedis();
      redises.set(redis.pid, redis.dir);
    }
    const env = {
      ...options.env,
      STORE: options.store,
      ...(redis ? { REDIS_URL: redis.url } : {}),
      HOST: '127.0.0.1',
      PORT: '0',
      ALT_PORT: '0',
      LOG_LEVEL: 'info',
      DEFAULT_PROVIDER: 'openai',
      OPENAI_API_KEY: 'sk-bench',
      OPENAI_BASE_URL: options.modelUrl,
      SHUTDOWN_GRACE_MS: '500',
      RATE_LIMIT_PER_MIN: '0',
      ORCHESTRATE_RATE_LIMIT_PER_MIN: '0',
    };
    const names = Array.from({ length: options.instances }, (_, i) => `${options.store}-${String.fromCharCode(97 + i)}`);
    const results = await Promise.allSettled(names.map((name) => startInstance(name, env)));
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { store: options.store, instances: started, ...(redis ? { redisPid: redis.pid } : {}), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
