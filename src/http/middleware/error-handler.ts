import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import {
  AppError,
  InternalError,
  InvalidJsonError,
  NotFoundError,
  PayloadTooLargeError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../errors.js';
import { isStoreError } from '../../store/store-error.js';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

/** Map body-parser's errors onto the SPEC's codes. */
function fromBodyParser(error: BodyParserError): AppError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return new InvalidJsonError(`request body is not valid JSON: ${error.message}`);
    case 'entity.too.large':
      return new PayloadTooLargeError();
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError(error.message);
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new ValidationError(`could not read the request body: ${error.message}`);
  }
  return undefined;
}

/** Express's router fails to decode a path parameter with a bad percent-escape (`/tasks/%zz`): a 400, not a 500. */
function fromRouter(error: unknown): AppError | undefined {
  if (!(error instanceof URIError) || (error as URIError & { status?: number }).status !== 400) return undefined;
  return new ValidationError(`the URL path is not valid percent-encoding: ${error.message}`, [{ path: 'path', message: 'invalid percent-encoding' }]);
}

/** A store that cannot write (disk full, read-only, I/O error) is a 503 that says why, not a 500. */
function fromStore(error: unknown): AppError | undefined {
  return isStoreError(error) && error.unavailable ? new UnavailableError(error.message) : undefined;
}

/** 404 for every route nobody answered. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`no route for ${req.method} ${req.path}`));
};

/** Options for `createErrorHandler`. */
export interface ErrorHandlerOptions {
  /** Called with every error that becomes a 500 (error tracking), after it is logged. */
  onUnhandled?: (error: unknown, req: Request, requestId: string | undefined) => void;
}

/** The one error handler: SPEC error shape; unknown errors are a generic 500, logged in full. */
export function createErrorHandler(options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = error instanceof AppError ? error : (fromBodyParser(error as BodyParserError) ?? fromRouter(error) ?? fromStore(error));
    const appError = known ?? new InternalError();
    const requestId = res.getHeader('X-Request-Id') as string | undefined;
    if (!known) {
      req.log?.error({ err: error }, 'unhandled error');
      options.onUnhandled?.(error, req, requestId);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (appError.retryAfterS !== undefined) res.setHeader('Retry-After', String(appError.retryAfterS));
    res.status(appError.status).json(appError.toBody(requestId));
  };
}

/** The error handler without error tracking. */
export const errorHandler: ErrorRequestHandler = createErrorHandler();
