import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function post(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function finished(s: TestServer, taskId: string) {
  return waitFor(async () => {
    const r = await post(`${s.url}/tools/get_orchestration_status`, { task_id: taskId });
    return ['completed', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
  }, 20_000, 25);
}

describe('local provider (no key, no network)', () => {
  it('is the default with no key, and answers research from docs/ with citations', async () => {
    server = await startTestServer();
    expect(server.services.models.defaultProvider).toBe('local');
    const started = await post(`${server.url}/tools/orchestrate_research`, { task: 'How does the event stream resume after a disconnect?', num_agents: 4, generate_documents: true });
    expect(started.status).toBe(202);
    const record = await finished(server, started.body.task_id);
    expect(record.status).toBe('completed');
    expect(record.provider).toBe('local');
    const report: string = record.result.final_synthesis;
    expect(report).toMatch(/Last-Event-ID/);
    // Cited from docs/: which file ranks first depends on what docs/ holds, so any of its files may.
    expect(report).toMatch(/## Sources\n\n- \[\d+\] [\w-]+\.md — .+ \(lines \d+-\d+\)/);
    expect(report).toMatch(/\] api\.md — /);
    // Every quoted bullet carries a citation, and each number is one of the task's sources.
    const [body, list] = report.split('## Sources');
    const bullets = body!.split('\n').filter((l) => l.startsWith('- '));
    expect(bullets.length).toBeGreaterThan(2);
    // Each quote is cited: a fact bullet at its end, a list or code block quoted whole on the line introducing it.
    const blocks = body!.split(/\n{2,}(?!\s*(?:[-*]|\d+\.|```)\s)/).filter((b) => b.trim() && !/^#/.test(b.trim()));
    for (const b of blocks) expect(b, b).toMatch(/\[\d+\]/);
    const numbers = record.result.sources.map((s: { n: number }) => s.n);
    for (const b of bullets) for (const n of b.match(/\[(\d+)\]/g) ?? []) expect(numbers).toContain(Number(n.slice(1, -1)));
    // The same numbers, the same sources, in the report's list and in result.sources.
    for (const line of list!.trim().split('\n')) {
      const [, n, file, lines] = /^- \[(\d+)\] (\S+) — .* \(lines (\d+-\d+)\)/.exec(line)!;
      expect(record.result.sources[Number(n) - 1]).toMatchObject({ n: Number(n), kind: 'document', path: file, lines });
    }
    expect(record.usage.input_tokens).toBeGreaterThan(0);
    expect(record.usage.output_tokens).toBeGreaterThan(0);
    const workers = record.result.agent_results.filter((a: { role: string }) => a.role === 'worker');
    expect(workers[0].citations[0]).toMatchObject({ source: expect.stringMatching(/\.md$/), lines: expect.stringMatching(/^\d+-\d+$/) });
    const types = (await server.services.events.history(started.body.task_id)).map((e) => e.event_type);
    expect(types.filter((t) => t === 'agent_tool_call')).toHaveLength(workers.length);
    expect(types.filter((t) => t === 'agent_tool_result')).toHaveLength(workers.length);
    const doc = await fetch(`${server.url}${record.result.documents[0].url}`);
    expect(await doc.text()).toContain('## Sources');
  });

  it('plans one sub-question per part of the request, in its words, never filler', async () => {
    server = await startTestServer();
    const task = 'Brief me on the server: (1) how cancellation works, (2) retries with backoff, and (3) how webhooks are signed.';
    const started = await post(`${server.url}/tools/orchestrate_research`, { task, num_agents: 8 });
    const record = await finished(server, started.body.task_id);
    expect(record.result.subtasks).toEqual(['How cancellation works', 'Retries with backoff', 'How webhooks are signed']);
    // One worker per part, and the report has a section for each.
    expect(record.result.agent_results.filter((a: { role: string }) => a.role === 'worker')).toHaveLength(3);
    for (const part of record.result.subtasks) expect(record.result.final_synthesis).toContain(`## ${part}`);
    expect(record.result.final_synthesis).toMatch(/^## Key figures|^## How cancellation works/);
  });

  it('answers "how do I back up" with the command itself, quoted whole (was: "Back up the database (above).")', async () => {
    server = await startTestServer();
    const started = await post(`${server.url}/tools/orchestrate_research`, { task: 'How do I back up the database?', num_agents: 4 });
    const record = await finished(server, started.body.task_id);
    const report: string = record.result.final_synthesis;
    // The code block of docs/operations.md, fenced and whole, under the sentence that introduces it.
    expect(report).toMatch(/online backup command[^\n]*\[\d+\]:\n\n```bash\nsudo -u mcp-orchestrator sqlite3 [^\n]*\\\n {2}"\.backup /);
    expect(report).toContain("PRAGMA integrity_check");
  });

  it('says plainly that the documents do not answer, and quotes nothing', async () => {
    server = await startTestServer();
    const started = await post(`${server.url}/tools/orchestrate_research`, { task: 'What is the capital of France?', num_agents: 5 });
    const record = await finished(server, started.body.task_id);
    expect(record.status).toBe('completed');
    expect(record.result.final_synthesis).toMatch(/^The documents in the corpus do not answer this/);
    expect(record.result.final_synthesis).not.toMatch(/\[\d+\]/);
    expect(record.result.agent_results.filter((a: { role: string }) => a.role === 'worker')).toHaveLength(1);
  });

  it('answers a search through the swarm pattern, grouped by type, from a corpus of the user', async () => {
    const notes = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-notes-'));
    fs.cpSync('test/fixtures/corpus', notes, { recursive: true });
    server = await startTestServer({ env: { CORPUS_DIR: notes } });
    const started = await post(`${server.url}/tools/orchestrate_search`, { query: 'tomatoes sunlight and watering', max_agents: 3 });
    const record = await finished(server, started.body.task_id);
    expect(record.status).toBe('completed');
    expect(record.result.final_synthesis).toMatch(/^## \w+/m);
    expect(record.result.final_synthesis).toContain('six hours of direct sunlight');
    expect(record.result.final_synthesis).toMatch(/\[\d+\] gardening\.md — Gardening notes › Tomatoes \(lines \d+-\d+\)/);
    fs.rmSync(notes, { recursive: true, force: true });
  });

  it('search_documents through execute_registered_tool returns ranked passages; escapes get a 400', async () => {
    const notes = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-notes-'));
    fs.cpSync('test/fixtures/corpus', notes, { recursive: true });
    fs.symlinkSync('/etc/passwd', path.join(notes, 'passwd.md'));
    server = await startTestServer({ env: { CORPUS_DIR: notes } });
    const ok = await post(`${server.url}/tools/execute_registered_tool`, { tool_name: 'search_documents', arguments: { query: 'brake pads', limit: 2 } });
    expect(ok.status).toBe(200);
    expect(ok.body.result.results[0]).toMatchObject({ path: 'notes/bicycles.txt', lines: expect.any(String), score: expect.any(Number), snippet: expect.stringContaining('Brake') });
    expect(ok.body.result.results.length).toBeLessThanOrEqual(2);
    for (const p of ['../../etc/passwd', '/etc/passwd', 'passwd.md']) {
      const read = await post(`${server.url}/tools/execute_registered_tool`, { tool_name: 'read_document', arguments: { path: p } });
      expect(read.status, p).toBe(400);
      expect(read.body.error.code).toBe('validation_error');
      expect(JSON.stringify(read.body)).not.toContain('root:');
    }
    const search = await post(`${server.url}/tools/execute_registered_tool`, { tool_name: 'search_documents', arguments: { query: 'x', path: '../' } });
    expect(search.status).toBe(400);
    fs.rmSync(notes, { recursive: true, force: true });
  });
});
