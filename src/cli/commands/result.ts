import { clientFrom, COMMON_HELP, onePositional, parseCommand } from '../options.js';
import { exitCodeOf, reportMarkdown } from '../report.js';
import type { ClientCommand } from './command.js';

export const resultCommand: ClientCommand = {
  name: 'result',
  summary: "print a finished task's report (Markdown) with its citations",
  usage: `<task_id> [options]

Exit: 0 completed, 1 failed, cancelled or still running.
${COMMON_HELP}`,
  async run(args, env) {
    const { values, positionals } = parseCommand(args, {});
    const client = clientFrom(values, env);
    const record = await client.get(onePositional(positionals, 'task id'));
    if (record.status === 'pending' || record.status === 'running') {
      process.stderr.write(`task ${record.task_id} is still ${record.status}; follow it with: mcp-orchestrator tail ${record.task_id}\n`);
      return 1;
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ task_id: record.task_id, status: record.status, result: record.result ?? null, error: record.error }, null, 2)}\n`);
    } else {
      process.stdout.write(reportMarkdown(record));
      if (record.error) process.stderr.write(`task ${record.status}: ${record.error.code}: ${record.error.message}\n`);
      else if (record.status !== 'completed') process.stderr.write(`task ${record.status}\n`);
    }
    return exitCodeOf(record);
  },
};
