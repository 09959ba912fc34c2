import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PrefixProxy {
  url: string;
  /** Paths of the requests it saw, as the browser sent them. */
  paths: string[];
  close(): Promise<void>;
}

/**
 * What the Caddyfile does, on loopback: serve the app under `prefix` (`handle_path /mcp/*`),
 * strip it before passing the request on, and say so in `X-Forwarded-Prefix`. Anything outside
 * the prefix is a 404, so a console URL that escapes it (an absolute `/tools/…`) fails the test.
 */
export async function startPrefixProxy(upstream: string, prefix = '/mcp'): Promise<PrefixProxy> {
  const target = new URL(upstream);
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    if (!req.url?.startsWith(`${prefix}/`)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('outside the prefix');
      return;
    }
    const headers = { ...req.headers, host: target.host, 'x-forwarded-prefix': prefix };
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url.slice(prefix.length), headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
