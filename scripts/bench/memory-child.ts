/**
 * The measured server of the memory bench (scripts/bench/memory-bench.ts), in a process of its
 * own. It runs as plain JavaScript on the compiled server in `dist/`, as `npm start` does: the
 * bench transpiles this file and the zero model to a temp folder and forks it with plain `node
 * --expose-gc` (tsx alone would add some 60 MB of RSS). So it imports nothing at run time but
 * Node's own modules; the server's modules come from `dist/` through the paths it is sent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type Database from 'better-sqlite3';
import type * as ConfigModule from '../../src/config.js';
import type * as InputsModule from '../../src/orchestrator/inputs.js';
import type * as LoggerModule from '../../src/logger.js';
import type * as MemoryStoreModule from '../../src/store/memory-store.js';
import type * as RedisStoreModule from '../../src/store/redis/redis-store.js';
import type * as ServicesModule from '../../src/services.js';
import type * as SqliteStoreModule from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import type * as ZeroModelModule from './zero-model.js';

/** What a phase runs. */
export interface MemoryChildOptions {
  /** Tasks of the phase (on SQLite, memory is read at half of them and at all of them). */
  tasks: number;
  /** `num_agents` of each task. */
  agents: number;
  /** Tasks submitted at once (one wave waits for the previous one). */
  wave: number;
  /** Environment for the server's config on top of the bench's (`MAX_AGENTS_PER_TASK`, …). */
  env?: Record<string, string>;
  /** The zero model answers after a timer of this many ms (so agents end in turns of their own). */
  modelDelayMs?: number;
  /** sqlite: read memory after every this many tasks (default: half of them). */
  readEvery?: number;
}

export type MemoryPhase = 'sqlite' | 'saves' | 'redis-saves' | 'memory';

export type MemoryChildCommand = {
  type: 'run';
  phase: MemoryPhase;
  options: MemoryChildOptions;
  /** The compiled server (`dist/`) and the transpiled zero model. */
  distDir: string;
  zeroModel: string;
  /** redis-saves: the redis-server to use. */
  redisUrl?: string;
};

/** A memory reading after gc, bytes. */
export interface Reading {
  /** Finished tasks when it was taken. */
  tasks: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** What task saves handed to the store: SQLite, every string and buffer bound to a write of the tasks tables; Redis, the arguments of each save script. */
export interface SaveCounts {
  saves: number;
  bytes: number;
  /** The most one save (an `UPDATE tasks` and what follows it up to the next one) handed over. */
  largest: number;
  current: number;
}

export interface PhaseFigures {
  phase: MemoryPhase;
  tasks: number;
  failed: number;
  wallMs: number;
  /** sqlite: idle, then after every `readEvery` tasks; memory: before the tasks, after them, after a prune to `kept`. */
  readings: Reading[];
  kept?: number;
  counts?: SaveCounts;
}

export type MemoryChildReply = { type: 'ready' } | { type: 'result'; figures: PhaseFigures } | { type: 'error'; message: string };

interface Modules {
  config: typeof ConfigModule;
  inputs: typeof InputsModule;
  logger: typeof LoggerModule;
  memory: typeof MemoryStoreModule;
  redis: typeof RedisStoreModule;
  services: typeof ServicesModule;
  sqlite: typeof SqliteStoreModule;
  zero: typeof ZeroModelModule;
}

type Services = ServicesModule.Services;

async function load(distDir: string, zeroModel: string): Promise<Modules> {
  const dist = (file: string) => import(pathToFileURL(path.join(distDir, file)).href);
  return {
    config: await dist('config.js'),
    inputs: await dist('orchestrator/inputs.js'),
    logger: await dist('logger.js'),
    memory: await dist('store/memory-store.js'),
    redis: await dist('store/redis/redis-store.js'),
    services: await dist('services.js'),
    sqlite: await dist('store/sqlite/sqlite-store.js'),
    zero: await import(pathToFileURL(zeroModel).href),
  };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function settledReading(tasks: number): Promise<Reading> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the memory bench child needs --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await tick();
  }
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  return { tasks, rss, heapUsed, heapTotal, external };
}

/** Count what the task writes hand to SQLite, by wrapping each write statement of the tasks tables. */
function countSaves(db: Database.Database, counts: SaveCounts): void {
  const prepare = db.prepare.bind(db) as Database.Database['prepare'];
  const sizeOf = (args: unknown[]) =>
    args.reduce<number>((n, a) => n + (typeof a === 'string' ? Buffer.byteLength(a) : Buffer.isBuffer(a) ? a.length : 8), 0);
  db.prepare = ((sql: string) => {
    const statement = prepare(sql);
    if (!/^\s*(INSERT|UPDATE)/i.test(sql) || !/\btask(s|_results)\b/.test(sql)) return statement;
    const isSave = /^\s*UPDATE tasks\b/i.test(sql);
    const run = statement.run.bind(statement);
    statement.run = ((...args: unknown[]) => {
      const size = sizeOf(args);
      counts.bytes += size;
      if (isSave) {
        counts.saves++;
        counts.current = 0;
      }
      counts.current += size;
      counts.largest = Math.max(counts.largest, counts.current);
      return run(...args);
    }) as typeof statement.run;
    return statement;
  }) as Database.Database['prepare'];
}

/**
 * Count what task saves hand to Redis: the arguments after the key prefix of every `writeTask`
 * script call (its mode, `save`, comes right after the prefix), by wrapping ioredis's
 * `sendCommand` — the copy the compiled server loads, found from `dist/`.
 */
function countRedisSaves(distDir: string, counts: SaveCounts): void {
  const { Redis } = createRequire(path.join(distDir, 'index.js'))('ioredis') as { Redis: { prototype: { sendCommand: (command: { name: string; args: unknown[] }) => unknown } } };
  const send = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function (this: unknown, command) {
    const { name, args } = command;
    if ((name === 'evalsha' || name === 'eval') && args[3] === 'save') {
      const size = args.slice(2).reduce<number>((n, a) => n + (typeof a === 'string' ? Buffer.byteLength(a) : Buffer.isBuffer(a) ? a.length : String(a).length), 0);
      counts.saves++;
      counts.bytes += size;
      counts.largest = Math.max(counts.largest, size);
    }
    return send.call(this, command);
  };
}

async function openServices(m: Modules, store: Store, dataDir: string, options: MemoryChildOptions): Promise<Services> {
  const config = m.config.loadConfig({ STORE: store.kind, DATA_DIR: dataDir, LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '0', ...options.env });
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const logger = m.logger.createLogger({ level: config.logLevel, destination: sink });
  return m.services.createServices(config, logger, { store, providers: { local: m.zero.createZeroModel({ delayMs: options.modelDelayMs }) }, watchCorpus: false });
}

/** Run `count` tasks (swarm and cascade alternating), `wave` at a time, numbered from `first`; returns how many did not complete. */
async function runTasks(m: Modules, services: Services, first: number, count: number, options: MemoryChildOptions): Promise<number> {
  let failed = 0;
  for (let start = first; start < first + count; start += options.wave) {
    const ids: string[] = [];
    const closed: Array<Promise<void>> = [];
    for (let i = start; i < Math.min(first + count, start + options.wave); i++) {
      const task =
        i % 2 === 0
          ? await services.orchestrator.submit('swarm', m.inputs.searchInputSchema.parse({ query: `memory query ${i}`, num_agents: options.agents }))
          : await services.orchestrator.submit('cascade', m.inputs.researchInputSchema.parse({ task: `memory task ${i}`, num_agents: options.agents }));
      ids.push(task.task_id);
      closed.push(
        new Promise((resolve) => {
          const stop = services.events.follow(task.task_id, 0, (event) => {
            if (event.event_type !== 'stream_closed') return;
            resolve();
            queueMicrotask(() => stop()); // `stop` is not assigned yet if this runs inside `follow`
          });
        }),
      );
    }
    await Promise.all(closed);
    for (const id of ids) if ((await services.orchestrator.get(id)).status !== 'completed') failed++;
  }
  return failed;
}

/** SQLite (`sqlite`: readings at half and all of the tasks; `saves`: only the counts). */
async function onSqlite(m: Modules, phase: MemoryPhase, options: MemoryChildOptions): Promise<PhaseFigures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-memory-bench-'));
  const counts: SaveCounts = { saves: 0, bytes: 0, largest: 0, current: 0 };
  const store = m.sqlite.createSqliteStore(dataDir, { configure: (db) => countSaves(db, counts) });
  const services = await openServices(m, store, dataDir, options);
  try {
    const every = phase === 'sqlite' ? (options.readEvery ?? Math.floor(options.tasks / 2)) : options.tasks;
    const started = performance.now();
    const readings: Reading[] = phase === 'sqlite' ? [await settledReading(0)] : [];
    let failed = 0;
    for (let done = 0; done < options.tasks; done += every) {
      failed += await runTasks(m, services, done, Math.min(every, options.tasks - done), options);
      if (phase === 'sqlite') readings.push(await settledReading(Math.min(options.tasks, done + every)));
    }
    const wallMs = performance.now() - started;
    return { phase, tasks: options.tasks, failed, wallMs, readings, counts };
  } finally {
    await services.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Redis (`redis-saves`): the same tasks as `saves`, counting what their saves hand to Redis. */
async function onRedisSaves(m: Modules, command: MemoryChildCommand): Promise<PhaseFigures> {
  const { options, redisUrl } = command;
  if (!redisUrl) throw new Error('redis-saves needs a redis-server');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-memory-bench-'));
  const counts: SaveCounts = { saves: 0, bytes: 0, largest: 0, current: 0 };
  countRedisSaves(command.distDir, counts);
  const silent = m.logger.createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
  const store = await m.redis.createRedisStore({ url: redisUrl, prefix: `bench${process.pid}:`, logger: silent });
  const services = await openServices(m, store, dataDir, { ...options, env: { REDIS_URL: redisUrl, ...options.env } });
  try {
    const started = performance.now();
    const failed = await runTasks(m, services, 0, options.tasks, options);
    await store.check();
    return { phase: 'redis-saves', tasks: options.tasks, failed, wallMs: performance.now() - started, readings: [], counts };
  } finally {
    await services.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The memory store: the heap before and after the tasks, and after a prune to a quarter of them. */
async function onMemory(m: Modules, options: MemoryChildOptions): Promise<PhaseFigures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-memory-bench-'));
  const store = m.memory.createMemoryStore({ dataDir });
  const services = await openServices(m, store, dataDir, options);
  const none = new Date(0).toISOString();
  try {
    // Warm-up (JIT, lazy modules), pruned away again: not counted.
    await runTasks(m, services, 0, options.wave, options);
    await store.tasks.prune({ maxTasks: 0, olderThan: none });
    const readings = [await settledReading(0)];
    const started = performance.now();
    const failed = await runTasks(m, services, options.wave, options.tasks, options);
    const wallMs = performance.now() - started;
    readings.push(await settledReading(options.tasks));
    const kept = Math.floor(options.tasks / 4);
    await store.tasks.prune({ maxTasks: kept, olderThan: none });
    readings.push(await settledReading(kept));
    return { phase: 'memory', tasks: options.tasks, failed, wallMs, readings, kept };
  } finally {
    await services.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Wait for one command, run it, answer, and exit when the bench cuts the channel. */
export function runMemoryChild(): void {
  const send = (reply: MemoryChildReply) => process.send?.(reply);
  process.on('message', (command: MemoryChildCommand) => {
    load(command.distDir, command.zeroModel)
      .then((m) =>
        command.phase === 'memory'
          ? onMemory(m, command.options)
          : command.phase === 'redis-saves'
            ? onRedisSaves(m, command)
            : onSqlite(m, command.phase, command.options),
      )
      .then(
        (figures) => send({ type: 'result', figures }),
        (error: unknown) => send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

/** The bench forks this file with this argument. */
export const CHILD_FLAG = '--memory-bench-child';
if (process.argv.includes(CHILD_FLAG)) runMemoryChild();
