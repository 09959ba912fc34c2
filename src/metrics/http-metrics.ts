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

/**
 * Time every request until its response ends (or the connection closes) into `httpDuration`. Each
 * label combination's series handle is looked up once and kept: the set is bounded, as the routes,
 * methods (Node's parser knows a fixed list) and status codes are.
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  const series = new Map<string, { observe(seconds: number): void }>();
  const observe = (method: string, route: string, status: number, seconds: number) => {
    const key = `${method} ${status} ${route}`;
    let handle = series.get(key);
    if (!handle) {
      handle = metrics.httpDuration.labels({ method, route, status_code: String(status) });
      series.set(key, handle);
    }
    handle.observe(seconds);
  };
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    // 'close' comes once per response, after 'finish' or on an aborted connection.
    res.on('close', () => observe(req.method, routeLabel(req), res.statusCode, Number(process.hrtime.bigint() - start) / 1e9));
    next();
  };
}
