import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport, type McpServer } from '@modelcontextprotocol/server';
import type { Logger } from '../logger.js';
import type { Activity } from './tools.js';

/**
 * Handshake-era (2024-11-05 … 2025-11-25) serving with sessions.
 *
 * Why not the SDK's default stateless fallback: it answers each POST with a fresh server instance, so
 * a `notifications/cancelled` (which arrives in its own POST) never reaches the instance running the
 * call it cancels — a `wait: true` call could not be cancelled. Here `initialize` opens a session
 * (`Mcp-Session-Id`) with one instance, and every later request of that client reaches it. That is
 * all that is kept per client, and only as long as the era needs it: `DELETE` ends a session, and
 * one idle (no call in flight) for `idleMs` is closed.
 */
export interface LegacySessionsOptions {
  /** Build the instance of a new session (from its `initialize` request); `activity` must be told about its tool calls. */
  build(activity: Activity, request: Request): McpServer;
  logger: Logger;
  idleMs: number;
  maxSessions: number;
  keepAliveMs: number;
  maxRequestBodySize: number;
  /** Who sent a request (an API key's id); a session answers only requests from whoever opened it. */
  owner?: (headers: Headers) => string | undefined;
}

export interface LegacySessions {
  fetch(request: Request): Promise<Response>;
  readonly size: number;
  close(): Promise<void>;
}

interface Session {
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  lastSeen: number;
  inFlight: number;
  owner: string | undefined;
}

const rpcError = (status: number, code: number, message: string) =>
  Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status });

export function createLegacySessions(options: LegacySessionsOptions): LegacySessions {
  const sessions = new Map<string, Session>();

  const drop = (id: string) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    void session.transport.close().catch(() => {});
    void session.server.close().catch(() => {});
  };
  const idle = (s: Session, now: number) => s.inFlight === 0 && now - s.lastSeen >= options.idleMs;
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, s] of sessions) if (idle(s, now)) drop(id);
  }, Math.max(1000, Math.min(options.idleMs, 60_000)));
  sweep.unref();

  /** Room for one more: drop the least recently used idle session when full. */
  const makeRoom = (): boolean => {
    if (sessions.size < options.maxSessions) return true;
    const oldest = [...sessions].filter(([, s]) => s.inFlight === 0).sort(([, a], [, b]) => a.lastSeen - b.lastSeen)[0];
    if (!oldest) return false;
    drop(oldest[0]);
    return true;
  };

  const open = async (request: Request): Promise<Response> => {
    if (!makeRoom()) return rpcError(503, -32000, 'Too many MCP sessions; try again later');
    const session = { lastSeen: Date.now(), inFlight: 0, owner: options.owner?.(request.headers) } as Session;
    session.server = options.build({
      begin: () => void session.inFlight++,
      end: () => {
        session.inFlight--;
        session.lastSeen = Date.now();
      },
    }, request);
    session.transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, session),
      onsessionclosed: (id) => drop(id),
      keepAliveMs: options.keepAliveMs,
      maxRequestBodySize: options.maxRequestBodySize,
    });
    await session.server.connect(session.transport);
    const response = await session.transport.handleRequest(request);
    // Anything but a successful initialize opened nothing: the transport answered it with an error.
    if (!session.transport.sessionId || !sessions.has(session.transport.sessionId)) {
      void session.transport.close().catch(() => {});
      void session.server.close().catch(() => {});
    } else {
      options.logger.debug({ session: session.transport.sessionId, sessions: sessions.size }, 'MCP session opened');
    }
    return response;
  };

  return {
    async fetch(request) {
      const id = request.headers.get('mcp-session-id');
      if (!id) {
        if (request.method !== 'POST') return rpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
        return open(request);
      }
      const session = sessions.get(id);
      // Another key's session is answered as unknown: its id opens nothing, and says nothing, to others.
      if (!session || session.owner !== options.owner?.(request.headers)) return rpcError(404, -32001, 'Session not found');
      session.lastSeen = Date.now();
      return session.transport.handleRequest(request);
    },
    get size() {
      return sessions.size;
    },
    async close() {
      clearInterval(sweep);
      for (const id of [...sessions.keys()]) drop(id);
    },
  };
}
