import net from 'node:net';
import { afterEach, expect } from 'vitest';
import type { Response } from 'supertest';
import { createFakeModel, type FakeModel, type FakeModelOptions } from '../helpers/fake-model.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** Status codes the server answered, read from its own request log (pino-http `res.statusCode`). */
function loggedStatuses(server: TestServer): number[] {
  return server.logs.lines
    .map((line) => (line.res as { statusCode?: number } | undefined)?.statusCode)
    .filter((status): status is number => typeof status === 'number');
}

/**
 * Servers for one test file: each is closed after its test, and every test fails if the server
 * logged a 5xx response or an `unhandled error` — "never a 500" is checked on every request.
 */
export function useServers() {
  const servers: TestServer[] = [];
  afterEach(async () => {
    const open = servers.splice(0);
    try {
      for (const server of open) {
        expect(loggedStatuses(server).filter((s) => s >= 500), 'the server answered a 5xx').toEqual([]);
        expect(server.logs.lines.filter((l) => l.msg === 'unhandled error'), 'the server logged an unhandled error').toEqual([]);
      }
    } finally {
      await Promise.all(open.map((s) => s.close()));
    }
  });

  return {
    /** A server with no model provider at all (no key, no fake). */
    async plain(env: Record<string, string> = {}): Promise<TestServer> {
      const server = await startTestServer({ env });
      servers.push(server);
      return server;
    },
    /** A server whose default provider is a fake `openai` model. */
    async withFake(options: FakeModelOptions = {}, env: Record<string, string> = {}): Promise<{ server: TestServer; fake: FakeModel }> {
      const fake = createFakeModel(options);
      const server = await startTestServer({ env: { DEFAULT_PROVIDER: 'openai', ...env }, providers: { openai: fake.factory } });
      servers.push(server);
      return { server, fake };
    },
  };
}

/** Assert the SPEC's error shape: `{"success":false,"error":{"code","message","details"?}}`, JSON, with a request id. */
export function expectError(res: Response, status: number, code: string): { code: string; message: string; details?: Array<{ path: string; message: string }> } {
  expect(res.status, `body: ${res.text}`).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['x-request-id']).toMatch(/\S/);
  const body = res.body as { success: unknown; error: { code: string; message: string; details?: Array<{ path: string; message: string }> } };
  expect(body.success).toBe(false);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  if (body.error.details !== undefined) {
    expect(Array.isArray(body.error.details)).toBe(true);
    for (const detail of body.error.details) {
      expect(typeof detail.path).toBe('string');
      expect(typeof detail.message).toBe('string');
    }
  }
  return body.error;
}

/** The `path`s of an error's details. */
export function detailPaths(error: { details?: Array<{ path: string }> }): string[] {
  return (error.details ?? []).map((d) => d.path);
}

/** What a raw HTTP/1.1 exchange answered. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Send `head` (request line and headers) and `body` exactly as written, the way curl does, with no
 * headers added by an HTTP client library (only `Host` and `Connection: close`); read the whole answer.
 */
export function rawRequest(baseUrl: string, head: string[], body = ''): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
    socket.write(`${[...head, `Host: ${hostname}:${port}`, 'Connection: close'].join('\r\n')}\r\n\r\n${body}`);
  });
}
