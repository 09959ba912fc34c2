import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as V1StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'vitest';
import { BUILT_CLI, scratchDir } from '../helpers/child-process.js';

/** The newest revision, which v2 clients are pinned to in the "modern" cases. */
export const MODERN = '2026-07-28';

export interface Progress {
  progress: number;
  total?: number;
  message?: string;
}

export interface CallOptions {
  onprogress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

export interface ToolResult {
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, any>;
  isError?: boolean;
}

/** One MCP client of either SDK, behind the few calls the tests make. */
export interface TestClient {
  label: string;
  listTools(): Promise<Array<{ name: string; inputSchema: Record<string, any>; description?: string }>>;
  call(name: string, args: Record<string, unknown>, options?: CallOptions): Promise<ToolResult>;
  listResources(): Promise<Array<{ uri: string; name: string; mimeType?: string }>>;
  listTemplates(): Promise<Array<{ uriTemplate: string; name: string }>>;
  read(uri: string): Promise<Array<{ uri: string; mimeType?: string; text?: string }>>;
  /** Notifications the client got that no handler took (e.g. progress nobody asked for). */
  stray: Array<{ method: string }>;
  close(): Promise<void>;
  /** The HTTP session id, where the era has one. */
  sessionId(): string | undefined;
}

type AnyClient = Client | V1Client;

function wrap(label: string, client: AnyClient, sessionId: () => string | undefined): TestClient {
  const stray: Array<{ method: string }> = [];
  client.fallbackNotificationHandler = async (n: { method: string }) => void stray.push(n);
  const v1 = client instanceof V1Client;
  return {
    label,
    stray,
    sessionId,
    listTools: async () => (await client.listTools()).tools as any,
    call: async (name, args, options = {}) => {
      const params = { name, arguments: args };
      const opts = { ...options, timeout: 60_000 };
      const result = v1 ? await (client as V1Client).callTool(params, undefined, opts) : await (client as Client).callTool(params, opts);
      return result as ToolResult;
    },
    listResources: async () => (await client.listResources()).resources as any,
    listTemplates: async () => (await client.listResourceTemplates()).resourceTemplates as any,
    read: async (uri) => (await client.readResource({ uri })).contents as any,
    close: () => client.close(),
  };
}

const info = { name: 'mcp-orchestrator-tests', version: '1.0.0' };

/** The v1 SDK client (`@modelcontextprotocol/sdk`): handshake era, over Streamable HTTP. */
export async function v1Http(url: string): Promise<TestClient> {
  const client = new V1Client(info);
  const transport = new V1StreamableHTTPClientTransport(new URL(`${url}/mcp`));
  await client.connect(transport);
  return wrap('v1 client, handshake era, HTTP', client, () => transport.sessionId);
}

/** The v2 SDK client (`@modelcontextprotocol/client`), pinned to the newest revision, over HTTP. */
export async function v2Http(url: string): Promise<TestClient> {
  const client = new Client(info, { versionNegotiation: { mode: { pin: MODERN } } });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
  await client.connect(transport);
  expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
  return wrap(`v2 client, ${MODERN}, HTTP`, client, () => transport.sessionId);
}

export const HTTP_CLIENTS = [
  ['v1 client (handshake era)', v1Http],
  [`v2 client (${MODERN})`, v2Http],
] as const;

/** How the tests spawn `mcp-orchestrator mcp`: the built CLI, plain node, a scratch DATA_DIR, only the env given. */
export function stdioParams(args: string[] = [], env: Record<string, string> = {}) {
  const dir = scratchDir();
  return {
    command: process.execPath,
    args: [BUILT_CLI, 'mcp', ...args],
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATA_DIR: path.join(dir, 'data'), STORE: 'sqlite', ...env },
    stderr: 'pipe' as const,
  };
}

/** Connect a client of the given SDK over stdio to a freshly spawned CLI; it fails on any non-protocol stdout line. */
export async function stdioClient(kind: 'v1' | 'v2', params: ReturnType<typeof stdioParams>): Promise<TestClient & { errors: Error[] }> {
  const errors: Error[] = [];
  if (kind === 'v1') {
    const client = new V1Client(info);
    client.onerror = (e) => void errors.push(e);
    await client.connect(new V1StdioClientTransport(params));
    return Object.assign(wrap('v1 client, handshake era, stdio', client, () => undefined), { errors });
  }
  const client = new Client(info, { versionNegotiation: { mode: { pin: MODERN } } });
  client.onerror = (e) => void errors.push(e);
  await client.connect(new StdioClientTransport(params));
  return Object.assign(wrap(`v2 client, ${MODERN}, stdio`, client, () => undefined), { errors });
}

/**
 * Assert progress went strictly up, with `total` only on the last update, equal to its `progress`.
 * Both SDKs hand a notification to its handler a microtask after reading it, but settle a response
 * at once: progress notifications that arrive in one read with the response are dropped (each
 * reported as an "unknown token"). So over the SDK clients the final update is checked only when it
 * arrived (`complete` demands it; the raw stdio test reads the wire itself).
 */
export function expectRising(progress: Progress[], options: { complete?: boolean } = {}): void {
  expect(progress.length).toBeGreaterThan(1);
  for (let i = 1; i < progress.length; i++) expect(progress[i]!.progress).toBeGreaterThan(progress[i - 1]!.progress);
  expect(progress.slice(0, -1).every((p) => p.total === undefined)).toBe(true);
  const last = progress.at(-1)!;
  if (options.complete) expect(last.total).toBe(last.progress);
  else if (last.total !== undefined) expect(last.total).toBe(last.progress);
}

/** Client errors, less those the race above causes (progress read together with the response). */
export function unexpectedErrors(errors: Error[]): string[] {
  return errors.map((e) => e.message).filter((m) => !/progress notification for an unknown token/.test(m));
}

/** The SPEC error code an `isError` result carries. */
export function errorCode(result: ToolResult): string | undefined {
  expect(result.isError).toBe(true);
  const code = result.structuredContent?.error?.code as string | undefined;
  expect(result.content[0]?.text).toContain(`${code}:`);
  return code;
}
