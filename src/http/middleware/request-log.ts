import type { IncomingMessage } from 'node:http';
import type { Express, RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../../logger.js';
import { requestId } from './request-id.js';

/** Requests with no access log line: liveness probes, which come every few seconds. Exact URL, so `/health?x` is logged. */
export const isUnloggedRequest = (req: IncomingMessage): boolean => req.url === '/health';

/** Where `req.log` and `res.log` keep their logger. */
const LOG = Symbol('log');
/** Set on a request whose logger is made when first asked for. */
const LAZY = Symbol('lazy log');

type Logged = { [LOG]?: Logger; [LAZY]?: true; id?: unknown; req?: Logged; log?: Logger };

/**
 * Access logs with pino-http: one line per response (`info`, `warn` for 4xx, `error` for 5xx), the
 * path without its query (which may carry a stream token), the request id on every line; `req.log`
 * and `res.log` are the request's child logger.
 *
 * A request that gets no access log line (`isUnloggedRequest`) skips pino-http: it gets its id and
 * `X-Request-Id` the same way, and `req.log` is the same child logger (the request and its id bound),
 * but that logger (two `child()` calls, the request serialised into bindings) is made only when
 * something logs through it, such as the error handler. The laziness lives in accessors on the
 * app's request and response prototypes, set up once here: an accessor defined on each request
 * would cost more than the logger it saves.
 */
export function requestLogging(app: Express, logger: Logger): RequestHandler {
  const logged = pinoHttp({
    logger,
    genReqId: requestId,
    customProps: (req) => ({ request_id: req.id }),
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    serializers: {
      // The path only: query strings may carry stream tokens.
      req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url.split('?')[0] }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: isUnloggedRequest },
  });
  // pino-http's own logger (this one's child with the serializers), which it makes `req.log` from.
  const base = logged.logger;
  const set = function (this: Logged, value: Logger) {
    this[LOG] = value;
  };
  Object.defineProperty(app.request, 'log', {
    get(this: Logged) {
      if (this[LOG] === undefined && this[LAZY]) this[LOG] = base.child({ req: this }).child({ request_id: this.id });
      return this[LOG];
    },
    set,
    configurable: true,
  });
  Object.defineProperty(app.response, 'log', {
    get(this: Logged) {
      return this[LOG] ?? (this.req?.[LAZY] ? this.req.log : undefined);
    },
    set,
    configurable: true,
  });
  return (req, res, next) => {
    if (!isUnloggedRequest(req)) return logged(req, res, next);
    req.id = requestId(req, res);
    (req as Logged)[LAZY] = true;
    next();
  };
}
