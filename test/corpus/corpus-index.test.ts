import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCorpusIndex, type CorpusIndex } from '../../src/corpus/corpus-index.js';
import { splitMarkdown } from '../../src/corpus/passages.js';
import { waitFor } from '../helpers/test-server.js';

const FIXTURE = path.resolve('test/fixtures/corpus');
let dir: string;
let outside: string;
let corpus: CorpusIndex | undefined;

beforeEach(() => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-corpus-'));
  dir = path.join(tmp, 'corpus');
  outside = path.join(tmp, 'outside');
  fs.cpSync(FIXTURE, dir, { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.md'), '# Secret\n\nThe tomatoes password is hunter2.\n');
});
afterEach(() => {
  corpus?.close();
  corpus = undefined;
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

const open = async (watch = false) => (corpus = await createCorpusIndex({ dir, watch }));

describe('corpus index', () => {
  it('indexes Markdown, text and HTML under the folder, and nothing else', async () => {
    const stats = (await open()).stats();
    expect(stats.documents).toBe(3);
    expect(corpus!.search('json files are not part of the corpus', { limit: 50 }).map((h) => h.path)).not.toContain('ignored.json');
    expect(corpus!.documentFrequency('json')).toBe(0);
    expect(corpus!.documentFrequency('secretscript')).toBe(0);
  });

  it('ranks the passage that answers first, with a citation whose lines hold the text', async () => {
    const [top, ...rest] = (await open()).search('how often should I water tomatoes');
    expect(top).toMatchObject({ path: 'gardening.md', heading: 'Gardening notes › Tomatoes' });
    expect(top!.score).toBeGreaterThan(rest[0]?.score ?? 0);
    const [from, to] = top!.lines.split('-').map(Number);
    const lines = fs.readFileSync(path.join(dir, 'gardening.md'), 'utf8').split('\n').slice(from! - 1, to);
    expect(lines.join('\n')).toContain('Water tomatoes deeply');
    expect(top!.snippet).toMatch(/water/i);
  });

  it('matches fuzzily and by prefix', async () => {
    await open();
    expect(corpus!.search('compsting')[0]?.heading).toBe('Gardening notes › Composting');
    expect(corpus!.search('binocul')[0]?.path).toBe('notes/astronomy.html');
  });

  it('cuts HTML at its headings and cites them', async () => {
    const hit = (await open()).search('light pollution milky way')[0]!;
    expect(hit).toMatchObject({ path: 'notes/astronomy.html', heading: 'Astronomy for beginners › Dark skies' });
    expect(hit.text).not.toContain('<p>');
  });

  it('restricts a search to a file or folder', async () => {
    await open();
    expect(corpus!.search('check', { path: 'notes' }).every((h) => h.path.startsWith('notes/'))).toBe(true);
    expect(corpus!.search('tomatoes', { path: 'notes/bicycles.txt' })).toEqual([]);
  });

  it('refuses paths that leave the corpus, before reading anything', async () => {
    fs.symlinkSync(path.join(outside, 'secret.md'), path.join(dir, 'link.md'));
    fs.symlinkSync(outside, path.join(dir, 'linked-dir'));
    await open();
    // The links are not indexed: the secret never reaches a search result.
    expect(corpus!.search('hunter2')).toEqual([]);
    for (const bad of ['../outside/secret.md', '../../etc/passwd', '/etc/passwd', 'notes/../../outside/secret.md', 'link.md', 'linked-dir/secret.md', 'a\0b']) {
      expect(() => corpus!.read(bad), bad).toThrow(expect.objectContaining({ code: 'validation_error', status: 400 }));
    }
    expect(() => corpus!.search('x', { path: '../outside' })).toThrow(expect.objectContaining({ code: 'validation_error' }));
    expect(() => corpus!.read('missing.md')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(corpus!.read('notes/bicycles.txt', { start_line: 3, end_line: 3 }).text).toContain('tyre pressure');
  });

  it('keeps the index current when files change', async () => {
    await open(true);
    fs.writeFileSync(path.join(dir, 'notes', 'bread.md'), '# Bread\n\nSourdough needs a lively starter and a long, cool rise.\n');
    await waitFor(() => corpus!.search('sourdough starter')[0]?.path === 'notes/bread.md', 5000, 50);
    fs.writeFileSync(path.join(dir, 'gardening.md'), '# Gardening\n\nOnly potatoes now.\n');
    await waitFor(() => corpus!.documentFrequency('tomatoes') === 0, 5000, 50);
    fs.rmSync(path.join(dir, 'notes', 'bread.md'));
    await waitFor(() => corpus!.search('sourdough').length === 0, 5000, 50);
    expect(corpus!.documentFrequency('sourdough')).toBe(0);
    expect(corpus!.documentFrequency('potatoes')).toBe(1);
  });
});

describe('splitMarkdown', () => {
  it('keeps heading trails, ignores # inside code fences, and numbers lines from 1', async () => {
    const passages = splitMarkdown('g.md', fs.readFileSync(path.join(FIXTURE, 'gardening.md'), 'utf8'));
    expect(passages.map((p) => p.heading)).toEqual(['Gardening notes', 'Gardening notes › Tomatoes', 'Gardening notes › Composting']);
    expect(passages[0]!.startLine).toBe(1);
    expect(passages[2]!.text).toContain('# not a heading');
  });
});
