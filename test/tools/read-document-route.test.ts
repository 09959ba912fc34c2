import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, useServers } from '../http/route-harness.js';

const servers = useServers();
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-read-'));
  fs.writeFileSync(path.join(dir, 'notes.md'), '# Notes\n\nThe harbour opens at six.\n');
  fs.writeFileSync(path.join(dir, '.env'), 'OPENAI_API_KEY=sk-live-secret\n');
  fs.mkdirSync(path.join(dir, '.git'));
  fs.writeFileSync(path.join(dir, '.git', 'config'), '[remote "origin"] url = git@secret.example:x.git\n');
  fs.writeFileSync(path.join(dir, 'id_rsa'), '-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n');
  fs.mkdirSync(path.join(dir, 'archive.md'));
  execFileSync('mkfifo', [path.join(dir, 'pipe.md')]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const read = (url: string, file: string) =>
  request(url).post('/tools/execute_registered_tool').send({ tool_name: 'read_document', arguments: { path: file } });

// The route, as a client calls it: the reader keeps the index's rules (SPEC §8, issue 12 item 4).
describe('read_document over HTTP', () => {
  it('reads a corpus document', async () => {
    const server = await servers.plain({ CORPUS_DIR: dir });
    const res = await read(server.url, 'notes.md');
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain('harbour opens at six');
  });

  it('refuses dotfiles, dot folders, keys, folders and FIFOs with a 400, and never shows their content', async () => {
    const server = await servers.plain({ CORPUS_DIR: dir });
    for (const file of ['.env', '.git/config', 'id_rsa', 'archive.md', 'pipe.md']) {
      const res = await read(server.url, file);
      expectError(res, 400, 'validation_error');
      expect(res.text, file).not.toMatch(/secret/);
    }
    // The FIFO did not block the event loop: the server still answers.
    expect((await request(server.url).get('/health')).status).toBe(200);
  });
});
