/** One CLI command against a running server. */
export interface ClientCommand {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage text of the command (after `mcp-orchestrator <name>`). */
  usage: string;
  /** Run it; answers the exit code. */
  run(args: string[], env: Record<string, string | undefined>): Promise<number>;
}
