import { PLANNER_SYSTEM, fallbackPlan, parsePlan, plannerPrompt } from '../prompts.js';
import type { TaskContext } from '../task-context.js';
import type { PatternName } from '../task.js';

/** What a pattern's run produces; the runner adds the agents' results and documents. */
export interface PatternOutput {
  final_synthesis: string;
}

/** A workflow shape: how a task is split, run and merged. */
export interface Pattern {
  name: PatternName;
  display_name: string;
  description: string;
  use_cases: string[];
  default_config: Record<string, unknown>;
  /** Model calls a run with `numAgents` workers makes when every level runs. */
  plannedCalls(input: Record<string, unknown>): number;
  run(ctx: TaskContext): Promise<PatternOutput>;
}

/** Split `items` into groups of at most `size`, as evenly as the order allows. */
export function chunk<T>(items: T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

/** A plain concatenation, used where a synthesis level cannot run. */
export function concatenate(sections: Array<{ heading: string; content: string }>): string {
  return sections.map((s) => `## ${s.heading}\n\n${s.content.trim()}`).join('\n\n');
}

/**
 * The planning call both patterns start with: at most `count` sub-questions (or search angles) for
 * `request`, or the request's own parts when the planner fails. Emits `decomposition_start` and records the plan.
 */
export async function planSubtasks(ctx: TaskContext, request: string, count: number, kind: 'subtasks' | 'search angles'): Promise<{ subtasks: string[]; fallback: boolean }> {
  ctx.setPhase('planning');
  ctx.emit('decomposition_start', { num_agents: count });
  const planner = await ctx.runAgent({
    agentId: 'planner',
    role: 'planner',
    subtask: kind === 'subtasks' ? 'Split the task into sub-questions' : 'Plan search angles',
    system: PLANNER_SYSTEM,
    prompt: plannerPrompt(request, count, kind),
    brief: { role: 'planner', task: request, count, plan: kind },
  });
  const fallback = planner.status !== 'completed';
  const subtasks = fallback ? fallbackPlan(request, count) : parsePlan(planner.content, request, count);
  ctx.setSubtasks(subtasks);
  return { subtasks, fallback };
}
