import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeFetch } from '../../src/net/node-fetch.js';

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(handler: http.RequestListener): Promise<string> {
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('nodeFetch', () => {
  it('exists because the built-in fetch refuses port 5060, the server default', async () => {
    await expect(fetch('http://127.0.0.1:5060/health')).rejects.toThrow(/fetch failed/);
    await expect(fetch('http://127.0.0.1:5060/health').catch((e: Error) => String(e.cause))).resolves.toMatch(/bad port/);
  });

  it('sends method, headers and body, and streams the response', async () => {
    const base = await serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'x-echo': String(req.headers['x-api-key']) });
        res.end(JSON.stringify({ method: req.method, body }));
      });
    });
    const res = await nodeFetch(`${base}/x`, { method: 'POST', headers: { 'x-api-key': 'k' }, body: '{"a":1}' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-echo')).toBe('k');
    expect(await res.json()).toEqual({ method: 'POST', body: '{"a":1}' });
  });

  it('answers 204 with no body, and rejects when aborted', async () => {
    const base = await serve((req, res) => {
      if (req.url === '/empty') return void res.writeHead(204).end();
      // never answers
    });
    expect((await nodeFetch(`${base}/empty`)).body).toBeNull();
    const controller = new AbortController();
    const pending = nodeFetch(`${base}/hang`, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
  });
});
