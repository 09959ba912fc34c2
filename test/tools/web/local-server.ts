import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a local server received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A handler that also gets the request's body, already read. */
export type Handler = (req: ReceivedRequest, res: http.ServerResponse) => void | Promise<void>;

/** An HTTP server on a free loopback port; it records every request. */
export interface LocalServer {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

const open = new Set<LocalServer>();

/** Listen on 127.0.0.1, port 0. Close with `close()` or `closeAllServers()`. */
export async function listen(handler: Handler): Promise<LocalServer> {
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const received = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString() };
      requests.push(received);
      Promise.resolve(handler(received, res)).catch((error: Error) => res.destroy(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const local: LocalServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => {
      open.delete(local);
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.add(local);
  return local;
}

/** Close every server still open (an afterEach). */
export async function closeAllServers(): Promise<void> {
  await Promise.all([...open].map((s) => s.close()));
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
