import type { TaskEvent } from '../../src/events/event.js';
import { CLUSTER_CADDYFILE, clusterUpstreams, requireCaddy, runCaddy, type RunningCaddy } from '../deploy/caddy.js';
import { cleanupChildren } from '../helpers/child-process.js';
import { startFakeUpstream, type FakeUpstream, type UpstreamScript } from '../helpers/fake-upstream.js';
import { freePort } from '../helpers/ports.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { openSse, type SseOutcome } from '../helpers/sse-client.js';
import { logsOf, startInstance, type Instance } from './cluster.js';

// The pieces of test/scale-out/behind-caddy.test.ts: the real caddy with the shipped
// Caddyfile.cluster, instances on known ports tagged as the template unit tags them, and a client
// that follows an event stream as a browser's EventSource does.

/** `caddy run` with Caddyfile.cluster in front of `ports` (admin API off); resolves once `/mcp/health` answers through it. */
export async function startClusterCaddy(ports: number[]): Promise<RunningCaddy> {
  requireCaddy();
  return runCaddy(CLUSTER_CADDYFILE, { ...clusterUpstreams(ports), CADDY_ADMIN: 'off' });
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

/** Redis, the fake model, three slots and Caddy in front of them, as behind-caddy and console-cluster run them. */
export interface CaddyCluster {
  redis: RedisServer;
  upstream: FakeUpstream;
  slots: Slot[];
  caddy: RunningCaddy;
  /** The API as clients see it: Caddy's /mcp. */
  base: string;
  /** Stop Caddy, every child process, the fake model and Redis; what never started is skipped. */
  stop(): Promise<void>;
}

/**
 * Start a `CaddyCluster`: the fake model answers by `script`, and each instance runs on Redis with
 * Caddy on loopback as its trusted proxy (as the template unit's env file sets it, so stream_url
 * gets /mcp), the rate limits off (the tests poll hard; the shared limits have a test of their
 * own), and `env` on top.
 */
export async function startCaddyCluster(script: UpstreamScript, env: Record<string, string> = {}): Promise<CaddyCluster> {
  const parts: Partial<CaddyCluster> = {};
  const stop = async () => {
    await parts.caddy?.stop();
    await cleanupChildren();
    await parts.upstream?.close();
    await parts.redis?.stop();
  };
  try {
    const redis = (parts.redis = await startRedis());
    const upstream = (parts.upstream = await startFakeUpstream(script));
    const instanceEnv = { REDIS_URL: redis.url, OPENAI_BASE_URL: `${upstream.url}/v1`, TRUST_PROXY: 'loopback', RATE_LIMIT_PER_MIN: '0', ORCHESTRATE_RATE_LIMIT_PER_MIN: '0', ...env };
    const ports = [await freePort(), await freePort(), await freePort()];
    const instances = await Promise.all(ports.map((port) => startSlotInstance(port, instanceEnv)));
    const slots = instances.map((instance, i) => ({ port: ports[i]!, tag: `p${ports[i]}`, instance }));
    const caddy = (parts.caddy = await startClusterCaddy(ports));
    return { redis, upstream, slots, caddy, base: `${caddy.url}/mcp`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

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
