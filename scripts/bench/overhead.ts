import { performance } from 'node:perf_hooks';
import { streamText } from 'ai';
import { researchInputSchema, searchInputSchema, type OrchestrateInput } from '../../src/orchestrator/inputs.js';
import { PATTERNS } from '../../src/orchestrator/patterns/index.js';
import { WORKER_SYSTEM, workerPrompt } from '../../src/orchestrator/prompts.js';
import type { PatternName } from '../../src/orchestrator/task.js';
import { createBenchServices, type BenchServices } from './services.js';
import { createZeroModel } from './zero-model.js';

/** One measured round: the same number of model calls with and without the orchestrator. */
export interface OverheadRound {
  tasks: number;
  agentRuns: number;
  oursMs: number;
  baselineMs: number;
  /** Process CPU time (user + system) for each side, which other load on the machine barely moves. */
  oursCpuMs: number;
  baselineCpuMs: number;
}

export interface OverheadOptions {
  /** Tasks per round, alternating swarm and cascade. */
  tasks: number;
  /** `num_agents` of each task (a swarm makes n + 2 calls, a cascade n + ceil(n / 5) + 2). */
  agentsPerTask: number;
  /** Concurrent bare calls in the baseline: the orchestrator's default `MAX_CONCURRENT_AGENTS`. */
  baselineConcurrency: number;
  /** Run the baseline first (rounds alternate, so neither side always inherits the other's garbage). */
  baselineFirst?: boolean;
}

/** Wall and CPU time of `fn`, ms. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await fn();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { value, ms, cpuMs: (used.user + used.system) / 1000 };
}

/** The round's tasks: swarm and cascade alternating. */
function inputs(options: OverheadOptions): Array<{ pattern: PatternName; input: OrchestrateInput }> {
  return Array.from({ length: options.tasks }, (_, i) =>
    i % 2 === 0
      ? { pattern: 'swarm' as const, input: searchInputSchema.parse({ query: `bench query ${i}`, num_agents: options.agentsPerTask }) }
      : { pattern: 'cascade' as const, input: researchInputSchema.parse({ task: `bench task ${i}`, num_agents: options.agentsPerTask }) },
  );
}

/** Submit every task at once and wait for every `stream_closed`; returns the task ids. */
async function runOrchestrated(services: BenchServices['services'], options: OverheadOptions): Promise<string[]> {
  const { orchestrator, events } = services;
  const finished: Array<Promise<string>> = [];
  for (const { pattern, input } of inputs(options)) {
    const task = await orchestrator.submit(pattern, input);
    finished.push(
      new Promise((resolve) => {
        const stop = events.follow(task.task_id, 0, (event) => {
          if (event.event_type !== 'stream_closed') return;
          resolve(task.task_id);
          queueMicrotask(() => stop()); // `stop` is not assigned yet if this runs inside `follow`
        });
      }),
    );
  }
  return Promise.all(finished);
}

/** Agent runs over all tasks; throws if any task or agent did not complete. */
async function countAgentRuns(services: BenchServices['services'], ids: string[]): Promise<number> {
  let agentRuns = 0;
  for (const id of ids) {
    const record = await services.orchestrator.get(id);
    if (record.status !== 'completed' || record.progress.agents_failed > 0) {
      throw new Error(`bench task ${id} ended ${record.status}: ${JSON.stringify(record.error)}`);
    }
    agentRuns += record.progress.agents_done;
  }
  return agentRuns;
}

/** `calls` bare `streamText` calls, `concurrency` at a time, each stream read to the end. */
async function runBaseline(calls: number, concurrency: number): Promise<void> {
  const model = createZeroModel()('extractive');
  const system = WORKER_SYSTEM;
  const prompt = workerPrompt('bench task', 'angle number 1');
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      next++;
      const result = streamText({ model, system, prompt, maxRetries: 0, abortSignal: new AbortController().signal });
      let text = '';
      for await (const part of result.fullStream) if (part.type === 'text-delta') text += part.text;
      if (!text) throw new Error('baseline call returned no text');
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Orchestrated (fresh services, built outside the timing) and bare, with the same number of model calls. */
export async function measureOverhead(options: OverheadOptions): Promise<OverheadRound> {
  // Every agent completes with the zero model, so each task makes its pattern's planned calls.
  const agentRuns = inputs(options).reduce((n, { pattern, input }) => n + PATTERNS[pattern].plannedCalls(input), 0);
  const bare = () => timed(() => runBaseline(agentRuns, options.baselineConcurrency));
  const first = options.baselineFirst ? await bare() : undefined;
  const bench = await createBenchServices();
  let ours: Awaited<ReturnType<typeof timed<string[]>>>;
  try {
    ours = await timed(() => runOrchestrated(bench.services, options));
    const counted = await countAgentRuns(bench.services, ours.value);
    if (counted !== agentRuns) throw new Error(`expected ${agentRuns} agent runs, counted ${counted}`);
  } finally {
    await bench.close();
  }
  const base = first ?? (await bare());
  return { tasks: options.tasks, agentRuns, oursMs: ours.ms, baselineMs: base.ms, oursCpuMs: ours.cpuMs, baselineCpuMs: base.cpuMs };
}
