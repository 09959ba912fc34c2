/**
 * Memory bench: does a server on the default SQLite store keep finished tasks in memory, and what
 * do task saves write? The real orchestrator (createServices with the zero-latency model) runs in
 * a child process of its own (scripts/bench/memory-child.ts), on the compiled server in `dist/`
 * (built first, as `npm start` does) and under plain `node --expose-gc`, so neither the other
 * bench parts nor tsx are counted in its RSS. Three phases, each in a fresh child:
 *
 * - sqlite: 1,000 tasks of 8 agents (swarm and cascade alternating, 50 at a time) on SQLite in a
 *   temp DATA_DIR; RSS and heap used after gc at 500 and at 1,000 finished tasks;
 * - saves: tasks of 20 agents run one agent at a time (`MAX_AGENTS_PER_TASK=1`), so each agent's
 *   result is its own save: the bytes those saves hand to SQLite (every string bound to a write of
 *   the tasks tables), per save and the largest;
 * - redis-saves: the same tasks on `STORE=redis` (a redis-server of its own), counting the
 *   arguments of each save script sent to Redis (left out when there is no redis-server);
 * - memory: the memory store's heap per finished task, and after a prune to a quarter of them.
 */
import { execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { hasRedisServer, startRedis } from '../../test/helpers/redis-server.js';
import { nextMessage, stopChild } from './child-ipc.js';
import { CHILD_FLAG, type MemoryChildCommand, type MemoryChildOptions, type MemoryPhase, type PhaseFigures } from './memory-child.js';
import { num, type Row } from './report.js';

export interface MemoryBenchOptions {
  /** Tasks on SQLite (memory is read at half of them and at all of them). */
  tasks: number;
  /** `num_agents` of those tasks. */
  agents: number;
  /** Tasks submitted at once. */
  wave: number;
  /** Tasks of 20 agents run one agent at a time, for the bytes per save. */
  saveTasks: number;
  /** Tasks on the memory store. */
  memoryStoreTasks: number;
}

export const DEFAULT_MEMORY_OPTIONS: MemoryBenchOptions = { tasks: 1000, agents: 8, wave: 50, saveTasks: 10, memoryStoreTasks: 400 };

const MB = 1024 * 1024;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');

/** `tsc -b tsconfig.build.json` (what `npm run build` runs; quick when dist/ is current). */
function build(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
}

/** The child and the zero model as plain ES modules in `dir` (they import nothing at run time but Node's modules). */
function transpile(dir: string): { child: string; zeroModel: string } {
  const emit = (name: string) => {
    const source = fs.readFileSync(path.join(HERE, `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    const file = path.join(dir, `${name}.mjs`);
    fs.writeFileSync(file, outputText);
    return file;
  };
  return { child: emit('memory-child'), zeroModel: emit('zero-model') };
}

/** Run one phase in a fresh child (exported for investigations: `readEvery` gives more readings). */
export async function runPhase(phase: MemoryPhase, options: MemoryChildOptions): Promise<PhaseFigures | undefined> {
  build();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-memory-bench-'));
  try {
    const files = transpile(dir);
    return phase === 'redis-saves' ? await redisSaves(options, files) : await inChild(phase, options, files);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function inChild(phase: MemoryPhase, options: MemoryChildOptions, files: { child: string; zeroModel: string }, redisUrl?: string): Promise<PhaseFigures> {
  const child = fork(files.child, [CHILD_FLAG], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    await nextMessage(child, 'ready', 60_000, 'memory bench');
    child.send({ type: 'run', phase, options, distDir: path.join(ROOT, 'dist'), zeroModel: files.zeroModel, redisUrl } satisfies MemoryChildCommand);
    const reply = await nextMessage<{ figures: PhaseFigures }>(child, 'result', 30 * 60_000, `memory bench (${phase})`);
    return reply.figures;
  } finally {
    await stopChild(child);
  }
}

const mb = (bytes: number, digits = 1) => `${num(bytes / MB, digits)} MB`;
const bytes = (n: number) => `${num(n)} B`;

function sqliteRows(s: PhaseFigures, agents: number): Row[] {
  const halfway = Math.floor(s.tasks / 2);
  const idle = s.readings[0]!;
  const half = s.readings.find((r) => r.tasks === halfway) ?? s.readings[1]!;
  const full = s.readings.at(-1)!;
  const at = (n: number) => `${num(n)} finished ${agents}-agent tasks on SQLite (after gc)`;
  const growth = full.rss - half.rss;
  const heapGrowth = full.heapUsed - half.heapUsed;
  return [
    { metric: 'RSS of the idle server on SQLite, before any task (after gc)', ours: mb(idle.rss) },
    { metric: `RSS after ${at(halfway)}`, ours: mb(half.rss) },
    { metric: `RSS after ${at(s.tasks)}`, ours: mb(full.rss), target: '< 150 MB', pass: full.rss < 150 * MB },
    { metric: `RSS growth from task ${num(halfway)} to ${num(s.tasks)}`, ours: mb(growth), target: '≤ 5 MB', pass: growth <= 5 * MB },
    { metric: `heap used after ${num(halfway)} / ${num(s.tasks)} finished tasks`, ours: `${mb(half.heapUsed)} / ${mb(full.heapUsed)}` },
    { metric: `heap growth from task ${num(halfway)} to ${num(s.tasks)}`, ours: mb(heapGrowth), target: '≤ 5 MB', pass: heapGrowth <= 5 * MB },
  ];
}

function saveRows(s: PhaseFigures, store: 'SQLite' | 'Redis'): Row[] {
  const c = s.counts!;
  return [
    { metric: `bytes a task save hands to ${store} (mean; 20 agents, one at a time)`, ours: bytes(c.bytes / Math.max(1, c.saves)) },
    { metric: `largest single task save (${store})`, ours: bytes(c.largest) },
    { metric: `bytes handed to ${store} per 20-agent task (all its saves)`, ours: bytes(c.bytes / s.tasks) },
  ];
}

/** The `saves` tasks on Redis, or undefined when there is no redis-server. */
async function redisSaves(options: MemoryChildOptions, files: { child: string; zeroModel: string }): Promise<PhaseFigures | undefined> {
  if (!hasRedisServer()) {
    console.log('  (no redis-server on PATH: the Redis save rows are left out)');
    return undefined;
  }
  const redis = await startRedis();
  try {
    return await inChild('redis-saves', options, files, redis.url);
  } finally {
    await redis.stop();
  }
}

function memoryRows(m: PhaseFigures, agents: number): Row[] {
  const [before, after, pruned] = m.readings as [PhaseFigures['readings'][0], PhaseFigures['readings'][0], PhaseFigures['readings'][0]];
  const perTask = (after.heapUsed - before.heapUsed) / m.tasks;
  const freed = (after.heapUsed - pruned.heapUsed) / (m.tasks - m.kept!);
  return [
    { metric: `memory store: heap per finished ${agents}-agent task (${num(m.tasks)} kept)`, ours: `${num(perTask / 1024, 1)} KB` },
    // Retention bounds the memory store only if a pruned task gives back what it cost.
    {
      metric: `memory store: heap given back per task pruned (to ${num(m.kept!)} kept)`,
      ours: `${num(freed / 1024, 1)} KB`,
      target: '≥ 75% of the cost',
      pass: freed >= perTask * 0.75,
    },
  ];
}

/** Run the three phases, each in a fresh child process; `complete` is false when a task did not complete. */
export async function measureMemory(options: Partial<MemoryBenchOptions> = {}): Promise<{ rows: Row[]; summary: string; complete: boolean }> {
  const o = { ...DEFAULT_MEMORY_OPTIONS, ...options };
  build();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-memory-bench-'));
  try {
    const files = transpile(dir);
    const sqlite = await inChild('sqlite', { tasks: o.tasks, agents: o.agents, wave: o.wave }, files);
    const saveOptions: MemoryChildOptions = { tasks: o.saveTasks, agents: 20, wave: 1, env: { MAX_AGENTS_PER_TASK: '1' }, modelDelayMs: 1 };
    const saves = await inChild('saves', saveOptions, files);
    const onRedis = await redisSaves(saveOptions, files);
    const memory = await inChild('memory', { tasks: o.memoryStoreTasks, agents: o.agents, wave: o.wave }, files);
    const phases = [sqlite, saves, ...(onRedis ? [onRedis] : []), memory];
    const summary = phases
      .map((p) => `  ${p.phase}: ${num(p.tasks)} tasks in ${num(p.wallMs / 1000, 1)} s, ${p.failed} not completed${p.counts ? `; ${num(p.counts.saves)} task saves, ${mb(p.counts.bytes)} handed to the store` : ''}`)
      .join('\n');
    return {
      rows: [...sqliteRows(sqlite, o.agents), ...saveRows(saves, 'SQLite'), ...(onRedis ? saveRows(onRedis, 'Redis') : []), ...memoryRows(memory, o.agents)],
      summary,
      complete: phases.every((p) => p.failed === 0),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
