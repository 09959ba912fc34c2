import type { Logger } from '../logger.js';
import type { ErrorContext, ErrorReporter } from './sentry.js';

/** Log messages the domain writes for errors nobody expected, and where they come from. */
const CRASH_MESSAGES: Record<string, ErrorContext['source']> = { 'task crashed': 'task', 'agent crashed': 'agent' };

/**
 * A logger that also reports the domain's crash lines (`task crashed`, `agent crashed`, with their
 * `err`) to `reporter`, tagged with the task and agent ids its bindings carry. Children inherit it.
 * The domain keeps logging as it does and knows nothing of error tracking.
 */
export function reportCrashes(logger: Logger, reporter: ErrorReporter): Logger {
  const error = (obj: unknown, ...rest: unknown[]) => {
    const source = typeof rest[0] === 'string' ? CRASH_MESSAGES[rest[0]] : undefined;
    const err = (obj as { err?: unknown } | null)?.err;
    if (source && err !== undefined) {
      const { task_id, agent_id } = logger.bindings() as { task_id?: string; agent_id?: string };
      reporter.capture(err, { source, task_id, agent_id });
    }
    return (logger.error as (...args: unknown[]) => void)(obj, ...rest);
  };
  const child = (bindings: Record<string, unknown>) => reportCrashes(logger.child(bindings), reporter);
  return new Proxy(logger, {
    get(target, prop) {
      if (prop === 'error') return error;
      if (prop === 'child') return child;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
