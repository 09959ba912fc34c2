import { UsageError } from '../client.js';
import { reportError } from '../watch.js';
import { cancelCommand } from './cancel.js';
import type { ClientCommand } from './command.js';
import { resultCommand } from './result.js';
import { researchCommand, searchCommand } from './start.js';
import { statusCommand } from './status.js';
import { tailCommand } from './tail.js';
import { tasksCommand } from './tasks.js';

/** The commands that talk to a running server over its public HTTP API. */
export const CLIENT_COMMANDS: ClientCommand[] = [researchCommand, searchCommand, statusCommand, resultCommand, cancelCommand, tailCommand, tasksCommand];

export const isClientCommand = (name: string): boolean => CLIENT_COMMANDS.some((c) => c.name === name);

/** Lines for the top-level usage text. */
export const CLIENT_USAGE = CLIENT_COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join('\n');

/** Run a client command; answers its exit code (2 for bad usage). */
export async function runClientCommand(name: string, args: string[], env: Record<string, string | undefined>): Promise<number> {
  const command = CLIENT_COMMANDS.find((c) => c.name === name)!;
  const usage = `Usage: mcp-orchestrator ${command.name} ${command.usage}`;
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  try {
    return await command.run(args, env);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`mcp-orchestrator ${name}: ${error.message}\n\n${usage}`);
      return 2;
    }
    return reportError(error);
  }
}
