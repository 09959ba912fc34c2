import { Router, type Express, type Request } from 'express';
import { listAppRoutes } from '../../openapi/app-routes.js';
import { createOpenApiDocument } from '../../openapi/document.js';
import { baseUrlFor } from '../urls.js';
import { DOCS_HTML, DOCS_SCRIPT } from './docs-page.js';

export interface DocsOptions {
  version: string;
  publicBaseUrl?: string;
}

/**
 * `GET /openapi.json` (the OpenAPI 3.1 document, its server URL as the client sees it) and
 * `GET /docs` (a self-contained reference page that renders it; no CDN).
 */
export function docsRouter(options: DocsOptions): Router {
  const router = Router();
  const cache = new Map<string, object>();
  const documentFor = (req: Request) => {
    const serverUrl = baseUrlFor(req, options.publicBaseUrl) || '/';
    const metrics = listAppRoutes(req.app as Express).some((r) => r.path === '/metrics');
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
  router.get(['/docs.js', '/docs/docs.js'], (_req, res) => {
    res.type('text/javascript; charset=utf-8').send(DOCS_SCRIPT);
  });
  return router;
}
