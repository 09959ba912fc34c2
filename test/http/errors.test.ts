import { describe, expect, it } from 'vitest';
import request from 'supertest';
import type { TestServer } from '../helpers/test-server.js';
import { expectError, rawRequest, useServers } from './route-harness.js';

const servers = useServers();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const research = (server: TestServer) => request(server.url).post('/tools/orchestrate_research');

async function expectNoTasks(server: TestServer) {
  expect((await request(server.url).get('/tasks')).body.tasks).toEqual([]);
}

describe('request bodies', () => {
  it('answers 400 invalid_json for a body that is not JSON, and starts nothing', async () => {
    const { server, fake } = await servers.withFake();
    for (const body of ['{"task": ', "{'task': 'single quotes'}", '{"task":"t",}', 'undefined']) {
      const res = await research(server).set('Content-Type', 'application/json').send(body);
      expectError(res, 400, 'invalid_json');
    }
    await expectNoTasks(server);
    expect(fake.calls).toEqual([]);
  });

  it('answers 413 payload_too_large for a body over 1 MB, and starts nothing', async () => {
    const { server, fake } = await servers.withFake();
    const body = JSON.stringify({ task: 'x'.repeat(1024 * 1024 + 10) });
    const res = await research(server).set('Content-Type', 'application/json').send(body);
    expectError(res, 413, 'payload_too_large');
    await expectNoTasks(server);
    expect(fake.calls).toEqual([]);
  });

  it('accepts a body just under 1 MB as far as the body limit goes (then validates it)', async () => {
    const server = await servers.plain();
    const body = JSON.stringify({ task: 'x'.repeat(1000 * 1000) });
    const error = expectError(await research(server).set('Content-Type', 'application/json').send(body), 400, 'validation_error');
    expect(error.message).toContain('task');
  });

  it.each([
    ['text/plain', 'hello'],
    ['application/x-www-form-urlencoded', 'task=hello'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="task"\r\n\r\nhello\r\n--x--\r\n'],
    ['application/xml', '<task>hello</task>'],
  ])('answers 415 unsupported_media_type for a %s body, and starts nothing', async (type, body) => {
    const { server, fake } = await servers.withFake();
    const res = await research(server).set('Content-Type', type).send(body);
    expectError(res, 415, 'unsupported_media_type');
    await expectNoTasks(server);
    expect(fake.calls).toEqual([]);
  });

  it('answers 415 for a body with no content type at all', async () => {
    const server = await servers.plain();
    const body = '{"task":"t"}';
    const res = await rawRequest(server.url, ['POST /tools/orchestrate_research HTTP/1.1', `Content-Length: ${body.length}`], body);
    expect(res.status).toBe(415);
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(JSON.parse(res.body)).toMatchObject({ success: false, error: { code: 'unsupported_media_type' } });
  });

  it.each([
    ['null', 'null'],
    ['an array', '[{"task":"t"}]'],
    ['a string', '"research this"'],
    ['a number', '42'],
  ])('answers 400 validation_error for a JSON body that is %s, and starts nothing', async (_name, body) => {
    const { server, fake } = await servers.withFake();
    for (const tool of ['orchestrate_research', 'orchestrate_search', 'cancel_orchestration', 'execute_registered_tool', 'list_orchestrator_patterns']) {
      const res = await request(server.url).post(`/tools/${tool}`).set('Content-Type', 'application/json').send(body);
      const error = expectError(res, 400, 'validation_error');
      expect(error.message).toMatch(/expected object/);
    }
    await expectNoTasks(server);
    expect(fake.calls).toEqual([]);
  });

  it('accepts application/json with a charset and a +json type', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) });
    const body = JSON.stringify({ task: 'typed', num_agents: 1 });
    await research(server).set('Content-Type', 'application/json; charset=utf-8').send(body).expect(202);
    await research(server).set('Content-Type', 'application/merge-patch+json').send(body).expect(202);
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/nope'],
    ['POST', '/nope'],
    ['POST', '/tools/orchestrate_research/extra'],
    ['DELETE', '/tasks'],
    ['GET', '/stream'],
  ])('answers 404 not_found for %s %s', async (method, path) => {
    const server = await servers.plain();
    const res = await request(server.url)[method.toLowerCase() as 'get'](path);
    const error = expectError(res, 404, 'not_found');
    expect(error.message).toContain(method);
  });
});

describe('X-Request-Id', () => {
  it('is on every response: success, 202, 400, 404, 405, 413, 415', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) });
    const responses = [
      await request(server.url).get('/health'),
      await request(server.url).get('/tools'),
      await research(server).send({ task: 't', num_agents: 1 }),
      await research(server).send({}),
      await request(server.url).get('/nope'),
      await request(server.url).get('/tools/orchestrate_research'),
      await research(server).set('Content-Type', 'application/json').send(JSON.stringify({ task: 'x'.repeat(1_100_000) })),
      await research(server).set('Content-Type', 'text/plain').send('x'),
      await research(server).set('Content-Type', 'application/json').send('{'),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 202, 400, 404, 405, 413, 415, 400]);
    const ids = responses.map((r) => r.headers['x-request-id']);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('puts the same id in an error body as in the header', async () => {
    const server = await servers.plain();
    const res = await request(server.url).get('/nope');
    expect(res.body.error.request_id).toBe(res.headers['x-request-id']);
  });

  it('echoes a safe incoming id', async () => {
    const server = await servers.plain();
    for (const id of ['abc-123', 'trace.01:span_02', 'a'.repeat(128)]) {
      const ok = await request(server.url).get('/health').set('X-Request-Id', id);
      expect(ok.headers['x-request-id']).toBe(id);
      const failed = await request(server.url).post('/tools/get_orchestration_status').set('X-Request-Id', id).send({});
      expect(failed.status).toBe(400);
      expect(failed.headers['x-request-id']).toBe(id);
      expect(failed.body.error.request_id).toBe(id);
    }
  });

  it('replaces an unsafe incoming id with a new one', async () => {
    const server = await servers.plain();
    for (const id of ['a'.repeat(129), 'has spaces in it', '<script>', 'semi;colon', 'quote"d']) {
      const res = await request(server.url).get('/health').set('X-Request-Id', id);
      expect(res.headers['x-request-id']).not.toBe(id);
      expect(res.headers['x-request-id']).toMatch(UUID);
    }
  });
});
