import type { Logger } from '../logger.js';
import type { ErrorReporter } from './sentry.js';

/** How long a dying process waits for its last error report. */
const FLUSH_MS = 2000;

/**
 * Log and report `uncaughtException` and `unhandledRejection`, then exit 1 as Node would have
 * (its default for both is to crash): the process may be in a state nobody planned for.
 * Returns the function that removes the handlers.
 */
export function installProcessHandlers(logger: Logger, reporter: ErrorReporter, exit: (code: number) => void = process.exit): () => void {
  let dying = false;
  const die = (error: unknown, kind: string) => {
    logger.fatal({ err: error }, kind);
    if (dying) return;
    dying = true;
    reporter.capture(error, { source: 'process' });
    void reporter
      .flush(FLUSH_MS)
      .catch(() => undefined)
      .finally(() => {
        logger.flush();
        exit(1);
      });
  };
  const onException = (error: Error) => die(error, 'uncaught exception');
  const onRejection = (reason: unknown) => die(reason, 'unhandled rejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
