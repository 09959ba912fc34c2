import express, { type RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from '../../errors.js';

/** SPEC's body limit. */
export const BODY_LIMIT = '1mb';

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

/**
 * JSON bodies only, at most 1 MB. A request without a body gets `{}` (so `curl -X POST` works);
 * a body of another type is a 415. Parse failures reach the error handler as body-parser errors.
 */
export function jsonBody(): RequestHandler {
  const parse = express.json({ limit: BODY_LIMIT, strict: false, type: () => true });
  return (req, res, next) => {
    if (BODYLESS.has(req.method)) return next();
    const length = req.headers['content-length'];
    const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    if (!hasBody) {
      req.body = {};
      return next();
    }
    if (!req.is(['application/json', 'application/*+json'])) return next(new UnsupportedMediaTypeError());
    parse(req, res, next);
  };
}
