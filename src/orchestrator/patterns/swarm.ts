import { pickAgentType } from '../agent-types.js';
import type { SearchInput } from '../inputs.js';
import { SWARM_SYNTHESIS_SYSTEM, SWARM_SYSTEMS, findingsPrompt } from '../prompts.js';
import type { AgentResult } from '../task.js';
import { TaskFailure } from '../task-abort.js';
import { planSubtasks, type Pattern } from './pattern.js';

/** Without the synthesizer: findings grouped by type, repeated paragraphs dropped. */
export function groupFindings(results: AgentResult[]): string {
  const seen = new Set<string>();
  const byType = new Map<string, string[]>();
  for (const r of results) {
    const paragraphs = r.content.split(/\n{2,}/).filter((p) => {
      const key = p.trim().toLowerCase().replace(/\s+/g, ' ');
      if (!key || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const type = r.agent_type ?? 'general';
    byType.set(type, [...(byType.get(type) ?? []), `### ${r.subtask}\n\n${paragraphs.join('\n\n')}`]);
  }
  return [...byType].map(([type, parts]) => `## ${type}\n\n${parts.join('\n\n')}`).join('\n\n');
}

/** Multi-agent search: planner → typed agents in parallel → one deduplicating synthesis. */
export const swarmPattern: Pattern = {
  name: 'swarm',
  display_name: 'Swarm (multi-agent search)',
  description:
    'One planning call makes search angles; each angle gets an agent type by its keywords ' +
    '(text, image, video, news, academic, social, product, technical, general); the agents search in ' +
    'parallel; one synthesis groups the findings by type and removes duplicates.',
  use_cases: ['broad searches across source types', 'quick fact finding', 'comparing what different sources say'],
  default_config: { num_agents: 5, allowed_agent_types: null, timeout: 600, agent_timeout: 180 },
  plannedCalls: (input) => 1 + Number(input.num_agents) + 1,
  async run(ctx) {
    const input = ctx.record.input as SearchInput;
    ctx.setAgentsTotal(this.plannedCalls(input));
    const { subtasks: angles, fallback } = await planSubtasks(ctx, input.query, input.num_agents, 'search angles');
    ctx.setAgentsTotal(this.plannedCalls({ ...input, num_agents: angles.length }));
    const typed = angles.map((angle) => ({ angle, type: pickAgentType(angle, input.allowed_agent_types) }));
    ctx.emit('decomposition_complete', { subtasks: angles, fallback, agent_types: typed.map((t) => t.type) });
    ctx.setPhase('agents');
    const results = await Promise.all(
      typed.map(({ angle, type }, i) =>
        ctx.runAgent({
          agentId: `${type}-${i + 1}`,
          role: 'worker',
          agentType: type,
          subtask: angle,
          system: SWARM_SYSTEMS[type] ?? SWARM_SYSTEMS.general!,
          prompt: `Search query:\n${input.query}\n\nYour angle:\n${angle}`,
          brief: { role: 'worker', task: input.query, question: angle, agent_type: type },
          useTools: true,
        }),
      ),
    );
    const done = results.filter((r) => r.status === 'completed');
    if (done.length === 0) throw new TaskFailure('all_agents_failed', `all ${results.length} search agents failed`);
    ctx.setPhase('synthesis');
    ctx.emit('synthesis_start', { level: 'swarm', inputs: done.length });
    const findings = done.map((r) => ({ label: `${r.agent_type}: ${r.subtask}`, content: r.content }));
    const synthesis = await ctx.runAgent({
      agentId: 'synthesizer',
      role: 'synthesizer',
      subtask: 'Group findings by type and remove duplicates',
      system: SWARM_SYNTHESIS_SYSTEM,
      prompt: findingsPrompt(input.query, findings),
      brief: { role: 'synthesizer', task: input.query, findings },
    });
    ctx.emit('synthesis_complete', { level: 'swarm', agent_ids: ['synthesizer'], failed: synthesis.status === 'completed' ? 0 : 1 });
    return { final_synthesis: synthesis.status === 'completed' ? synthesis.content : groupFindings(done) };
  },
};
