import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogSink } from '../helpers/log-sink.js';
import { freePort } from '../helpers/ports.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { McpStdioServerConfig } from '../../src/mcp-client/servers-file.js';
import { createToolRegistry, type RegisteredTool, type ToolRegistry } from '../../src/tools/registry.js';
import { TSX } from '../helpers/child-process.js';

const MODULES = path.join(PROJECT_ROOT, 'node_modules', '@modelcontextprotocol');
export const FILESYSTEM_SERVER = path.join(MODULES, 'server-filesystem', 'dist', 'index.js');
export const EVERYTHING_SERVER = path.join(MODULES, 'server-everything', 'dist', 'index.js');
const FIXTURE_SERVER = path.join(PROJECT_ROOT, 'test', 'mcp-client', 'fixtures', 'fixture-server.ts');

export interface EverythingServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** Stop it by its pid (SIGKILL) and wait until it is gone. */
  stop(): Promise<void>;
}

/** server-everything in `streamableHttp` mode on `port` (a free one by default), ready when it says it listens. */
export async function startEverything(port?: number): Promise<EverythingServer> {
  const listenOn = port ?? (await freePort());
  const child = spawn(process.execPath, [EVERYTHING_SERVER, 'streamableHttp'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(listenOn) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (err.includes('listening on port')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server-everything exited (${code}): ${err}`)));
  });
  return {
    url: `http://127.0.0.1:${listenOn}/mcp`,
    port: listenOn,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
      await exited;
    },
  };
}

/** The stdio entry of server-filesystem over `dir`. */
export function filesystemEntry(name: string, dir: string, extra: Partial<McpStdioServerConfig> = {}): McpStdioServerConfig {
  return { name, transport: 'stdio', command: process.execPath, args: [FILESYSTEM_SERVER, dir], env: {}, ...extra };
}

/** The stdio entry of our fixture server (test/mcp-client/fixtures/fixture-server.ts). */
export function fixtureEntry(name: string, extra: Partial<McpStdioServerConfig> = {}): McpStdioServerConfig {
  return { name, transport: 'stdio', command: process.execPath, args: ['--import', TSX, FIXTURE_SERVER], env: {}, cwd: os.tmpdir(), ...extra };
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-mcp-client-'));
}

/** Whether a process of this pid still exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every `setSourceTools` call a registry got: which source, which tool names. */
export type SourceChange = { source: string; names: string[] };

/** A real registry (with one builtin tool) that also records each `setSourceTools` call. */
export function recordingRegistry(builtins: RegisteredTool[] = []): { registry: ToolRegistry; changes: SourceChange[] } {
  const registry = createToolRegistry(builtins);
  const changes: SourceChange[] = [];
  const setSourceTools = registry.setSourceTools.bind(registry);
  registry.setSourceTools = (source, tools) => {
    changes.push({ source, names: tools.map((t) => t.name) });
    return setSourceTools(source, tools);
  };
  return { registry, changes };
}

export { LogSink };

/** A debug-level logger whose lines a test can read. */
export function captureLogs() {
  const logs = new LogSink();
  return { logs, logger: createLogger({ level: 'debug', destination: logs }) };
}

/** Names of the registered tools of `source`. */
export const toolNames = (registry: ToolRegistry, source: string) => registry.list({ source }).map((t) => t.name).sort();
