import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

/**
 * `fetch` over node:http. Node's built-in fetch (undici) refuses the Fetch standard's "bad ports",
 * and 5060 — this server's default port (SIP) — is one of them, so a client of a default install
 * cannot use it. Enough of `fetch` for our own clients: method, headers, string body, signal; the
 * response body streams.
 */
export function nodeFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
  const url = new URL(input);
  const lib = url.protocol === 'https:' ? https : http;
  const headers = Object.fromEntries(new Headers(init.headers).entries());
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: init.method ?? 'GET', headers, signal: init.signal ?? undefined }, (res) => {
      const status = res.statusCode ?? 502;
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, v);
      }
      const empty = status === 204 || status === 304 || init.method === 'HEAD';
      if (empty) res.resume();
      const body = empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
      resolve(new Response(body, { status, statusText: res.statusMessage, headers: responseHeaders }));
    });
    req.once('error', reject);
    if (typeof init.body === 'string') req.end(init.body);
    else req.end();
  });
}
