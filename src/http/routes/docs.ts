import { Router, type Express, type Request } from 'express';
import { listAppRoutes } from '../../openapi/app-routes.js';
import { createOpenApiDocument } from '../../openapi/document.js';
import { gatedRouter, type GatedRouter } from '../middleware/path-gate.js';
import { baseUrlFor } from '../urls.js';
import { DOCS_HTML, DOCS_SCRIPT } from './docs-page.js';

const DOCS_SCRIPT_PATHS = ['/docs.js', '/docs/docs.js'];
const DOCS_PATHS = new Set(['/openapi.json', '/docs', ...DOCS_SCRIPT_PATHS]);
const TRAILING_SLASHES = /\/+$/;

/**
 * Whether `path` may be one of this router's: routes match without case and with a trailing slash,
 * so those are dropped first; a percent-escape is left to the router's own matching.
 */
const isDocsPath = (path: string): boolean => path.includes('%') || DOCS_PATHS.has(path.toLowerCase().replace(TRAILING_SLASHES, ''));

export interface DocsOptions {
  version: string;
  publicBaseUrl?: string;
}

/**
 * `GET /openapi.json` (the OpenAPI 3.1 document, its server URL as the client sees it) and
 * `GET /docs` (a self-contained reference page that renders it; no CDN).
 */
export function docsRouter(options: DocsOptions): GatedRouter {
  const router = Router();
  const cache = new Map<string, object>();
  // Whether the app serves `/metrics`: fixed once the app is built, so asked of its routes once.
  const servesMetrics = new WeakMap<Express, boolean>();
  const metricsOf = (app: Express) => {
    let metrics = servesMetrics.get(app);
    if (metrics === undefined) {
      metrics = listAppRoutes(app).some((r) => r.path === '/metrics');
      servesMetrics.set(app, metrics);
    }
    return metrics;
  };
  const documentFor = (req: Request) => {
    const serverUrl = baseUrlFor(req, options.publicBaseUrl) || '/';
    const metrics = metricsOf(req.app as Express);
    const key = `${serverUrl} ${metrics}`;
    let doc = cache.get(key);
    if (!doc) {
      doc = createOpenApiDocument({ version: options.version, serverUrl, metrics });
      if (cache.size > 20) cache.clear(); // forwarded prefixes are few; never grow without bound
      cache.set(key, doc);
    }
    return doc;
  };

  router.get('/openapi.json', (req, res) => {
    res.json(documentFor(req));
  });
  router.get('/docs', (_req, res) => {
    res.type('text/html; charset=utf-8').send(DOCS_HTML);
  });
  // `docs.js` relative to the page: `/docs.js` from `/docs`, `/docs/docs.js` from `/docs/`.
  router.get(DOCS_SCRIPT_PATHS, (_req, res) => {
    res.type('text/javascript; charset=utf-8').send(DOCS_SCRIPT);
  });
  // Every API request passes here first: one for another path passes by, not through each route.
  return gatedRouter((req) => isDocsPath(req.path), router);
}
