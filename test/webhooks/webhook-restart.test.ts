import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { searchInputSchema } from '../../src/orchestrator/inputs.js';
import { createServices, type Services } from '../../src/services.js';
import { findOrchestrationTool, type ToolContext } from '../../src/tools/orchestration-tools.js';
import { SECRET_FILE } from '../../src/webhooks/signing.js';
import { createFakeModel } from '../helpers/fake-model.js';
import { LogSink, waitFor } from '../helpers/test-server.js';
import { trackOutbox } from './outbox.js';
import { startReceiver, type Receiver } from './receiver.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function open(dataDir: string, model = createFakeModel()): Promise<Services> {
  const config = loadConfig({
    STORE: 'sqlite',
    DATA_DIR: dataDir,
    DEFAULT_PROVIDER: 'openai',
    SHUTDOWN_GRACE_MS: '0',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_RETRY_DELAYS: '1,1,1',
    WEBHOOK_TIMEOUT_MS: '2000',
  });
  const services = await createServices(config, createLogger({ level: 'info', destination: new LogSink() }), {
    providers: { openai: model.factory },
    watchCorpus: false,
  });
  cleanup.push(() => services.close());
  return services;
}

/** Start a search through the same handler the HTTP route and MCP use. */
async function startSearch(services: Services, webhookUrl: string): Promise<string> {
  const ctx: ToolContext = {
    orchestrator: services.orchestrator,
    registry: services.registry,
    urls: { resolve: (p) => p, stream: (id) => `/stream/${id}` },
    webhooks: services.webhooks,
  };
  const input = searchInputSchema.parse({ query: 'restart', num_agents: 1, webhook_url: webhookUrl });
  const accepted = await findOrchestrationTool('orchestrate_search')!.handler(input, ctx);
  return accepted.task_id as string;
}

describe('webhook delivery across a restart (STORE=sqlite)', () => {
  it('delivers a pending message after a restart, with the same webhook-id and the same kept secret', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-webhook-restart-'));
    cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const secret = () => fs.readFileSync(path.join(dataDir, SECRET_FILE), 'utf8').trim();
    let failing = true;
    const receiver: Receiver = await startReceiver(secret, () => ({ status: failing ? 500 : 200 }));
    cleanup.push(() => receiver.close());

    const first = await open(dataDir);
    const secretBefore = secret();
    const outbox = trackOutbox(first.store);
    const taskId = await startSearch(first, `${receiver.url}/hook`);
    await waitFor(async () => (await first.orchestrator.get(taskId)).completed_at);
    await waitFor(() => receiver.answered === 1);
    // The one message (workflow_complete), as the receiver saw it.
    expect(outbox.ids).toHaveLength(1);
    const message = { id: outbox.ids[0]! };
    expect(receiver.requests[0]!.headers['webhook-id']).toBe(message.id);
    await waitFor(async () => (await first.store.webhooks.get(message.id))?.attempts === 1);
    await first.close();
    expect(receiver.requests).toHaveLength(1);

    failing = false;
    const second = await open(dataDir);
    expect(await second.store.webhooks.get(message.id)).toMatchObject({ status: 'pending', attempts: 1, last_error: 'HTTP 500' });
    await waitFor(async () => (await second.store.webhooks.get(message.id))?.status === 'delivered');
    expect(await second.store.webhooks.get(message.id)).toMatchObject({ attempts: 2, last_error: null });
    expect(secret()).toBe(secretBefore);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([message.id, message.id]);
    expect(receiver.requests.map((r) => r.signatureValid)).toEqual([true, true]);
    expect(receiver.requests[1]!.body).toBe(receiver.requests[0]!.body);
    expect(JSON.parse(receiver.requests[1]!.body)).toMatchObject({ type: 'workflow_complete', data: { task_id: taskId } });
  });

  it('a task cut off by shutdown notifies its webhook (workflow_error, interrupted), delivered by the next start if not before', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-webhook-restart-'));
    cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const secret = () => fs.readFileSync(path.join(dataDir, SECRET_FILE), 'utf8').trim();
    const receiver = await startReceiver(secret, () => ({ status: 200 }));
    cleanup.push(() => receiver.close());

    const first = await open(dataDir, createFakeModel({ respond: () => ({ hang: true }) }));
    const firstOutbox = trackOutbox(first.store);
    const taskId = await startSearch(first, `${receiver.url}/hook`);
    await waitFor(async () => (await first.orchestrator.get(taskId)).status === 'running');
    await first.close();

    const second = await open(dataDir);
    const secondOutbox = trackOutbox(second.store);
    await waitFor(() => receiver.answered >= 1);
    // At least once: an attempt abandoned by the shutdown may have reached the receiver too, with the same id.
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const body = JSON.parse(receiver.requests.at(-1)!.body);
    expect(body).toMatchObject({ type: 'workflow_error', data: { task_id: taskId, data: { status: 'failed', error: { code: 'interrupted' } } } });
    expect(receiver.requests.every((r) => r.signatureValid)).toBe(true);
    // Every message either instance enqueued is delivered (read from the second: the same database).
    expect(firstOutbox.ids.length + secondOutbox.ids.length).toBeGreaterThan(0);
    await waitFor(async () => (await firstOutbox.pending(second.store)).length === 0 && (await secondOutbox.pending()).length === 0);
    for (const id of [...firstOutbox.ids, ...secondOutbox.ids]) expect(await second.store.webhooks.get(id)).toMatchObject({ status: 'delivered' });
  });
});
