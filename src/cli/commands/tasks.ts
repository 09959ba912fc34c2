import { UsageError } from '../client.js';
import { clientFrom, COMMON_HELP, intOption, parseCommand } from '../options.js';
import type { ClientCommand } from './command.js';

const STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'];

export const tasksCommand: ClientCommand = {
  name: 'tasks',
  summary: 'list tasks, newest first',
  usage: `[options]

  --status <s>      only pending, running, completed, failed or cancelled tasks
  --limit <n>       how many (1-100, default 20)
  --cursor <c>      the next page (printed at the end of a full page)
${COMMON_HELP}`,
  async run(args, env) {
    const { values, positionals } = parseCommand(args, { status: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } });
    if (positionals.length) throw new UsageError(`tasks takes no arguments (got ${JSON.stringify(positionals[0])})`);
    const status = values.status as string | undefined;
    if (status !== undefined && !STATUSES.includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
    const query: Record<string, string> = {};
    if (status) query.status = status;
    const limit = intOption('limit', values.limit as string | undefined);
    if (limit !== undefined) query.limit = String(limit);
    if (values.cursor) query.cursor = values.cursor as string;
    const page = await clientFrom(values, env).list(query);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
      return 0;
    }
    const rows = page.tasks.map((t) => {
      const p = t.progress;
      const agents = p ? `${p.agents_done + p.agents_failed}/${p.agents_total}` : '';
      const title = String(t.title ?? t.input?.query ?? t.input?.task ?? '').replace(/\s+/g, ' ').slice(0, 60);
      return [t.task_id, t.status, t.pattern, agents, `$${(t.usage?.cost_usd ?? 0).toFixed(4)}`, t.created_at ?? '', title];
    });
    const widths = [0, 1, 2, 3, 4, 5].map((i) => Math.max(...rows.map((r) => r[i]!.length), 0));
    for (const r of rows) process.stdout.write(`${r.map((c, i) => (i < 6 ? c.padEnd(widths[i]!) : c)).join('  ')}\n`);
    if (!rows.length) process.stderr.write('no tasks\n');
    if (page.next_cursor) process.stderr.write(`more: --cursor ${page.next_cursor}\n`);
    return 0;
  },
};
