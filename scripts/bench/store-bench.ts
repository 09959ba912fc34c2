/**
 * Store bench: event appends through the event log into SQLite (batched per tick) and into the
 * memory store as the baseline; size on disk per task; listing the newest 50 of 10,000 tasks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEventLog } from '../../src/events/event-log.js';
import { emptyUsage, type TaskRecord } from '../../src/orchestrator/task.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { ms, num, ratio, type Row } from './report.js';

export interface StoreBenchOptions {
  tasks: number;
  eventsPerTask: number;
  listTasks: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function record(id: string, status: TaskRecord['status'] = 'completed'): TaskRecord {
  return {
    task_id: id,
    status,
    pattern: 'cascade',
    title: `bench ${id}`,
    input: { task: `bench ${id}`, num_agents: 8 },
    provider: 'local',
    model: 'extractive',
    created_at: new Date().toISOString(),
    started_at: new Date().toISOString(),
    completed_at: new Date().toISOString(),
    progress: { phase: 'done', agents_total: 12, agents_done: 12, agents_failed: 0 },
    usage: emptyUsage(),
  };
}

/** Appends like a busy server: tasks interleaved, a tick now and then so batches commit. */
async function appendAll(store: Store, options: StoreBenchOptions): Promise<{ perSecond: number; latencies: number[]; commits: number[] }> {
  const log = createEventLog(store.events);
  const ids = Array.from({ length: options.tasks }, (_, i) => `bench_${i}`);
  for (const id of ids) await store.tasks.insert(record(id, 'running'));
  const latencies: number[] = [];
  // Time of each tick, in which the buffered batch is committed in one transaction.
  const commits: number[] = [];
  const delta = 'x'.repeat(120);
  const start = performance.now();
  for (let n = 0; n < options.eventsPerTask; n++) {
    for (const id of ids) {
      const t = performance.now();
      log.append(id, { event_type: 'agent_progress', agent_id: 'worker-1', data: { delta, chars: n * 120 } });
      latencies.push(performance.now() - t);
    }
    if (n % 10 === 0) {
      const t = performance.now();
      await tick();
      commits.push(performance.now() - t);
    }
  }
  await tick();
  await store.events.lastSeq(ids[0]!); // a read flushes whatever is still buffered
  const elapsed = performance.now() - start;
  return { perSecond: (latencies.length / elapsed) * 1000, latencies: latencies.sort((a, b) => a - b), commits: commits.sort((a, b) => a - b) };
}

async function listNewest(store: Store, total: number): Promise<number> {
  for (let i = 0; i < total; i++) await store.tasks.insert(record(`list_${i}`));
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await store.tasks.list({ limit: 50 });
    times.push(performance.now() - t);
  }
  return percentile(times.sort((a, b) => a - b), 50);
}

export async function measureStore(options: StoreBenchOptions): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-bench-store-'));
  try {
    const memory = createMemoryStore();
    const mem = await appendAll(memory, options);
    const sqlite = createSqliteStore(dir);
    const sql = await appendAll(sqlite, options);
    await sqlite.close();
    const bytes = fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);

    const listDir = fs.mkdtempSync(path.join(dir, 'list-'));
    const listStore = createSqliteStore(listDir);
    const listMs = await listNewest(listStore, options.listTasks);
    await listStore.close();
    const memListMs = await listNewest(createMemoryStore(), options.listTasks);
    const events = options.tasks * options.eventsPerTask;
    return [
      { metric: `store: event appends/s (${num(events)} events, SQLite, batched per tick)`, ours: num(sql.perSecond), baseline: `${num(mem.perSecond)} (memory store)`, ratio: ratio(sql.perSecond, mem.perSecond), target: '≥ 20,000/s', pass: sql.perSecond >= 20_000 },
      { metric: 'store: append call p99 (SQLite; the write is batched)', ours: ms(percentile(sql.latencies, 99), 3), baseline: `${ms(percentile(mem.latencies, 99), 3)} (memory)`, target: '< 2 ms', pass: percentile(sql.latencies, 99) < 2 },
      { metric: `store: commit of one batch of ${num(options.tasks * 10)} events, p99`, ours: ms(percentile(sql.commits, 99), 2), baseline: `${ms(percentile(mem.commits, 99), 2)} (memory: no commit)` },
      { metric: `store: size on disk per task (${options.eventsPerTask} events of ~250 bytes)`, ours: `${num(bytes / options.tasks / 1024, 1)} KiB` },
      { metric: `store: list newest 50 of ${num(options.listTasks)} tasks (p50)`, ours: ms(listMs, 2), baseline: `${ms(memListMs, 2)} (memory store)`, ratio: ratio(listMs, memListMs), target: '< 50 ms', pass: listMs < 50 },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
