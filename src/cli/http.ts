import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/**
 * One HTTP request with node:http. Not `fetch`: undici refuses the "bad ports" of the Fetch
 * standard, and 5060 (SIP), the server's default port, is one of them.
 */
export function httpRequest(url: string, options: HttpRequest = {}): Promise<IncomingMessage> {
  const target = new URL(url);
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(target, { method: options.method ?? 'GET', headers: options.headers, signal: options.signal }, resolve);
    req.once('error', reject);
    req.end(options.body);
  });
}

/** Read a whole (small) response body as text. */
export async function readText(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res) text += chunk as string;
  return text;
}

/** Read a whole response body as bytes (a document download). */
export async function readBytes(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
