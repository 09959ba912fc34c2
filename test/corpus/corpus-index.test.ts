import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCorpusIndex, type CorpusIndex } from '../../src/corpus/corpus-index.js';
import { parseBlocks } from '../../src/corpus/blocks.js';
import { passagesOf } from '../../src/corpus/passages.js';
import { stem } from '../../src/corpus/text.js';
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
      await expect(corpus!.read(bad), bad).rejects.toMatchObject({ code: 'validation_error', status: 400 });
    }
    expect(() => corpus!.search('x', { path: '../outside' })).toThrow(expect.objectContaining({ code: 'validation_error' }));
    await expect(corpus!.read('missing.md')).rejects.toMatchObject({ code: 'not_found' });
    expect((await corpus!.read('notes/bicycles.txt', { start_line: 3, end_line: 3 })).text).toContain('tyre pressure');
  });

  it('reads by the index\'s own rules: no dotfiles, keys or other extensions; a folder is a 400', async () => {
    fs.writeFileSync(path.join(dir, '.env'), 'OPENAI_API_KEY=sk-secret\n');
    fs.mkdirSync(path.join(dir, '.git'));
    fs.writeFileSync(path.join(dir, '.git', 'config'), '[remote "origin"]\n');
    fs.writeFileSync(path.join(dir, 'id_rsa'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
    fs.writeFileSync(path.join(dir, '.hidden.md'), '# Hidden\n\nThe vault code is 4711.\n');
    fs.mkdirSync(path.join(dir, 'folder.md'));
    await open();
    expect(corpus!.search('4711')).toEqual([]);
    expect(corpus!.search('origin')).toEqual([]);
    for (const bad of ['.env', '.git/config', 'id_rsa', '.hidden.md', 'ignored.json', 'notes/.', 'folder.md']) {
      await expect(corpus!.read(bad), bad).rejects.toMatchObject({ status: 400 });
    }
    await expect(corpus!.read('folder.md')).rejects.toThrow(/folder/);
  });

  it('refuses a FIFO named *.md at once instead of waiting for a writer', async () => {
    execFileSync('mkfifo', [path.join(dir, 'pipe.md')]);
    await open();
    // Without O_NONBLOCK and the fstat check this open never returns (the test times out).
    await expect(corpus!.read('pipe.md')).rejects.toMatchObject({ status: 400 });
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

describe('passages', () => {
  it('keep heading trails, ignore # inside code fences, and number lines from 1', () => {
    const passages = passagesOf('g.md', parseBlocks(fs.readFileSync(path.join(FIXTURE, 'gardening.md'), 'utf8')));
    expect([...new Set(passages.map((p) => p.heading))]).toEqual(['Gardening notes', 'Gardening notes › Tomatoes', 'Gardening notes › Composting']);
    // Line numbers are the file's: each passage's first words stand on its first line.
    const lines = fs.readFileSync(path.join(FIXTURE, 'gardening.md'), 'utf8').split('\n');
    for (const p of passages) expect(lines[p.startLine - 1]).toContain(p.text.split('\n')[0]!.split(/\s+/).slice(0, 2).join(' '));
    expect(passages.some((p) => p.kind === 'code' && p.text.includes('# not a heading'))).toBe(true);
  });

  it('make each table row a passage that keeps its column names and its own line', () => {
    const md = '# Funding\n\n| Round | Date | Amount | Lead investor |\n|---|---|---|---|\n| Series A | Jan 2021 | $12M | Alder Partners |\n| Series B | Mar 2023 | $40M | Northwind Capital |\n';
    const rows = passagesOf('f.md', parseBlocks(md)).filter((p) => p.kind === 'row');
    expect(rows.map((r) => r.text)).toEqual([
      'Round: Series A; Date: Jan 2021; Amount: $12M; Lead investor: Alder Partners.',
      'Round: Series B; Date: Mar 2023; Amount: $40M; Lead investor: Northwind Capital.',
    ]);
    expect(rows.map((r) => [r.startLine, r.endLine])).toEqual([[5, 5], [6, 6]]);
  });

  it('keep a list or code block whole with the sentence that introduces it, and rejoin wrapped lines', () => {
    const md = '# Ops\n\nBackups run nightly and are\nkept for thirty days.\n\nTo back up by hand:\n\n1. Stop the\n   service.\n2. Copy the file:\n\n   ```sh\n   cp a b\n   ```\n';
    const passages = passagesOf('o.md', parseBlocks(md));
    expect(passages[0]).toMatchObject({ kind: 'prose', text: 'Backups run nightly and are kept for thirty days.', startLine: 3, endLine: 4 });
    expect(passages[1]).toMatchObject({ kind: 'list', startLine: 6, endLine: 14 });
    expect(passages[1]!.text).toMatch(/^To back up by hand:\n\n1\. Stop the service\.\n2\. Copy the file:\n {2}```sh\n {2}cp a b/);
  });
});

describe('stemming', () => {
  it('gives a stem as its own stem, so a word and its index key have the same frequency (was: "kestre" counted 0)', async () => {
    fs.writeFileSync(path.join(dir, 'fleet.md'), '# Fleet\n\nThe Kestrel fleet is backed up nightly through the channel.\n');
    await open();
    for (const word of ['kestrel', 'channel', 'maintenance', 'raised', 'financials', 'policies']) expect(stem(stem(word))).toBe(stem(word));
    expect(corpus!.documentFrequency('Kestrel')).toBe(1);
    expect(corpus!.documentFrequency(stem('Kestrel'))).toBe(1);
    expect(corpus!.documentFrequency(stem('channel'))).toBe(1);
  });

  it('meets a word in its other forms: a silent e, an irregular past', () => {
    expect(new Set(['raise', 'raises', 'raised'].map(stem)).size).toBe(1);
    expect(new Set(['price', 'prices', 'priced'].map(stem)).size).toBe(1);
    expect(stem('led')).toBe(stem('lead'));
    expect(stem('sold')).toBe(stem('sell'));
    // "found" is also a word of its own ("founded in 2017"): it is not taken for "find".
    expect(stem('founded')).not.toBe(stem('find'));
  });
});
