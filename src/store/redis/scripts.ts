import type { Redis } from 'ioredis';
import { APPEND_EVENTS, BY_STATUS, LIST_PAGE, PRUNE, WRITE_TASK } from './task-scripts.js';
import { CLAIM, COUNT_ACTIVE, DROP_DOCUMENTS, ENQUEUE, PUT_DOCUMENT, UNREGISTER, UPDATE } from './webhook-scripts.js';

/** The store's Lua scripts by name (each file documents its ARGV; the prefix is always first). */
const SCRIPTS = {
  writeTask: WRITE_TASK,
  listPage: LIST_PAGE,
  byStatus: BY_STATUS,
  prune: PRUNE,
  appendEvents: APPEND_EVENTS,
  unregister: UNREGISTER,
  enqueue: ENQUEUE,
  claim: CLAIM,
  update: UPDATE,
  countActive: COUNT_ACTIVE,
  putDocument: PUT_DOCUMENT,
  dropDocuments: DROP_DOCUMENTS,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
export type ScriptArg = string | number | Buffer;
/** Run a script with the store's prefix as `ARGV[1]`; the command is sent before this returns. */
export type RunScript = (name: ScriptName, args: readonly ScriptArg[]) => Promise<unknown>;

/**
 * Register the scripts on a connection. ioredis sends each as EVAL the first time on every new
 * socket and as EVALSHA afterwards, so a restarted Redis (its script cache empty) needs nothing.
 */
export function defineScripts(redis: Redis, prefix: string): RunScript {
  for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(`mcpo_${name}`, { numberOfKeys: 0, lua });
  const commands = redis as unknown as Record<string, (...args: ScriptArg[]) => Promise<unknown>>;
  return (name, args) => commands[`mcpo_${name}`]!(prefix, ...args);
}
