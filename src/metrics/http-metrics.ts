import type { Request, RequestHandler } from 'express';
import { findOrchestrationTool } from '../tools/orchestration-tools.js';
import type { Metrics } from './metrics.js';

const TOOL_ROUTE = '/tools/:name';

/**
 * The `route` label: the Express route pattern that answered (`/tasks/:taskId`), never the raw path,
 * so task ids and random URLs cannot grow the series without bound. A known tool gets its own name
 * (`/tools/orchestrate_research`); anything no route answered is `(unmatched)`.
 */
export function routeLabel(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern !== 'string') return '(unmatched)';
  const route = `${req.baseUrl ?? ''}${pattern}`;
  if (route === TOOL_ROUTE) {
    const name = (req.originalUrl.split('?')[0] ?? '').slice('/tools/'.length);
    if (findOrchestrationTool(name)) return `/tools/${name}`;
  }
  return route;
}

/** Time every request until its response ends (or the connection closes) into `httpDuration`. */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.httpDuration.observe({ method: req.method, route: routeLabel(req), status_code: String(res.statusCode) }, seconds);
    });
    next();
  };
}
