import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received. */
export interface RecordedRequest {
  url: URL;
  headers: IncomingHttpHeaders;
  /** `Date.now()` when it arrived, and when it was answered or the client hung up. */
  receivedAt: number;
  closedAt?: number;
  /** Resolves when the client hung up or the answer was sent. */
  closed: Promise<void>;
}

/** What the fake answers: a response (after `delayMs`, if set), or `hang` (never answer). */
export type FakeAnswer = { status?: number; headers?: Record<string, string>; body: string; delayMs?: number } | 'hang';

export interface FakeApi {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  requests: RecordedRequest[];
  /** Replace the answer for the next requests. */
  answer(handler: (url: URL) => FakeAnswer): void;
  close(): Promise<void>;
}

/** A loopback HTTP server on a free port that records requests and answers through `handler`. */
export async function startFakeApi(handler: (url: URL) => FakeAnswer): Promise<FakeApi> {
  const requests: RecordedRequest[] = [];
  let current = handler;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request: RecordedRequest = { url, headers: req.headers, receivedAt: Date.now(), closed: Promise.resolve() };
    request.closed = new Promise<void>((resolve) => res.once('close', () => resolve(void (request.closedAt = Date.now()))));
    requests.push(request);
    const answer = current(url);
    if (answer === 'hang') return;
    const send = () => {
      res.writeHead(answer.status ?? 200, answer.headers ?? {});
      res.end(answer.body);
    };
    if (answer.delayMs) setTimeout(send, answer.delayMs);
    else send();
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    answer(next) {
      current = next;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on (a server was bound to it and closed). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
