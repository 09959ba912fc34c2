import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createStreamTokens, loadStreamTokenSecret, STREAM_TOKEN_SECRET_FILE } from '../../src/http/stream-token.js';
import type { TaskEvent } from '../../src/events/event.js';
import type { TestServer } from '../helpers/test-server.js';
import { expectError, useServers } from '../http/route-harness.js';

const servers = useServers();
const KEY = 'stream-test-key-123456';

describe('createStreamTokens', () => {
  const secret = randomBytes(32);

  it('verifies a token for its own task only, until it expires', () => {
    let now = 1_700_000_000_000;
    const tokens = createStreamTokens({ secret, ttlS: 60, now: () => now });
    const token = tokens.issue('research_a');
    expect(tokens.verify(token, 'research_a')).toBe(true);
    expect(tokens.verify(token, 'research_b')).toBe(false);
    now += 59_000;
    expect(tokens.verify(token, 'research_a')).toBe(true);
    now += 1_000;
    expect(tokens.verify(token, 'research_a')).toBe(false);
  });

  it('refuses a token with a changed expiry, a changed signature, another secret, or garbage', () => {
    const tokens = createStreamTokens({ secret, ttlS: 60 });
    const token = tokens.issue('research_a');
    const [expiry, mac] = token.split('.') as [string, string];
    expect(tokens.verify(`${Number(expiry) + 3600}.${mac}`, 'research_a')).toBe(false);
    const flipped = `${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`;
    expect(tokens.verify(`${expiry}.${flipped}`, 'research_a')).toBe(false);
    expect(createStreamTokens({ secret: randomBytes(32), ttlS: 60 }).verify(token, 'research_a')).toBe(false);
    for (const bad of ['', '.', `${expiry}.`, `.${mac}`, `${token}.`, `${token}x`, 'x'.repeat(5000)]) expect(tokens.verify(bad, 'research_a')).toBe(false);
  });

  it('keeps its secret in DATA_DIR with mode 0600, so tokens survive a restart', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-token-'));
    try {
      const first = loadStreamTokenSecret(dir);
      expect(loadStreamTokenSecret(dir).equals(first)).toBe(true);
      expect(fs.statSync(path.join(dir, STREAM_TOKEN_SECRET_FILE)).mode & 0o777).toBe(0o600);
      const token = createStreamTokens({ secret: first, ttlS: 60 }).issue('search_x');
      expect(createStreamTokens({ secret: loadStreamTokenSecret(dir), ttlS: 60 }).verify(token, 'search_x')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function startTask(server: TestServer, tool = 'orchestrate_search', body: object = { query: 'wind power', num_agents: 2 }) {
  const res = await request(server.url).post(`/tools/${tool}`).set('Authorization', `Bearer ${KEY}`).send(body);
  expect(res.status).toBe(202);
  return res.body as { task_id: string; stream_url: string };
}
const tokenOf = (streamUrl: string) => new URL(streamUrl, 'http://x').searchParams.get('token') ?? '';

describe('stream_url tokens over HTTP', () => {
  let source: EventSource | undefined;
  afterEach(() => source?.close());

  it('carries ?token= only when API_KEYS is set', async () => {
    const open = await servers.plain();
    const res = await request(open.url).post('/tools/orchestrate_search').send({ query: 'wind power', num_agents: 1 });
    expect(res.body.stream_url).toBe(`/stream/${res.body.task_id}`);
    const locked = await servers.plain({ API_KEYS: KEY });
    const task = await startTask(locked);
    expect(task.stream_url).toMatch(new RegExp(`^/stream/${task.task_id}\\?token=[\\w.-]+$`));
  });

  it('opens exactly its own task: a browser EventSource (no headers) receives every event up to stream_closed', async () => {
    const server = await servers.plain({ API_KEYS: KEY });
    const task = await startTask(server);
    const events: TaskEvent[] = [];
    await new Promise<void>((resolve, reject) => {
      source = new EventSource(`${server.url}${task.stream_url}`);
      source.onmessage = (message) => {
        const event = JSON.parse(message.data) as TaskEvent;
        events.push(event);
        if (event.event_type === 'stream_closed') resolve();
      };
      source.onerror = (error) => (events.some((e) => e.event_type === 'stream_closed') ? resolve() : reject(new Error(`EventSource error ${String(error.code)}`)));
    });
    expect(events[0]!.event_type).toBe('workflow_start');
    expect(events.every((e) => e.task_id === task.task_id)).toBe(true);
  });

  it("refuses one task's token for another task", async () => {
    const server = await servers.plain({ API_KEYS: KEY });
    const a = await startTask(server);
    const b = await startTask(server, 'orchestrate_research', { task: 'tidal power', num_agents: 1 });
    const res = await request(server.url).get(`/stream/${b.task_id}?token=${encodeURIComponent(tokenOf(a.stream_url))}`);
    expectError(res, 401, 'unauthorized');
    // ...and on other routes a token is no key at all.
    expectError(await request(server.url).get(`/tasks/${a.task_id}?token=${encodeURIComponent(tokenOf(a.stream_url))}`), 401, 'unauthorized');
  });

  it('refuses a tampered token', async () => {
    const server = await servers.plain({ API_KEYS: KEY });
    const task = await startTask(server);
    const [expiry, mac] = tokenOf(task.stream_url).split('.') as [string, string];
    for (const bad of [`${Number(expiry) + 10}.${mac}`, `${expiry}.${mac.slice(1)}A`, '', 'token']) {
      expectError(await request(server.url).get(`/stream/${task.task_id}`).query({ token: bad }), 401, 'unauthorized');
    }
  });

  it('refuses an expired token (STREAM_TOKEN_TTL_S=1)', async () => {
    const server = await servers.plain({ API_KEYS: KEY, STREAM_TOKEN_TTL_S: '1' });
    const task = await startTask(server);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expectError(await request(server.url).get(task.stream_url), 401, 'unauthorized');
    // A key still opens it.
    const withKey = await request(server.url).get(`/stream/${task.task_id}`).set('X-API-Key', KEY);
    expect(withKey.status).toBe(200);
    // And asking for the task again, with the key, hands out a fresh stream_url that opens it.
    for (const fresh of [
      (await request(server.url).get(`/tasks/${task.task_id}`).set('X-API-Key', KEY).expect(200)).body,
      (await request(server.url).post('/tools/get_orchestration_status').set('X-API-Key', KEY).send({ task_id: task.task_id }).expect(200)).body,
    ] as Array<{ stream_url: string }>) {
      expect(tokenOf(fresh.stream_url)).not.toBe(tokenOf(task.stream_url));
      expect((await request(server.url).get(fresh.stream_url)).status).toBe(200);
    }
  });
});
