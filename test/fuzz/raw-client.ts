import http from 'node:http';

/** What one raw exchange answered. */
export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Options of one raw request. */
export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent exactly as given (not re-encoded), so invalid JSON and odd bytes reach the server as written. */
  body?: string | Buffer;
}

/**
 * A tiny HTTP client over one keep-alive agent: thousands of fuzz requests reuse a few sockets
 * instead of opening one each. An event stream is read to its end (tasks used here are finished).
 */
export function createRawClient(baseUrl: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const { hostname, port } = new URL(baseUrl);
  const send = (req: RawRequest): Promise<RawAnswer> =>
    new Promise((resolve, reject) => {
      const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
      const headers: Record<string, string | number> = { ...req.headers };
      if (body) headers['content-length'] = body.length;
      const r = http.request({ host: hostname, port: Number(port), method: req.method, path: req.path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      r.setTimeout(10_000, () => r.destroy(new Error(`no answer to ${req.method} ${req.path} within 10 s`)));
      r.on('error', reject);
      r.end(body);
    });
  return { send, close: () => agent.destroy() };
}
