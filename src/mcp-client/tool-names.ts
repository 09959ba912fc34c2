import { createHash } from 'node:crypto';

/** What model APIs accept as a function name (OpenAI: `^[a-zA-Z0-9_-]{1,64}$`). */
export const AGENT_TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_LENGTH = 64;
/** `_` and six hex digits of the original name's SHA-256, so two renamed tools stay apart. */
const SUFFIX_LENGTH = 7;

/**
 * The agent tool name of `tool` of `server`: `<server>__<tool>` when that is a valid name.
 * Otherwise every character outside [A-Za-z0-9_-] becomes `_`, and a name that changed or is too
 * long is cut to fit with `_<6 hex digits of the original name>` added. `undefined` when the
 * server's name leaves no room for that (keep server names short).
 */
export function agentToolName(server: string, tool: string): string | undefined {
  const plain = `${server}__${tool}`;
  if (AGENT_TOOL_NAME.test(plain)) return plain;
  const room = MAX_LENGTH - server.length - 2 - SUFFIX_LENGTH;
  if (room < 1 || tool.length === 0) return undefined;
  const hash = createHash('sha256').update(tool).digest('hex').slice(0, SUFFIX_LENGTH - 1);
  return `${server}__${tool.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, room)}_${hash}`;
}

/** Whether a server's tool is offered, by the entry's `allowedTools` / `disabledTools` (its own names). */
export function isToolAllowed(tool: string, lists: { allowedTools?: string[]; disabledTools?: string[] }): boolean {
  if (lists.allowedTools && !lists.allowedTools.includes(tool)) return false;
  return !lists.disabledTools?.includes(tool);
}
