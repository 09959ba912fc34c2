import { UsageError } from '../client.js';
import { clientFrom, COMMON_HELP, intOption, onePositional, parseCommand } from '../options.js';
import { watchTask } from '../watch.js';
import type { ClientCommand } from './command.js';

const SHARED = {
  agents: { type: 'string', short: 'n' },
  title: { type: 'string' },
  provider: { type: 'string' },
  model: { type: 'string' },
  timeout: { type: 'string' },
  'max-cost': { type: 'string' },
  documents: { type: 'boolean' },
  formats: { type: 'string' },
  detach: { type: 'boolean', short: 'd' },
} as const;
const RESEARCH = { ...SHARED, 'no-drummer': { type: 'boolean' }, 'no-camina': { type: 'boolean' }, 'agent-timeout': { type: 'string' } } as const;
const SEARCH = { ...SHARED, types: { type: 'string' } } as const;

const COMMON_USAGE = `  -n, --agents <n>      number of agents (1-20)
  --title <text>        a title for the task
  --provider <name>     openai, xai, anthropic or local (default: the server's)
  --model <id>          model for every agent
  --timeout <s>         whole task, seconds (10-3600)
  --max-cost <usd>      stop the task past this cost
  --documents           also write the report as a document on the server (Markdown)
  --formats <a,b>       document formats: markdown, pdf, docx (implies --documents)
  -d, --detach          print the task id and return at once
${COMMON_HELP}`;

function cost(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--max-cost must be a number of dollars (got ${JSON.stringify(value)})`);
  return n;
}

function makeStart(kind: 'research' | 'search'): ClientCommand {
  const options = kind === 'research' ? RESEARCH : SEARCH;
  return {
    name: kind,
    summary: kind === 'research' ? 'start hierarchical research (cascade) and follow it live' : 'start a multi-agent search (swarm) and follow it live',
    usage: `${kind === 'research' ? '<task>' : '<query>'} [options]

Follows the task live (a board on a terminal, one line per event when piped, both on stderr),
then prints the report as Markdown on stdout. Ctrl-C asks whether to cancel the task.
Exit: 0 completed, 1 failed or cancelled, 2 bad usage, 130 interrupted.

${COMMON_USAGE}${kind === 'research' ? '  --no-drummer          skip mid-level synthesis\n  --no-camina           skip executive synthesis\n  --agent-timeout <s>   one agent, seconds\n' : '  --types <a,b>         allowed agent types (text, news, academic, technical, …)\n'}`,
    async run(args, env) {
      const { values: v, positionals } = parseCommand(args, options);
      const text = onePositional(positionals, kind === 'research' ? 'research task' : 'query');
      const r = v as Record<string, string | boolean | undefined>;
      const body: Record<string, unknown> = {
        [kind === 'research' ? 'task' : 'query']: text,
        num_agents: intOption('agents', r.agents as string | undefined),
        title: r.title,
        provider: r.provider,
        model: r.model,
        timeout: intOption('timeout', r.timeout as string | undefined),
        max_total_cost: cost(r['max-cost'] as string | undefined),
        generate_documents: r.documents || typeof r.formats === 'string' || undefined,
        // The server checks the names (a 400 naming an unknown one, exit 2).
        document_formats: typeof r.formats === 'string' ? r.formats.split(',').map((f) => f.trim()).filter(Boolean) : undefined,
      };
      if (kind === 'research') {
        if (r['no-drummer']) body.enable_drummer = false;
        if (r['no-camina']) body.enable_camina = false;
        body.agent_timeout = intOption('agent-timeout', r['agent-timeout'] as string | undefined);
      } else if (typeof r.types === 'string') {
        body.allowed_agent_types = r.types.split(',').map((t) => t.trim()).filter(Boolean);
      }
      for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];

      const client = clientFrom(v, env);
      const started = await client.start(kind, body);
      if (v.detach) {
        process.stdout.write(v.json ? `${JSON.stringify(started, null, 2)}\n` : `${started.task_id}\n`);
        return 0;
      }
      if (!v.json) process.stderr.write(`started ${started.task_id} (${started.pattern})\n`);
      return watchTask({ client, taskId: started.task_id, streamUrl: started.stream_url, output: v.json ? 'json' : 'live', report: true });
    },
  };
}

export const researchCommand = makeStart('research');
export const searchCommand = makeStart('search');
