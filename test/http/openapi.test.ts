import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listAppRoutes, toOpenApiPath } from '../../src/openapi/app-routes.js';
import { ERROR_CODES } from '../../src/openapi/schemas.js';
import { listQuery } from '../../src/http/routes/tasks.js';
import { registerBody } from '../../src/http/routes/webhooks.js';
import { ORCHESTRATION_TOOLS } from '../../src/tools/orchestration-tools.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.js';
import { launchBrowser, screenshot } from '../web/browser.js';

type Doc = {
  openapi: string;
  servers: Array<{ url: string }>;
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref: string } }> }; parameters?: Array<{ name: string }> }>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

const pascal = (name: string) => name.replace(/(^|_)(\w)/g, (_m, _s, c: string) => c.toUpperCase());
/** What a zod schema looks like in the document: JSON Schema 2020-12 without the root keywords. */
const asComponent = (schema: z.ZodType) => {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

describe('GET /openapi.json', () => {
  let server: TestServer;
  let doc: Doc;
  beforeAll(async () => {
    server = await startTestServer({ env: { DEFAULT_PROVIDER: 'local', TRUST_PROXY: 'loopback' } });
    const res = await fetch(`${server.url}/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
  });
  afterAll(() => server?.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('names every route the app serves, with its methods', () => {
    const assets = new Set(['/docs.js', '/docs/docs.js']);
    const routes = listAppRoutes(server.app).filter((r) => !assets.has(r.path) && !r.path.startsWith('/vendor/'));
    expect(routes.length).toBeGreaterThan(8);
    for (const { method, path } of routes) {
      if (path === '/tools/:name') continue; // one path per tool, below
      const item = doc.paths[toOpenApiPath(path)];
      expect(item, `${path} is not documented`).toBeDefined();
      if (method === '_all') expect(Object.keys(item!).sort()).toEqual(['delete', 'get', 'post']);
      else expect(item![method], `${method.toUpperCase()} ${path} is not documented`).toBeDefined();
    }
    for (const tool of ORCHESTRATION_TOOLS) {
      const item = doc.paths[`/tools/${tool.name}`]!;
      expect(Object.keys(item).sort()).toEqual(tool.allowGet ? ['get', 'post'] : ['post']);
    }
  });

  it('takes its request bodies from the very zod schemas the routes parse with', () => {
    for (const tool of ORCHESTRATION_TOOLS) {
      const body = doc.paths[`/tools/${tool.name}`]!.post!.requestBody!.content['application/json']!.schema;
      expect(body.$ref).toBe(`#/components/schemas/${pascal(tool.name)}Request`);
      expect(doc.components.schemas[`${pascal(tool.name)}Request`]).toEqual(asComponent(tool.inputSchema));
    }
    expect(doc.components.schemas.WebhookRegisterRequest).toEqual(asComponent(registerBody));
    const params = doc.paths['/tasks']!.get!.parameters!.map((p) => p.name);
    expect(params).toEqual(Object.keys(listQuery.shape));
  });

  it('documents the answers the server really gives', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'doc', components: doc.components } as never);
    const check = (name: string, body: unknown) => {
      const ok = ajv.validate({ $ref: `doc#/components/schemas/${name}` }, body);
      expect(ok, `${name}: ${ajv.errorsText()} in ${JSON.stringify(body).slice(0, 300)}`).toBe(true);
    };
    const get = async (path: string, init?: RequestInit) => {
      const res = await fetch(`${server.url}${path}`, init);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const post = (path: string, body: unknown) => get(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    check('Health', (await get('/health')).body);
    check('ToolsList', (await get('/tools')).body);
    check('ListOrchestratorPatternsResponse', (await get('/tools/list_orchestrator_patterns')).body);
    check('ListRegisteredToolsResponse', (await post('/tools/list_registered_tools', {})).body);
    check('ExecuteRegisteredToolResponse', (await post('/tools/execute_registered_tool', { tool_name: 'calculate', arguments: { expression: '2+2' } })).body);
    const started = await post('/tools/orchestrate_search', { query: 'how do tides work', num_agents: 2, timeout: 60 });
    expect(started.status).toBe(202);
    check('OrchestrateSearchResponse', started.body);
    const taskId = started.body.task_id as string;
    const done = await waitFor(async () => {
      const { body } = await post('/tools/get_orchestration_status', { task_id: taskId });
      return body.status === 'completed' ? body : undefined;
    }, 20_000);
    check('GetOrchestrationStatusResponse', done);
    check('TaskRecord', (await get(`/tasks/${taskId}`)).body);
    check('TaskList', (await get('/tasks?limit=5')).body);
    check('GetOrchestrationResultResponse', (await post('/tools/get_orchestration_result', { task_id: taskId })).body);
    for (const event of await server.services.events.history(taskId)) check('TaskEvent', event);

    // Errors: each answer has the documented shape and one of the documented codes.
    const errors = [
      await get('/tools/orchestrate_search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad' }),
      await post('/tools/orchestrate_search', { query: '' }),
      await post('/tools/get_orchestration_status', { task_id: 'nope' }),
      await post('/tools/no_such_tool', {}),
      await get('/tools/cancel_orchestration'),
      await post('/tools/cancel_orchestration', { task_id: taskId }),
    ];
    expect(errors.map((e) => e.status)).toEqual([400, 400, 404, 404, 405, 409]);
    for (const { body } of errors) {
      check('ErrorBody', body);
      expect(ERROR_CODES).toContain((body.error as { code: string }).code);
    }
  });

  it('gives the server URL as the client sees it, behind a proxy too', async () => {
    expect(doc.servers[0]!.url).toBe('/');
    const res = await fetch(`${server.url}/openapi.json`, { headers: { 'X-Forwarded-Prefix': '/mcp' } });
    expect(((await res.json()) as Doc).servers[0]!.url).toBe('/mcp');
  });
});

describe('GET /docs', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('serves a reference page and its script from this server, nothing from a CDN', async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<script src="docs.js"></script>');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    for (const path of ['/docs.js', '/docs/docs.js']) {
      const script = await fetch(`${server.url}${path}`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
      const text = await script.text();
      expect(text).toContain("/openapi.json'");
      expect(text).not.toMatch(/https?:\/\//);
      expect(() => new Function(text)).not.toThrow(); // it parses
    }
  });
});

describe('the /docs page in a browser', () => {
  it('renders every operation and schema of the document, under the CSP, with no errors', async () => {
    const server = await startTestServer();
    const browser = await launchBrowser();
    try {
      const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
      const operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
      const { page } = browser;
      await page.goto(`${server.url}/docs`);
      await page.waitForSelector('#tag-schemas');
      expect(await page.locator('main details.op[id^="schema-"]').count()).toBe(Object.keys(doc.components.schemas).length);
      expect(await page.locator('main details.op:not([id^="schema-"])').count()).toBe(operations);
      expect(await page.title()).toContain('mcp-orchestrator');
      await page.locator('details#orchestrate_research > summary').click();
      await expect.poll(() => page.locator('details#orchestrate_research').getAttribute('open')).not.toBeNull();
      await screenshot(page, 'api-docs');
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
