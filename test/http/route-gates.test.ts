import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { listAppRoutes } from '../../src/openapi/app-routes.js';
import { rawRequest, useServers } from './route-harness.js';

const servers = useServers();

// The console and docs routers sit at `/` behind a path test (`gatedRouter`), so other requests
// pass them by; everything they answered before must still reach them.
describe('routers behind a path test', () => {
  it('still serves the console files, the vendored libraries and the docs, by any case and trailing slash', async () => {
    const server = await servers.plain();
    for (const path of ['/', '/index.html', '/app.css', '/js/main.js', '/vendor/marked.esm.js', '/VENDOR/marked.esm.js']) {
      expect((await request(server.url).get(path)).status, path).toBe(200);
    }
    for (const path of ['/docs', '/DOCS', '/docs/', '/openapi.json', '/OpenAPI.json/', '/docs.js', '/docs/docs.js']) {
      expect((await request(server.url).get(path)).status, path).toBe(200);
    }
    expect((await request(server.url).head('/docs')).status).toBe(200);
  });

  it('leaves paths the static handler normalises to it: dot segments and percent-escapes', async () => {
    const server = await servers.plain();
    for (const path of ['/js/../index.html', '/nothing/../index.html', '/%61pp.css', '/js/%6Dain.js']) {
      const res = await rawRequest(server.url, [`GET ${path} HTTP/1.1`]);
      expect(res.status, path).toBe(200);
    }
  });

  it('answers OPTIONS on a docs or console route from its router, as before (Allow)', async () => {
    const server = await servers.plain();
    for (const path of ['/docs', '/vendor/marked.esm.js']) {
      const res = await request(server.url).options(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.allow, path).toBe('GET, HEAD');
    }
  });

  it('lets API requests past them, and their routes stay visible to listAppRoutes', async () => {
    const server = await servers.plain();
    expect((await request(server.url).get('/health')).status).toBe(200);
    expect((await request(server.url).get('/tools')).status).toBe(200);
    expect((await request(server.url).get('/no-such-file.css')).status).toBe(404);
    const paths = listAppRoutes(server.app).map((r) => `${r.method} ${r.path}`);
    for (const route of ['get /vendor/marked.esm.js', 'get /docs', 'get /openapi.json', 'get /docs.js', '_all /mcp', 'get /health']) {
      expect(paths).toContain(route);
    }
  });
});
