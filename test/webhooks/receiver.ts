import { createHmac, timingSafeEqual } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the receiver answers one request: a status (with headers), or never (`hang`). */
export type ReceiverAnswer = { status: number; headers?: Record<string, string>; delayMs?: number } | 'hang';

/** One request the receiver got. */
export interface ReceivedRequest {
  index: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  /** Whether `webhook-signature` is the HMAC of `id.timestamp.body` under the secret, recomputed here. */
  signatureValid: boolean;
}

export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: ReceivedRequest[];
  /** Requests answered so far (a hanging one is not). */
  answered: number;
  /** Most requests open at once. */
  maxOpen: number;
  /** Change how later requests are answered. */
  respond(answer: (request: ReceivedRequest) => ReceiverAnswer): void;
  close(): Promise<void>;
}

/**
 * Standard Webhooks verification written out on its own (not the server's helper): the key is the
 * base64 after `whsec_`, the content `id.timestamp.body`, and one of the space-separated `v1,` entries must match.
 */
export function signatureMatches(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = Buffer.from(`v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`);
  return signature.split(' ').some((s) => Buffer.byteLength(s) === expected.length && timingSafeEqual(Buffer.from(s), expected));
}

/** A webhook receiver on a real loopback socket (port 0) that checks every signature with `secret()`. */
export async function startReceiver(secret: () => string, answer: (request: ReceivedRequest) => ReceiverAnswer = () => ({ status: 200 })): Promise<Receiver> {
  let respond = answer;
  const state = { requests: [] as ReceivedRequest[], answered: 0, open: 0, maxOpen: 0 };
  const server = http.createServer((req, res) => {
    state.maxOpen = Math.max(state.maxOpen, ++state.open);
    res.on('close', () => state.open--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request: ReceivedRequest = {
        index: state.requests.length,
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        at: Date.now(),
        signatureValid: signatureMatches(secret(), req.headers, body),
      };
      state.requests.push(request);
      const reply = respond(request);
      if (reply === 'hang') return;
      setTimeout(() => {
        state.answered++;
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers }).end('ok');
      }, reply.delayMs ?? 0);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: state.requests,
    get answered() {
      return state.answered;
    },
    get maxOpen() {
      return state.maxOpen;
    },
    respond(next) {
      respond = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
