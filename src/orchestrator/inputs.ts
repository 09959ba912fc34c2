import { z } from 'zod';
import { PROVIDER_NAMES } from '../config.js';
import { EVENT_TYPES } from '../events/event.js';
import { DOCUMENT_FORMATS } from './formats/index.js';

/** Agent types a swarm can use, picked per search angle by its keywords. */
/** A bad value as an error message shows it: a short string quoted, anything else by its kind. */
const shown = (value: unknown) =>
  typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;

export const AGENT_TYPES = ['text', 'image', 'video', 'news', 'academic', 'social', 'product', 'technical', 'general'] as const;
export type AgentType = (typeof AGENT_TYPES)[number];

const provider = z.enum(PROVIDER_NAMES).describe('Model provider; defaults to DEFAULT_PROVIDER');
const model = z.string().min(1).max(200).describe('Model id; defaults to DEFAULT_MODEL or the provider default');

/** Fields shared by both orchestrate tools. */
const common = {
  provider: provider.optional(),
  provider_name: provider.optional().describe('Alias of provider (old clients)'),
  model: model.optional(),
  timeout: z.number().min(10).max(3600).default(600).describe('Whole task, seconds'),
  agent_timeout: z.number().min(1).max(3600).default(180).describe('One agent run including retries, seconds'),
  max_total_cost: z.number().positive().max(1_000_000).optional().describe('USD; the task ends budget_exceeded beyond it'),
  webhook_url: z.url({ protocol: /^https?$/ }).max(2000).optional().describe('Called on the events in webhook_events'),
  webhook_events: z.array(z.enum(EVENT_TYPES)).max(EVENT_TYPES.length).optional(),
  generate_documents: z.boolean().default(false).describe('Write the report as a document'),
  // Never JSON.stringify what a client sent whole: 100,000 nested arrays overflow the stack.
  document_formats: z
    .array(z.enum(DOCUMENT_FORMATS, { error: (issue) => `unknown document format ${shown(issue.input)}; one of ${DOCUMENT_FORMATS.join(', ')}` }))
    .min(1)
    .max(DOCUMENT_FORMATS.length)
    .refine((formats) => new Set(formats).size === formats.length, 'lists a format twice')
    .default(['markdown'])
    .describe(`Formats of the documents written with generate_documents: ${DOCUMENT_FORMATS.join(', ')}`),
};

function resolveAlias<T extends { provider?: unknown; provider_name?: unknown }>(value: T, ctx: z.RefinementCtx) {
  if (value.provider !== undefined && value.provider_name !== undefined && value.provider !== value.provider_name) {
    ctx.addIssue({ code: 'custom', path: ['provider_name'], message: 'conflicts with provider; send one of them' });
  }
}

export const researchInputSchema = z
  .strictObject({
    task: z.string().trim().min(1).max(5000).describe('What to research'),
    title: z.string().trim().min(1).max(200).optional(),
    num_agents: z.number().int().min(1, 'must be between 1 and 20').max(20, 'must be between 1 and 20').default(8),
    enable_drummer: z.boolean().default(true).describe('Mid-level synthesis of groups of up to 5 workers'),
    enable_camina: z.boolean().default(true).describe('Executive synthesis of the final report'),
    ...common,
  })
  .superRefine(resolveAlias)
  .transform(({ provider_name, ...rest }) => ({ ...rest, provider: rest.provider ?? provider_name }));

export const searchInputSchema = z
  .strictObject({
    query: z.string().trim().min(1).max(2000).describe('What to search for'),
    title: z.string().trim().min(1).max(200).optional(),
    num_agents: z.number().int().min(1, 'must be between 1 and 20').max(20, 'must be between 1 and 20').optional(),
    max_agents: z.number().int().min(1, 'must be between 1 and 20').max(20, 'must be between 1 and 20').optional().describe('Alias of num_agents (old clients)'),
    allowed_agent_types: z.array(z.enum(AGENT_TYPES)).min(1).max(AGENT_TYPES.length).optional(),
    ...common,
  })
  .superRefine((value, ctx) => {
    resolveAlias(value, ctx);
    if (value.num_agents !== undefined && value.max_agents !== undefined && value.num_agents !== value.max_agents) {
      ctx.addIssue({ code: 'custom', path: ['max_agents'], message: 'conflicts with num_agents; send one of them' });
    }
  })
  .transform(({ provider_name, max_agents, ...rest }) => ({
    ...rest,
    provider: rest.provider ?? provider_name,
    num_agents: rest.num_agents ?? max_agents ?? 5,
  }));

export type ResearchInput = z.output<typeof researchInputSchema>;
export type SearchInput = z.output<typeof searchInputSchema>;
export type OrchestrateInput = ResearchInput | SearchInput;
