import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  AppError,
  InternalError,
  InvalidJsonError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../errors.js';

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

/** 404 for every route nobody answered. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`no route for ${req.method} ${req.path}`));
};

/** The one error handler: SPEC error shape; unknown errors are a generic 500, logged in full. */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const known = error instanceof AppError ? error : fromBodyParser(error as BodyParserError);
  const appError = known ?? new InternalError();
  if (!known) req.log?.error({ err: error }, 'unhandled error');
  if (res.headersSent) {
    res.end();
    return;
  }
  const requestId = res.getHeader('X-Request-Id') as string | undefined;
  res.status(appError.status).json(appError.toBody(requestId));
};
