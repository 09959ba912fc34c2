import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeModel } from '../helpers/fake-model.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.js';
import { answerProblem } from './assert-answer.js';
import { createRawClient } from './raw-client.js';

/**
 * Property-based fuzzing of every route that takes input (issue 6, item 8): random JSON, strings,
 * unicode, deep nesting and huge numbers. The invariant (`answerProblem`): never a 5xx, always an
 * X-Request-Id, every 4xx in the SPEC error shape. The file also fails if the server logged a 5xx
 * or an `unhandled error`. The model is an instant in-process fake.
 */

let server: TestServer;
let client: ReturnType<typeof createRawClient>;
/** `POST` routes with the field names their schema knows (so values land on real fields too). */
let postRoutes: Array<{ path: string; fields: string[] }>;
let finishedTaskId: string;

/** Runs per property (FUZZ_RUNS to go further, FUZZ_SEED to replay a failure). About 5,000 requests in all by default. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const options = (numRuns = RUNS) => ({ numRuns, seed: SEED, endOnFailure: true });

// ---- generators -------------------------------------------------------------------------------

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '\uffff', '\u202e', '𝕏'.repeat(2000), 'a'.repeat(6000), '../../etc/passwd', '__proto__', 'constructor'),
);
/** Number literals JSON.parse takes but no field should: overflow to Infinity, underflow, beyond 2^53, -0. */
const hugeNumberText = fc.oneof(
  fc.constantFrom('1e400', '-1e400', '1e-400', '-0', '123456789012345678901234567890123456789', '9007199254740993', '0.1e1', '1E+2'),
  fc.bigInt({ min: -(10n ** 60n), max: 10n ** 60n }).map(String),
  fc.double().filter(Number.isFinite).map(String),
);
/** `depth` levels of arrays or objects around a leaf. */
const deepText = (depth: number, kind: 'array' | 'object') =>
  kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const valueText = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 3, arbitrary: anyText.map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: hugeNumberText },
  { weight: 1, arbitrary: fc.constantFrom(deepText(200, 'array'), deepText(200, 'object'), '[]', '{}', 'null', 'true') },
);
/** A JSON object over the route's own fields (and strangers), each with a hostile value, as raw text. */
const objectOn = (fields: string[]) =>
  fc
    .uniqueArray(fc.tuple(fields.length ? fc.oneof(fc.constantFrom(...fields), anyText) : anyText, valueText), { maxLength: 6, selector: ([k]) => k })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
/** A whole body: JSON of any shape, an object on the route's fields, or bytes that are not JSON. */
const bodyFor = (fields: string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: objectOn(fields) },
    { weight: 2, arbitrary: valueText },
    { weight: 2, arbitrary: anyText },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
  );
const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('application/json; charset=latin1', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'application/merge-patch+json', 'multipart/form-data; boundary=x') },
);
/** A header value Node lets a client send (latin-1, no CR/LF). */
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 40 });
/** Path or query text sent as written: valid and broken percent escapes, reserved characters. */
const rawUrlText = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'aZ09_-.~!$&\'()*+,;=:@%/?[]'.split(''), '%zz', '%C0%AF', '%00', '%E2%80%AE', '%ff', '%2F'), maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent),
  hugeNumberText.map(encodeURIComponent),
);

// ---- setup ------------------------------------------------------------------------------------

beforeAll(async () => {
  // A few requests are valid and start real tasks: the fake model answers at once. Rate limits are
  // off: thousands of requests a minute are the point here.
  const fake = createFakeModel();
  server = await startTestServer({ env: { DEFAULT_PROVIDER: 'openai', MAX_ACTIVE_TASKS: '4', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MIN: '0', ORCHESTRATE_RATE_LIMIT_PER_MIN: '0' }, providers: { openai: fake.factory } });
  client = createRawClient(server.url);
  const tools = (await request(server.url).get('/tools').expect(200)).body.tools as Array<{ name: string; inputSchema: { properties?: Record<string, unknown> } }>;
  expect(tools.length).toBeGreaterThanOrEqual(7);
  postRoutes = [
    ...tools.map((t) => ({ path: `/tools/${t.name}`, fields: Object.keys(t.inputSchema.properties ?? {}) })),
    { path: '/webhook/register', fields: ['task_id', 'webhook_url', 'events'] },
    { path: '/webhook/unregister', fields: ['task_id'] },
  ];
  const started = await request(server.url).post('/tools/orchestrate_search').send({ query: 'fuzz target', num_agents: 1 }).expect(202);
  finishedTaskId = started.body.task_id as string;
  await waitFor(async () => (await server.services.orchestrator.get(finishedTaskId)).completed_at);
});
afterAll(async () => {
  client.close();
  try {
    const statuses = server.logs.lines.map((l) => (l.res as { statusCode?: number } | undefined)?.statusCode ?? 0);
    expect(statuses.filter((s) => s >= 500), 'the server answered a 5xx').toEqual([]);
    expect(server.logs.lines.filter((l) => l.msg === 'unhandled error'), 'the server logged an unhandled error').toEqual([]);
  } finally {
    await server.close();
  }
});

async function check(req: Parameters<typeof client.send>[0]): Promise<void> {
  const res = await client.send(req);
  const problem = answerProblem(res);
  if (problem) throw new Error(`${req.method} ${req.path}: ${problem}`);
}

// ---- properties -------------------------------------------------------------------------------

describe('fuzzing POST routes', () => {
  it('every POST route answers random bodies without a 5xx and with the SPEC error shape', async () => {
    for (const route of postRoutes) {
      await fc.assert(
        fc.asyncProperty(bodyFor(route.fields), contentType, async (body, type) => {
          await check({ method: 'POST', path: route.path, headers: { 'content-type': type }, body });
        }),
        options(),
      );
    }
  }, 60_000);

  it('survives 10,000 and 100,000 levels of nesting, as the body and in every field', async () => {
    for (const route of postRoutes) {
      for (const depth of [10_000, 100_000]) {
        for (const kind of ['array', 'object'] as const) {
          const deep = deepText(depth, kind);
          await check({ method: 'POST', path: route.path, headers: { 'content-type': 'application/json' }, body: deep });
          for (const field of route.fields) {
            await check({ method: 'POST', path: route.path, headers: { 'content-type': 'application/json' }, body: `{${JSON.stringify(field)}:${deep}}` });
          }
        }
      }
    }
  }, 60_000);

  it('answers a body over 1 MB with 413 and broken JSON with 400, never more', async () => {
    for (const route of postRoutes) {
      const big = await client.send({ method: 'POST', path: route.path, headers: { 'content-type': 'application/json' }, body: `"${'x'.repeat(1_100_000)}"` });
      expect(answerProblem(big)).toBeUndefined();
      expect(big.status).toBe(413);
      const broken = await client.send({ method: 'POST', path: route.path, headers: { 'content-type': 'application/json' }, body: '{"a":' });
      expect(answerProblem(broken)).toBeUndefined();
      expect(broken.status).toBe(400);
    }
  }, 30_000);
});

describe('fuzzing /stream and /tasks parameters', () => {
  it('regression: a bad percent-escape in a path parameter is a 400 validation_error, not a 500 (found by fuzzing)', async () => {
    for (const path of ['/stream/%', '/tasks/%zz', '/tasks/%C0%AF/documents/markdown', '/tools/%E0%A4%A']) {
      const res = await client.send({ method: 'GET', path });
      expect(answerProblem(res), path).toBeUndefined();
      expect(res.status, path).toBe(400);
      expect((JSON.parse(res.body) as { error: { code: string } }).error.code).toBe('validation_error');
    }
  });

  it('/stream/:taskId with random ids, last_event_id and Last-Event-ID', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(rawUrlText, fc.constant(finishedTaskId), fc.constant(finishedTaskId)),
        fc.option(rawUrlText, { nil: undefined }),
        fc.option(fc.oneof(headerValue, hugeNumberText), { nil: undefined }),
        async (taskId, query, lastEventId) => {
          const path = `/stream/${taskId}${query === undefined ? '' : `?last_event_id=${query}`}`;
          await check({ method: 'GET', path, headers: lastEventId === undefined ? {} : { 'last-event-id': lastEventId } });
        },
      ),
      options(RUNS * 3),
    );
  }, 60_000);

  it('/tasks and /tasks/:taskId with random query parameters and ids', async () => {
    const param = fc.tuple(fc.oneof(fc.constantFrom('status', 'limit', 'cursor', 'status[]', 'limit[a]', '__proto__'), rawUrlText), rawUrlText);
    await fc.assert(
      fc.asyncProperty(fc.array(param, { maxLength: 5 }), fc.option(rawUrlText, { nil: undefined }), async (params, id) => {
        const query = params.map(([k, v]) => `${k}=${v}`).join('&');
        await check({ method: 'GET', path: `/tasks${id === undefined ? '' : `/${id}`}?${query}` });
      }),
      options(RUNS * 3),
    );
  }, 60_000);
});
