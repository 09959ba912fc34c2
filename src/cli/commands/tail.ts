import { clientFrom, COMMON_HELP, onePositional, parseCommand } from '../options.js';
import { watchTask } from '../watch.js';
import type { ClientCommand } from './command.js';

export const tailCommand: ClientCommand = {
  name: 'tail',
  summary: "follow a task's events (from the start, or live if it is running)",
  usage: `<task_id> [options]

Replays the task's events and follows it to its end, as research/search do, then prints the
report. With --json, each event is one JSON line on stdout (NDJSON), nothing else.
Exit: 0 completed, 1 failed or cancelled, 130 interrupted.

  --no-report       do not print the report at the end
${COMMON_HELP}`,
  async run(args, env) {
    const { values, positionals } = parseCommand(args, { 'no-report': { type: 'boolean' } });
    const taskId = onePositional(positionals, 'task id');
    const client = clientFrom(values, env);
    await client.get(taskId); // a clear 404 before any stream
    return watchTask({ client, taskId, streamUrl: client.streamUrl(taskId), output: values.json ? 'ndjson' : 'live', report: !values['no-report'] });
  },
};
