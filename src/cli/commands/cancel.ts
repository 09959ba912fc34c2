import { clientFrom, COMMON_HELP, onePositional, parseCommand } from '../options.js';
import type { ClientCommand } from './command.js';

export const cancelCommand: ClientCommand = {
  name: 'cancel',
  summary: 'cancel a pending or running task',
  usage: `<task_id> [options]

Exit: 0 cancelled (or already cancelled), 1 already completed or failed, or unknown.
${COMMON_HELP}`,
  async run(args, env) {
    const { values, positionals } = parseCommand(args, {});
    const client = clientFrom(values, env);
    const answer = await client.cancel(onePositional(positionals, 'task id'));
    process.stdout.write(values.json ? `${JSON.stringify(answer, null, 2)}\n` : `${answer.task_id} ${answer.status}\n`);
    return 0;
  },
};
