import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';
import { PROJECT_ROOT } from '../../config.js';

const require = createRequire(import.meta.url);

/** Browser builds of the console's libraries, served from node_modules (never a CDN). */
const VENDOR: Record<string, string> = {
  'marked.esm.js': path.join(path.dirname(require.resolve('marked')), 'marked.esm.js'),
  'purify.es.mjs': path.join(path.dirname(require.resolve('dompurify')), 'purify.es.mjs'),
  // For streams the console must open with an Authorization header (no stream token at hand).
  'eventsource-parser.js': require.resolve('eventsource-parser').replace(/index\.cjs$/, 'index.js'),
};

export interface ConsoleOptions {
  /** Folder of the console's HTML, CSS and ES modules (default: the project's `web/`). */
  dir?: string;
}

/**
 * The web console: static files of `web/` at `/` and the two vendored libraries under `/vendor/`.
 * Every URL inside the console is relative, so it works at `/` and under a proxy prefix (`/mcp/`).
 * The files hold no data: the console fetches everything from the API with the user's key.
 */
export function consoleRouter(options: ConsoleOptions = {}): Router {
  const router = Router();
  const dir = options.dir ?? path.join(PROJECT_ROOT, 'web');
  for (const [name, file] of Object.entries(VENDOR)) {
    router.get(`/vendor/${name}`, (_req, res) => {
      res.type('text/javascript; charset=utf-8').sendFile(file, { maxAge: '1h' });
    });
  }
  router.use(express.static(dir, { index: 'index.html', maxAge: 0, redirect: false }));
  return router;
}
