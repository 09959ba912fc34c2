import type { Request } from 'express';
import type { ErrorReporter } from './sentry.js';

/** The error handler's hook for 500s: report with the request id, method and path (no query, body or headers). */
export function reportRequestError(reporter: ErrorReporter): (error: unknown, req: Request, requestId: string | undefined) => void {
  return (error, req, requestId) => {
    reporter.capture(error, { source: 'http', request_id: requestId, method: req.method, path: req.originalUrl.split('?')[0] });
  };
}
