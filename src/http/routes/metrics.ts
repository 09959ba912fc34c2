import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { UnauthorizedError } from '../../errors.js';
import type { Metrics } from '../../metrics/metrics.js';

/** Compare in constant time (for equal lengths; the length itself is not a secret worth hiding). */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `GET /metrics`: Prometheus text. With a token (`METRICS_TOKEN`) it wants `Authorization: Bearer
 * <token>` and answers 401 otherwise; without one it is open. It never takes API keys: scrapers
 * get their own secret, and the API-key middleware leaves this path alone.
 */
export function metricsRouter(metrics: Metrics): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (metrics.token !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!match || !sameSecret(match[1]!, metrics.token)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        throw new UnauthorizedError('a valid METRICS_TOKEN is required as Authorization: Bearer <token>');
      }
    }
    const body = await metrics.registry.metrics();
    res.setHeader('Cache-Control', 'no-store');
    res.type(metrics.registry.contentType).send(body);
  });
  return router;
}
