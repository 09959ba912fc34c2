import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config.js';
import type { TaskEvent } from '../../src/events/event.js';
import { caddyEnv, freePort, requireCaddy, type RunningCaddy } from '../deploy/caddy.js';
import { openSse, type SseOutcome } from '../helpers/sse-client.js';
import { logsOf, startInstance, type Instance } from './cluster.js';

// The pieces of test/scale-out/behind-caddy.test.ts: the real caddy with the shipped
// Caddyfile.cluster, instances on known ports tagged as the template unit tags them, and a client
// that follows an event stream as a browser's EventSource does.

const CLUSTER_CADDYFILE = path.join(PROJECT_ROOT, 'Caddyfile.cluster');
const CADDY = process.env.CADDY_BIN ?? 'caddy';

/** `caddy run` with Caddyfile.cluster in front of `ports` (admin API off); resolves once `/mcp/health` answers through it. */
export async function startClusterCaddy(ports: number[]): Promise<RunningCaddy> {
  requireCaddy();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-caddy-'));
  const url = `http://127.0.0.1:${await freePort()}`;
  const env = caddyEnv(home, {
    SITE_ADDRESS: url,
    CADDY_ADMIN: 'off',
    UPSTREAM_HOST: '127.0.0.1',
    ...Object.fromEntries(ports.map((p, i) => [`UPSTREAM_PORT_${i + 1}`, String(p)])),
  });
  const proc = spawn(CADDY, ['run', '--config', CLUSTER_CADDYFILE, '--adapter', 'caddyfile'], { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM'); // its own pid only
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(home, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) {
      await stop();
      throw new Error(`caddy exited with ${proc.exitCode}:\n${output}`);
    }
    if (await fetch(`${url}/mcp/health`).then((r) => r.status === 200, () => false)) return { url, proc, output: () => output, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`caddy did not proxy /mcp/health within 20 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One instance and the port Caddy knows it by. */
export interface Slot {
  port: number;
  /** `p<port>`: its INSTANCE_TAG, the prefix of its MCP session ids and the `instance` of the tasks it runs. */
  tag: string;
  instance: Instance;
}

/** Start an instance on `port` with `INSTANCE_TAG=p<port>`, as `mcp-orchestrator@<port>` runs. */
export async function startSlotInstance(port: number, env: Record<string, string>): Promise<Instance> {
  return startInstance(`p${port}`, { ...env, PORT: String(port), INSTANCE_TAG: `p${port}` });
}

export const isAlive = (instance: Instance) => instance.child.proc.exitCode === null && instance.child.proc.signalCode === null;

/** Kill the slot's process with SIGKILL, by its own pid, and wait until it is gone. */
export async function killSlot(slot: Slot): Promise<void> {
  process.kill(slot.instance.pid, 'SIGKILL');
  await slot.instance.child.exited;
}

/** The tags of the slots whose logs name a request with this `X-Request-Id` (pino-http logs it when the response ends). */
export function servedBy(slots: Slot[], requestId: string): string[] {
  return slots.filter((s) => logsOf(s.instance).some((l) => l.request_id === requestId && typeof l.req === 'object')).map((s) => s.tag);
}

/** One connection of a followed stream. */
export interface StreamConnection {
  /** Sent as `X-Request-Id`, to find the instance that served it in the logs. */
  requestId: string;
  status: number;
  /** The `Last-Event-ID` it was opened with. */
  lastEventId: number | undefined;
  /** Seqs it carried, in order. */
  seqs: number[];
  /** `dropped`: this client cut it mid-task; else how the response ended. */
  outcome: SseOutcome | 'dropped';
}

export interface FollowOptions {
  /** Cut the connection after this many frames, as long as no terminal event has come (default: never). */
  dropAfter?: number;
  /** Prefix of each connection's `X-Request-Id`. */
  requestIdPrefix: string;
  /** More request headers. */
  headers?: Record<string, string>;
  /** Told when a connection has carried its first frame. */
  onFrame?: (connection: StreamConnection) => void;
  timeoutMs?: number;
}

const TERMINAL = new Set(['workflow_complete', 'workflow_error', 'workflow_cancelled']);

/**
 * Follow `url` to `stream_closed` as EventSource does: on a dropped or ended connection, open a new
 * one with `Last-Event-ID` of the last frame seen. Answers every frame of every connection as it came
 * (nothing deduplicated, so a replayed or missed event shows), and the connections.
 */
export async function followStream(url: string, options: FollowOptions): Promise<{ events: TaskEvent[]; connections: StreamConnection[] }> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const events: TaskEvent[] = [];
  const connections: StreamConnection[] = [];
  let last: number | undefined;
  for (let i = 0; ; i++) {
    if (Date.now() > deadline) throw new Error(`stream not closed in time; ${connections.length} connections, last seq ${last}`);
    const requestId = `${options.requestIdPrefix}-${i}`;
    const client = await openSse(url, { lastEventId: last === undefined ? undefined : String(last), headers: { ...options.headers, 'X-Request-Id': requestId } });
    const connection: StreamConnection = { requestId, status: client.status, lastEventId: last, seqs: [], outcome: 'end' };
    connections.push(connection);
    if (client.status === 204) break;
    if (client.status !== 200) {
      client.close();
      if (![502, 503, 504].includes(client.status)) throw new Error(`stream: HTTP ${client.status} ${client.body}`);
      // A proxy error while an instance dies: EventSource gives up on a non-200; this client retries, and the caller sees it in `connections`.
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    const onFrame = options.onFrame;
    if (onFrame) client.until(() => client.frames.length > 0).then(() => onFrame(connection), () => undefined);
    const terminalSeen = () => events.some((e) => TERMINAL.has(e.event_type)) || client.events().some((e) => TERMINAL.has(e.event_type));
    const drop = () => options.dropAfter !== undefined && client.frames.length >= options.dropAfter && !terminalSeen();
    await client.until(() => client.outcome !== undefined || client.events().some((e) => e.event_type === 'stream_closed') || drop(), Math.max(1, deadline - Date.now()));
    const dropped = client.outcome === undefined && drop();
    if (client.outcome === undefined && dropped) client.close();
    connection.outcome = dropped ? 'dropped' : ((await client.finished) as SseOutcome);
    const got = client.events();
    connection.seqs = got.map((e) => e.seq);
    events.push(...got);
    if (got.length) last = got.at(-1)!.seq;
    if (got.some((e) => e.event_type === 'stream_closed')) {
      client.close();
      break;
    }
    // EventSource waits `retry` (about 3 s) before reconnecting; a short pause keeps the test quick.
    if (!dropped) await new Promise((r) => setTimeout(r, 100));
  }
  return { events, connections };
}
