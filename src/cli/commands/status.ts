import { clientFrom, COMMON_HELP, onePositional, parseCommand } from '../options.js';
import { statusText } from '../report.js';
import type { ClientCommand } from './command.js';

export const statusCommand: ClientCommand = {
  name: 'status',
  summary: 'show a task: status, progress, usage, error',
  usage: `<task_id> [options]

${COMMON_HELP}`,
  async run(args, env) {
    const { values, positionals } = parseCommand(args, {});
    const client = clientFrom(values, env);
    const record = await client.get(onePositional(positionals, 'task id'));
    if (values.json) {
      const { result: _result, ...rest } = record;
      process.stdout.write(`${JSON.stringify({ ...rest, has_result: _result !== undefined }, null, 2)}\n`);
    } else process.stdout.write(statusText(record));
    return 0;
  },
};
