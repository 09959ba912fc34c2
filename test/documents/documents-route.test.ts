import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { DOCUMENT_FORMATS, FORMATS } from '../../src/orchestrator/formats/index.js';
import { createRetention } from '../../src/orchestrator/retention.js';
import { CLI, cleanupChildren, run } from '../helpers/child-process.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.js';
import { v2Http } from '../mcp/clients.js';
import { readDocx, readPdf } from './readers.js';

const TITLE = 'Événements — the event stream';
let server: TestServer;
let taskId: string;
let record: Record<string, any>;

async function post(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

// One research task on the local provider (no key, no network), asked for all three formats.
beforeAll(async () => {
  server = await startTestServer();
  const started = await post(`${server.url}/tools/orchestrate_research`, {
    task: 'How does the event stream resume after a disconnect?',
    title: TITLE,
    num_agents: 2,
    generate_documents: true,
    document_formats: ['markdown', 'pdf', 'docx'],
  });
  expect(started.status).toBe(202);
  taskId = started.body.task_id;
  record = await waitFor(async () => {
    const r = await fetch(`${server.url}/tasks/${taskId}`).then((res) => res.json() as Promise<Record<string, any>>);
    return ['completed', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
  }, 60_000, 50);
}, 90_000);
afterAll(async () => {
  await cleanupChildren();
  await server?.close();
});

const download = async (format: string) => {
  const res = await fetch(`${server.url}/tasks/${taskId}/documents/${format}`);
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
};

describe('GET /tasks/:id/documents/:format, the real app on the local provider', () => {
  it('lists the three documents in result.documents with format, size and URL', () => {
    expect(record.status).toBe('completed');
    expect(record.result.document_errors).toBeUndefined();
    expect(record.result.documents.map((d: { format: string }) => d.format)).toEqual(['markdown', 'pdf', 'docx']);
    for (const d of record.result.documents) {
      expect(d).toMatchObject({ size: expect.any(Number), url: `/tasks/${taskId}/documents/${d.format}` });
      expect(d.size).toBeGreaterThan(100);
    }
  });

  it.each([
    ['markdown', 'text/markdown; charset=utf-8', 'md'],
    ['pdf', 'application/pdf', 'pdf'],
    ['docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
  ])('serves %s with its type, an attachment named after the title, and the listed size', async (format, type, ext) => {
    const { res, bytes } = await download(format);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="evenements-the-event-stream.${ext}"`);
    expect(bytes.byteLength).toBe(record.result.documents.find((d: { format: string }) => d.format === format).size);
  });

  it('serves documents that open with independent readers, with the report and its numbered sources', async () => {
    const pdf = await readPdf((await download('pdf')).bytes);
    expect(pdf.info).toMatchObject({ Title: TITLE, Author: 'mcp-orchestrator' });
    const text = pdf.text.join(' ');
    expect(text).toContain(TITLE);
    expect(text).toContain('Last-Event-ID');
    const first = record.result.sources[0];
    expect(text).toContain(`[1] ${first.path}`);
    const docx = await readDocx((await download('docx')).bytes);
    expect(docx.html).toContain('<h2>Sources</h2>');
    expect(docx.text).toContain(`[1]\t${first.path}`);
    const markdown = Buffer.from((await download('markdown')).bytes).toString('utf8');
    expect(markdown).toMatch(new RegExp(`^# ${TITLE}`));
  });

  it('answers 400 naming an unknown format, in the request and in the route', async () => {
    const bad = await post(`${server.url}/tools/orchestrate_research`, { task: 'x', generate_documents: true, document_formats: ['pdf', 'odt'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_error');
    expect(bad.body.error.details).toEqual([{ path: 'document_formats.1', message: expect.stringContaining('"odt"') }]);
    const res = await fetch(`${server.url}/tasks/${taskId}/documents/odt`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toContain('"odt"');
  });

  it('CLI: result --format pdf -o FILE writes the PDF as bytes that pdf.js opens', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-cli-')), 'report.pdf');
    const child = run(CLI, ['result', taskId, '--format', 'pdf', '-o', file], { MCP_ORCHESTRATOR_URL: server.url });
    expect((await child.exited).code).toBe(0);
    expect(child.stderr()).toContain(`wrote ${file} (pdf,`);
    const bytes = fs.readFileSync(file);
    expect(bytes.byteLength).toBe(record.result.documents[1].size);
    expect((await readPdf(bytes)).info).toMatchObject({ Title: TITLE });
    const none = run(CLI, ['result', taskId, '--format', 'odt'], { MCP_ORCHESTRATOR_URL: server.url });
    expect((await none.exited).code).toBe(2);
    expect(none.stderr()).toContain('--format must be one of markdown, pdf, docx');
  });

  it('CLI: search --formats pdf,docx asks for those documents; an unknown format is exit 2 naming it', async () => {
    const child = run(CLI, ['search', 'event stream resume', '-n', '1', '--formats', 'pdf,docx', '--detach'], { MCP_ORCHESTRATOR_URL: server.url });
    expect((await child.exited).code).toBe(0);
    const id = child.stdout().trim();
    const task = (await (await fetch(`${server.url}/tasks/${id}`)).json()) as { input: { generate_documents: boolean; document_formats: string[] } };
    expect(task.input).toMatchObject({ generate_documents: true, document_formats: ['pdf', 'docx'] });
    const bad = run(CLI, ['search', 'x', '--formats', 'odt', '--detach'], { MCP_ORCHESTRATOR_URL: server.url });
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr()).toContain('odt');
  });

  it('MCP: the pdf resource is a base64 blob with its MIME type, the markdown one text', async () => {
    const client = await v2Http(server.url);
    const [pdf] = (await client.read(`orchestrator://tasks/${taskId}/documents/pdf`)) as Array<{ mimeType?: string; blob?: string }>;
    expect(pdf!.mimeType).toBe('application/pdf');
    const bytes = Buffer.from(pdf!.blob!, 'base64');
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await readPdf(bytes)).info).toMatchObject({ Title: TITLE });
    const [md] = await client.read(`orchestrator://tasks/${taskId}/documents/markdown`);
    expect(md).toMatchObject({ mimeType: 'text/markdown', text: expect.stringContaining(`# ${TITLE}`) });
    await client.close();
  });

  // Last: it deletes the task.
  it('retention removes every format’s file with the task', async () => {
    const files = DOCUMENT_FORMATS.map((f) => path.join(server.config.dataDir, 'documents', `${taskId}.${FORMATS[f].extension}`));
    for (const f of files) expect(fs.existsSync(f)).toBe(true);
    const retention = createRetention({ store: server.services.store, maxTasks: 0, maxAgeDays: 30, logger: createLogger({ level: 'silent' }) });
    expect(await retention.prune()).toContain(taskId);
    for (const f of files) expect(fs.existsSync(f)).toBe(false);
  });
});
