import { CAMINA_SYSTEM, DRUMMER_SYSTEM, WORKER_SYSTEM, findingsPrompt, workerPrompt } from '../prompts.js';
import type { ResearchInput } from '../inputs.js';
import type { TaskContext } from '../task-context.js';
import type { AgentResult } from '../task.js';
import { TaskFailure } from '../task-abort.js';
import { chunk, concatenate, planSubtasks, type Pattern } from './pattern.js';

const GROUP_SIZE = 5;

const asSection = (r: AgentResult) => ({ heading: r.subtask, content: r.content });

/** Mid level: one drummer per group of up to five workers; a failed drummer passes its group through. */
async function drum(ctx: TaskContext, input: ResearchInput, workers: AgentResult[]): Promise<Array<{ heading: string; content: string }>> {
  if (!input.enable_drummer || workers.length < 2) return workers.map(asSection);
  const groups = chunk(workers, GROUP_SIZE);
  ctx.emit('synthesis_start', { level: 'mid', groups: groups.map((g) => g.map((w) => w.agent_id)) });
  const merged = await Promise.all(
    groups.map((group, i) => {
      const findings = group.map((w) => ({ label: w.subtask, content: w.content }));
      return ctx.runAgent({
        agentId: `drummer-${i + 1}`,
        role: 'drummer',
        subtask: `Merge findings of ${group.map((w) => w.agent_id).join(', ')}`,
        system: DRUMMER_SYSTEM,
        prompt: findingsPrompt(input.task, findings),
        brief: { role: 'drummer', task: input.task, findings },
      });
    }),
  );
  ctx.emit('synthesis_complete', { level: 'mid', agent_ids: merged.map((m) => m.agent_id), failed: merged.filter((m) => m.status !== 'completed').length });
  return merged.flatMap((m, i) =>
    m.status === 'completed' ? [{ heading: `Findings ${i + 1}`, content: m.content }] : groups[i]!.map(asSection),
  );
}

/** Executive level: camina writes the report; without it, the sections are concatenated. */
async function conclude(ctx: TaskContext, input: ResearchInput, sections: Array<{ heading: string; content: string }>): Promise<string> {
  if (!input.enable_camina) return sections.length === 1 ? sections[0]!.content : concatenate(sections);
  ctx.emit('synthesis_start', { level: 'executive', inputs: sections.length });
  const findings = sections.map((s) => ({ label: s.heading, content: s.content }));
  const camina = await ctx.runAgent({
    agentId: 'camina',
    role: 'camina',
    subtask: 'Write the final report',
    system: CAMINA_SYSTEM,
    prompt: findingsPrompt(input.task, findings),
    brief: { role: 'camina', task: input.task, findings },
  });
  ctx.emit('synthesis_complete', { level: 'executive', agent_ids: ['camina'], failed: camina.status === 'completed' ? 0 : 1 });
  return camina.status === 'completed' ? camina.content : concatenate(sections);
}

/** Hierarchical research: planner → parallel workers → drummers (groups of ≤5) → camina. */
export const cascadePattern: Pattern = {
  name: 'cascade',
  display_name: 'Cascade (hierarchical research)',
  description:
    'One planning call splits the task into sub-questions; worker agents research them in parallel; ' +
    'mid-level "drummer" synthesizers merge groups of up to five; an executive "camina" writes the report.',
  use_cases: ['in-depth research reports', 'literature and market overviews', 'questions with many facets'],
  default_config: { num_agents: 8, enable_drummer: true, enable_camina: true, group_size: GROUP_SIZE, timeout: 600, agent_timeout: 180 },
  plannedCalls(input) {
    const n = Number(input.num_agents);
    const drummers = input.enable_drummer && n >= 2 ? Math.ceil(n / GROUP_SIZE) : 0;
    return 1 + n + drummers + (input.enable_camina ? 1 : 0);
  },
  async run(ctx) {
    const input = ctx.record.input as ResearchInput;
    ctx.setAgentsTotal(this.plannedCalls(input));
    const { subtasks, fallback } = await planSubtasks(ctx, input.task, input.num_agents, 'subtasks');
    // num_agents is an upper bound: as many workers as the plan has sub-questions.
    ctx.setAgentsTotal(this.plannedCalls({ ...input, num_agents: subtasks.length }));
    ctx.emit('decomposition_complete', { subtasks, fallback });
    ctx.setPhase('agents');
    const results = await Promise.all(
      subtasks.map((subtask, i) =>
        ctx.runAgent({
          agentId: `worker-${i + 1}`,
          role: 'worker',
          subtask,
          system: WORKER_SYSTEM,
          prompt: workerPrompt(input.task, subtask),
          brief: { role: 'worker', task: input.task, question: subtask },
          useTools: true,
        }),
      ),
    );
    const done = results.filter((r) => r.status === 'completed');
    if (done.length === 0) throw new TaskFailure('all_agents_failed', `all ${results.length} worker agents failed`);
    ctx.setAgentsTotal(this.plannedCalls({ ...input, num_agents: done.length }) + (results.length - done.length));
    ctx.setPhase('synthesis');
    const sections = await drum(ctx, input, done);
    return { final_synthesis: await conclude(ctx, input, sections) };
  },
};
