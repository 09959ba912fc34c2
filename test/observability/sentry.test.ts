import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { reportCrashes } from '../../src/observability/crash-reporting.js';
import { installProcessHandlers } from '../../src/observability/process-handlers.js';
import type { ErrorContext, ErrorReporter } from '../../src/observability/sentry.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { LogSink, startTestServer, waitFor, type TestServer } from '../helpers/test-server.js';
import { startFakeSentry, type FakeSentry } from './fake-sentry.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

/** A memory store whose task lookups fail: a real unknown error on a real route, no test-only route in `src`. */
function brokenStore(): Store {
  const store = createMemoryStore();
  store.tasks.get = async () => {
    throw new Error('disk on fire');
  };
  return store;
}

async function serverWith(env: Record<string, string>): Promise<TestServer> {
  const server = await startTestServer({ env, store: brokenStore() });
  cleanup.push(() => server.close());
  return server;
}

async function fakeSentry(): Promise<FakeSentry> {
  const sentry = await startFakeSentry();
  cleanup.push(() => sentry.close());
  return sentry;
}

/** Trigger a 500 carrying an API-key header, a query token and a body that must never reach Sentry. */
async function trigger500(server: TestServer) {
  const res = await request(server.url)
    .post('/tools/get_orchestration_status?token=query-secret')
    .set('Authorization', 'Bearer header-secret')
    .set('Cookie', 'session=cookie-secret')
    .send({ task_id: 'research_bodysecret' });
  expect(res.status).toBe(500);
  expect(res.body).toEqual({ success: false, error: { code: 'internal_error', message: 'internal error', request_id: res.headers['x-request-id'] } });
  return res.headers['x-request-id'] as string;
}

describe('error tracking (SENTRY_DSN)', () => {
  it('sends an unhandled 500 to the DSN with the error message and the request id, and nothing secret', async () => {
    const sentry = await fakeSentry();
    const server = await serverWith({ SENTRY_DSN: sentry.dsn, SENTRY_ENVIRONMENT: 'test' });
    const requestId = await trigger500(server);
    await server.services.errors.flush(5000);
    await waitFor(() => sentry.events().length === 1);
    const [event] = sentry.events() as Array<{
      exception: { values: Array<{ type: string; value: string }> };
      tags: Record<string, string>;
      environment: string;
      release: string;
    }>;
    expect(event!.exception.values.at(-1)).toMatchObject({ type: 'Error', value: 'disk on fire' });
    expect(event!.tags).toMatchObject({ request_id: requestId, source: 'http' });
    expect(event!.environment).toBe('test');
    expect(event!.release).toMatch(/^mcp-orchestrator@\d/);
    const all = sentry.envelopes.join('\n');
    expect(all).toContain('/tools/get_orchestration_status');
    for (const secret of ['header-secret', 'query-secret', 'cookie-secret', 'bodysecret']) expect(all).not.toContain(secret);
  });

  it('without SENTRY_DSN initialises nothing and sends nothing', async () => {
    const sentry = await fakeSentry();
    const server = await serverWith({});
    expect(server.services.errors.enabled).toBe(false);
    await trigger500(server);
    await server.services.errors.flush(1000);
    await new Promise((r) => setTimeout(r, 300));
    expect(sentry.envelopes).toEqual([]);
    // The 500 is still logged in full, with the request id.
    expect(server.logs.lines.some((l) => l.msg === 'unhandled error' && typeof l.request_id === 'string')).toBe(true);
  });

  it('does not send a 4xx', async () => {
    const sentry = await fakeSentry();
    const server = await serverWith({ SENTRY_DSN: sentry.dsn });
    await request(server.url).post('/tools/orchestrate_search').send({ nope: 1 }).expect(400);
    await request(server.url).get('/nowhere').expect(404);
    await server.services.errors.flush(2000);
    expect(sentry.envelopes).toEqual([]);
  });
});

function recordingReporter(): ErrorReporter & { captured: Array<{ error: unknown; context: ErrorContext }> } {
  const captured: Array<{ error: unknown; context: ErrorContext }> = [];
  return { enabled: true, captured, capture: (error, context) => void captured.push({ error, context }), flush: () => Promise.resolve() };
}

describe('crash reporting from the domain’s log lines', () => {
  it('reports `task crashed` and `agent crashed` with the task and agent ids, and nothing else', () => {
    const reporter = recordingReporter();
    const sink = new LogSink();
    const logger = reportCrashes(createLogger({ level: 'info', destination: sink }), reporter);
    const task = logger.child({ task_id: 'research_1' });
    const agent = task.child({ agent_id: 'worker-2' });
    const boom = new Error('boom');
    task.error({ err: boom }, 'task crashed');
    agent.error({ err: boom }, 'agent crashed');
    agent.error({ err: boom }, 'something else');
    agent.warn({ err: boom }, 'agent crashed');
    expect(reporter.captured).toEqual([
      { error: boom, context: { source: 'task', task_id: 'research_1', agent_id: undefined } },
      { error: boom, context: { source: 'agent', task_id: 'research_1', agent_id: 'worker-2' } },
    ]);
    // Logging itself is unchanged.
    expect(sink.lines.filter((l) => l.level === 50).map((l) => [l.msg, l.task_id])).toEqual([
      ['task crashed', 'research_1'],
      ['agent crashed', 'research_1'],
      ['something else', 'research_1'],
    ]);
  });
});

describe('process handlers', () => {
  it('log, report and flush an unhandled rejection and an uncaught exception, then exit 1', async () => {
    const reporter = recordingReporter();
    const sink = new LogSink();
    const exits: number[] = [];
    const before = { rejection: process.listeners('unhandledRejection'), exception: process.listeners('uncaughtException') };
    const remove = installProcessHandlers(createLogger({ level: 'info', destination: sink }), reporter, (code) => exits.push(code));
    try {
      const onRejection = process.listeners('unhandledRejection').find((l) => !before.rejection.includes(l))!;
      const reason = new Error('nobody awaited me');
      onRejection(reason, Promise.resolve());
      await waitFor(() => exits.length === 1);
      expect(exits).toEqual([1]);
      expect(reporter.captured).toEqual([{ error: reason, context: { source: 'process' } }]);
      expect(sink.lines.some((l) => l.msg === 'unhandled rejection' && l.level === 60)).toBe(true);
      expect(process.listeners('uncaughtException').some((l) => !before.exception.includes(l))).toBe(true);
    } finally {
      remove();
    }
    expect(process.listeners('unhandledRejection')).toEqual(before.rejection);
  });
});
