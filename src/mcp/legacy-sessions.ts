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
 *
 * Limits: each owner (an API key, else a client address) holds at most `maxSessionsPerOwner`, and
 * all together at most `maxSessions`. Room for a new session is only ever made by closing the
 * owner's *own* least recently used idle one, so one client cannot push out another's sessions.
 */
export interface LegacySessionsOptions {
  /** Build the instance of a new session (from its `initialize` request); `activity` must be told about its tool calls. */
  build(activity: Activity, request: Request): McpServer;
  logger: Logger;
  idleMs: number;
  /** All sessions together; past it a new one needs an idle one of its owner's to close, else 503. */
  maxSessions: number;
  /** Sessions of one owner; past it a new one closes the owner's least recently used idle one, else 429. */
  maxSessionsPerOwner: number;
  keepAliveMs: number;
  maxRequestBodySize: number;
  /**
   * Put in front of every session id (`<tag>.<uuid>`), so a proxy in front of several instances
   * can send a session's requests to the instance that holds it (`INSTANCE_TAG`; the shipped
   * cluster Caddyfile routes on it).
   */
  sessionTag?: string;
}

/** Who sent a request. */
export interface SessionClient {
  /** Whose cap a session it opens counts against: `key:<id>` with API keys, else `ip:<address>`. */
  owner: string;
  /** The API key's id (with keys on): a session answers only requests with the key that opened it. */
  keyId?: string;
}

export interface LegacySessions {
  fetch(request: Request, client: SessionClient): Promise<Response>;
  readonly size: number;
  /** Close every session; later `initialize`s are refused. Idempotent, returns the same promise. */
  close(): Promise<void>;
}

interface Session {
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  lastSeen: number;
  inFlight: number;
  owner: string;
  keyId: string | undefined;
}

const rpcError = (status: number, code: number, message: string) =>
  Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status });

export function createLegacySessions(options: LegacySessionsOptions): LegacySessions {
  const sessions = new Map<string, Session>();
  // Sessions between `initialize` arriving and its answer: they count against the caps, so a burst
  // of concurrent `initialize`s cannot overshoot them, but cannot be closed to make room.
  const opening = new Map<string, number>();
  let closing: Promise<void> | undefined;

  const shut = (session: Session) =>
    Promise.allSettled([session.transport.close(), session.server.close()]).then(() => undefined);
  const drop = (id: string): Promise<void> => {
    const session = sessions.get(id);
    if (!session) return Promise.resolve();
    sessions.delete(id);
    return shut(session);
  };
  const idle = (s: Session, now: number) => s.inFlight === 0 && now - s.lastSeen >= options.idleMs;
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, s] of sessions) if (idle(s, now)) void drop(id);
  }, Math.max(1000, Math.min(options.idleMs, 60_000)));
  sweep.unref();

  /** Room for one more session of `owner`, made only from its own sessions; else the error to answer. */
  const makeRoom = (owner: string): Response | undefined => {
    const own = [...sessions].filter(([, s]) => s.owner === owner);
    const count = own.length + (opening.get(owner) ?? 0);
    const atOwnCap = count >= options.maxSessionsPerOwner;
    if (!atOwnCap && sessions.size + sum(opening) < options.maxSessions) return undefined;
    const oldest = own.filter(([, s]) => s.inFlight === 0).sort(([, a], [, b]) => a.lastSeen - b.lastSeen)[0];
    if (oldest) {
      void drop(oldest[0]);
      return undefined;
    }
    options.logger.warn({ owner, own: count, sessions: sessions.size }, 'MCP session refused: no room');
    return atOwnCap
      ? rpcError(429, -32000, `Too many MCP sessions for this client (${options.maxSessionsPerOwner}), all busy; end one with DELETE /mcp or try again later`)
      : rpcError(503, -32000, 'Too many MCP sessions on this server; try again later');
  };

  const open = async (request: Request, client: SessionClient): Promise<Response> => {
    if (closing) return rpcError(503, -32000, 'The server is shutting down');
    const refused = makeRoom(client.owner);
    if (refused) return refused;
    opening.set(client.owner, (opening.get(client.owner) ?? 0) + 1);
    try {
      return await start(request, client);
    } finally {
      const left = opening.get(client.owner)! - 1;
      if (left > 0) opening.set(client.owner, left);
      else opening.delete(client.owner);
    }
  };

  const start = async (request: Request, client: SessionClient): Promise<Response> => {
    const session = { lastSeen: Date.now(), inFlight: 0, owner: client.owner, keyId: client.keyId } as Session;
    session.server = options.build({
      begin: () => void session.inFlight++,
      end: () => {
        session.inFlight--;
        session.lastSeen = Date.now();
      },
      cancelled: (requestId) => session.transport.closeSSEStream(requestId),
    }, request);
    session.transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => (options.sessionTag ? `${options.sessionTag}.${randomUUID()}` : randomUUID()),
      onsessioninitialized: (id) => void sessions.set(id, session),
      onsessionclosed: (id) => void drop(id),
      keepAliveMs: options.keepAliveMs,
      maxRequestBodySize: options.maxRequestBodySize,
    });
    await session.server.connect(session.transport);
    const response = await session.transport.handleRequest(request);
    // Anything but a successful initialize opened nothing: the transport answered it with an error.
    // Nor does one that finished after close() began: it would outlive the shutdown.
    const id = session.transport.sessionId;
    if (!id || !sessions.has(id) || closing) {
      if (id) sessions.delete(id);
      void shut(session);
    } else {
      options.logger.debug({ session: id, owner: client.owner, sessions: sessions.size }, 'MCP session opened');
    }
    return response;
  };

  return {
    async fetch(request, client) {
      const id = request.headers.get('mcp-session-id');
      if (!id) {
        if (request.method !== 'POST') return rpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
        return open(request, client);
      }
      const session = sessions.get(id);
      // Another key's session is answered as unknown: its id opens nothing, and says nothing, to others.
      if (!session || session.keyId !== client.keyId) return rpcError(404, -32001, 'Session not found');
      // Expired but not yet swept: as good as gone.
      if (idle(session, Date.now())) {
        void drop(id);
        return rpcError(404, -32001, 'Session not found');
      }
      session.lastSeen = Date.now();
      return session.transport.handleRequest(request);
    },
    get size() {
      return sessions.size;
    },
    close() {
      closing ??= (async () => {
        clearInterval(sweep);
        await Promise.all([...sessions.keys()].map(drop));
      })();
      return closing;
    },
  };
}

function sum(counts: Map<string, number>): number {
  let total = 0;
  for (const n of counts.values()) total += n;
  return total;
}
