import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router, type Request } from 'express';
import { PROJECT_ROOT } from '../../config.js';
import { gatedRouter, type GatedRouter } from '../middleware/path-gate.js';

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
export function consoleRouter(options: ConsoleOptions = {}): GatedRouter {
  const router = Router();
  const dir = options.dir ?? path.join(PROJECT_ROOT, 'web');
  for (const [name, file] of Object.entries(VENDOR)) {
    router.get(`/vendor/${name}`, (_req, res) => {
      res.type('text/javascript; charset=utf-8').sendFile(file, { maxAge: '1h' });
    });
  }
  router.use(express.static(dir, { index: 'index.html', maxAge: 0, redirect: false }));
  // Every API request passes here first: one that cannot name a console file passes by, without
  // the file-system look-up of the static handler (an fs.stat per request).
  return gatedRouter(consolePaths(dir), router);
}

/** Paths only the static handler can resolve: percent-escapes, `.`/`..` segments, backslashes, non-ASCII. */
const RESOLVED_BY_STATIC = /%|\/\.|\\|[^\x20-\x7e]/;

/**
 * Whether a request's path may name a file of the console: `/`, `/vendor/…`, or a path whose first
 * segment is an entry of `dir` (read once; the console's files ship with the package). Conservative:
 * a path the static handler would normalise or decode first (`RESOLVED_BY_STATIC`), an empty first
 * segment, or a `dir` that cannot be read, is left to it; names compare without case, as on a
 * case-insensitive file system.
 */
function consolePaths(dir: string): (req: Request) => boolean {
  let entries: Set<string>;
  try {
    entries = new Set(fs.readdirSync(dir).map((name) => name.toLowerCase()));
  } catch {
    return () => true;
  }
  entries.add('vendor');
  return (req) => {
    const urlPath = req.path;
    if (RESOLVED_BY_STATIC.test(urlPath)) return true;
    const end = urlPath.indexOf('/', 1);
    const first = urlPath.slice(1, end === -1 ? undefined : end);
    return first === '' || entries.has(first.toLowerCase());
  };
}
