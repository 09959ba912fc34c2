import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { WebToolError } from '../../../src/tools/web/index.js';
import { renderPdf } from '../../../scripts/fixtures/write-pdf.js';
import { BLOG, blogPostHtml, NEWS, newsArticleHtml } from './article-pages.js';
import { closeAllServers, listen, type LocalServer } from './local-server.js';
import { rejection, webConfig, webRegistry } from './web-helpers.js';

afterEach(closeAllServers);

const MB = 1024 * 1024;
type Fetched = { url: string; final_url: string; title: string; byline?: string; published?: string; text: string };

/** fetch_url with private addresses allowed: these pages are on loopback. */
function fetchTool(fetch: Partial<ReturnType<typeof webConfig>['fetch']> = {}) {
  const { registry, logs } = webRegistry(webConfig({ fetch: { allowPrivate: true, timeoutMs: 15_000, maxBytes: 5 * MB, ...fetch } }));
  return { fetchUrl: (url: string, signal?: AbortSignal) => registry.execute('fetch_url', { url }, { signal }) as Promise<Fetched>, logs };
}

/** A site answering each path with a fixed body and content type. */
function site(pages: Record<string, { type?: string; body: string | Buffer; headers?: Record<string, string> }>): Promise<LocalServer> {
  return listen((req, res) => {
    const page = pages[req.path];
    if (!page) return void res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
    res.writeHead(200, { ...(page.type ? { 'content-type': page.type } : {}), ...page.headers }).end(page.body);
  });
}

describe('fetch_url reads the main text of an article page', () => {
  it('keeps a news article (<article>) and drops header, nav, cookie banner, sidebar, footer and scripts', async () => {
    const server = await site({ '/2024/03/harbor': { type: 'text/html; charset=utf-8', body: newsArticleHtml() } });
    const page = await fetchTool().fetchUrl(`${server.url}/2024/03/harbor`);
    expect(page).toMatchObject({ url: `${server.url}/2024/03/harbor`, final_url: `${server.url}/2024/03/harbor`, title: NEWS.title, byline: NEWS.byline, published: NEWS.published });
    for (const paragraph of NEWS.main) expect(page.text).toContain(paragraph);
    // Paragraphs stay paragraphs: a blank line apart, in order.
    expect(page.text).toContain(`${NEWS.main[0]}\n\n${NEWS.main[1]}`);
    for (const chrome of NEWS.chrome) expect(page.text).not.toContain(chrome);
    expect(page.text).not.toMatch(/<[a-z]/i);
  });

  it('keeps a blog post built of divs only, with its list, and takes byline and date from its JSON-LD', async () => {
    const server = await site({ '/posts/morning-build.html': { type: 'text/html', body: blogPostHtml() } });
    const page = await fetchTool().fetchUrl(`${server.url}/posts/morning-build.html`);
    expect(page).toMatchObject({ title: BLOG.title, byline: BLOG.byline, published: BLOG.published });
    for (const paragraph of BLOG.main) expect(page.text).toContain(paragraph);
    expect(page.text).toContain(BLOG.items.map((i) => `- ${i}`).join('\n'));
    for (const chrome of BLOG.chrome) expect(page.text).not.toContain(chrome);
  });

  it('decodes the charset the response names', async () => {
    const html = '<html><head><title>Caf\xe9 opening</title></head><body><article><p>' + 'The caf\xe9 on the quay opens in May, say the owners. '.repeat(12) + '</p></article></body></html>';
    const server = await site({ '/cafe': { type: 'text/html; charset=iso-8859-1', body: Buffer.from(html, 'latin1') } });
    const page = await fetchTool().fetchUrl(`${server.url}/cafe`);
    expect(page.title).toBe('Café opening');
    expect(page.text).toContain('The café on the quay opens in May');
  });

  it('reads a gzip-encoded page', async () => {
    const server = await site({ '/gz': { type: 'text/html', body: gzipSync(newsArticleHtml()), headers: { 'content-encoding': 'gzip' } } });
    expect((await fetchTool().fetchUrl(`${server.url}/gz`)).text).toContain(NEWS.main[2]);
  });
});

describe('fetch_url reads PDF and plain text, and refuses other types', () => {
  const pdf = () =>
    renderPdf(
      {
        path: 'survey.pdf',
        title: 'North Harbor Sediment Survey 2024',
        blocks: [
          { kind: 'paragraph', text: 'Core samples from the north channel show an average silt depth of 2.4 metres, twice the 2019 figure.' },
          { kind: 'paragraph', text: 'The survey recommends dredging before the autumn storms.' },
        ],
      },
      new Date('2024-02-01T00:00:00Z'),
    );

  it('reads a PDF through the corpus’s PDF reader, by content type or by its %PDF magic', async () => {
    const bytes = await pdf();
    const server = await site({ '/survey.pdf': { type: 'application/pdf', body: bytes }, '/download?id=7': { type: 'application/octet-stream', body: bytes }, '/dl': { type: 'application/octet-stream', body: bytes } });
    const { fetchUrl } = fetchTool();
    for (const path of ['/survey.pdf', '/dl']) {
      const page = await fetchUrl(`${server.url}${path}`);
      expect(page.title).toBe('North Harbor Sediment Survey 2024');
      expect(page.text).toContain('average silt depth of 2.4 metres, twice the 2019 figure.');
      expect(page.text).toContain('The survey recommends dredging before the autumn storms.');
    }
  });

  it('passes plain text through, titled by its file name, and cuts very long text', async () => {
    const long = 'Tide table line.\n'.repeat(8000);
    const server = await site({ '/notes/tides.txt': { type: 'text/plain; charset=utf-8', body: 'High water 06:12.\n\nLow water 12:30.\n' }, '/long.txt': { type: 'text/plain', body: long } });
    const { fetchUrl } = fetchTool();
    expect(await fetchUrl(`${server.url}/notes/tides.txt`)).toMatchObject({ title: 'tides.txt', text: 'High water 06:12.\n\nLow water 12:30.' });
    const cut = await fetchUrl(`${server.url}/long.txt`);
    expect(long.length).toBeGreaterThan(100_000);
    expect(cut.text.length).toBeLessThan(100_200);
    expect(cut.text).toMatch(/\[cut: the page's text continues past 100000 characters\]$/);
  });

  it.each([
    ['image/png', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')],
    ['application/zip', Buffer.from('504b0304140000000800', 'hex')],
    ['application/octet-stream', Buffer.from('00010203040506070809', 'hex')],
    ['application/json', Buffer.from('{"a":1}')],
  ])('refuses %s with a tool error naming the type', async (type, body) => {
    const server = await site({ '/file': { type, body } });
    const error = await rejection(fetchTool().fetchUrl(`${server.url}/file`));
    expect(error).toBeInstanceOf(WebToolError);
    expect(error.message).toBe(`fetch_url reads HTML, PDF and plain-text pages only; ${server.url}/file is "${type}"`);
  });

  it('an error status is a tool error', async () => {
    const server = await site({});
    expect((await rejection(fetchTool().fetchUrl(`${server.url}/missing`))).message).toBe(`fetch_url: ${server.url}/missing answered HTTP 404`);
  });
});

describe('fetch_url limits', () => {
  it('refuses a body over the limit from its Content-Length, without reading it', async () => {
    const server = await site({ '/big.html': { type: 'text/html', body: Buffer.alloc(5 * MB + 1, 'a') } });
    expect((await rejection(fetchTool().fetchUrl(`${server.url}/big.html`))).message).toBe('the page is larger than 5 MB');
  });

  it('stops reading an endless body at the limit', async () => {
    let closed = false;
    const server = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const chunk = Buffer.alloc(64 * 1024, 'b');
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.once('close', () => (closed = true));
      pump();
    });
    const error = await rejection(fetchTool({ maxBytes: MB }).fetchUrl(`${server.url}/endless`));
    expect(error.message).toBe('the page is larger than 1 MB');
    // The client hung up: the server's writes end (a client that kept reading would leave this spinning).
    while (!closed) await new Promise((r) => setTimeout(r, 5));
  });

  it('counts the decompressed size: a small gzip body that inflates past the limit is refused', async () => {
    const bomb = gzipSync(Buffer.alloc(8 * MB, ' '));
    expect(bomb.length).toBeLessThan(MB);
    const server = await site({ '/bomb': { type: 'text/html', body: bomb, headers: { 'content-encoding': 'gzip' } } });
    expect((await rejection(fetchTool().fetchUrl(`${server.url}/bomb`))).message).toBe('the page is larger than 5 MB');
  });

  it('gives up on a server that never answers, and on one that stops halfway', async () => {
    const server = await listen((req, res) => {
      if (req.path === '/half') res.writeHead(200, { 'content-type': 'text/html' }).write('<html><body><p>The first half');
    });
    const { fetchUrl } = fetchTool({ timeoutMs: 300 });
    expect((await rejection(fetchUrl(`${server.url}/never`))).message).toBe(`fetch_url: ${server.url}/never did not answer within 300 ms`);
    expect((await rejection(fetchUrl(`${server.url}/half`))).message).toBe(`fetch_url: ${server.url}/half did not answer within 300 ms`);
  });

  it('stops when the caller aborts, with the caller’s reason', async () => {
    const server = await listen(() => undefined);
    const controller = new AbortController();
    const pending = fetchTool().fetchUrl(`${server.url}/slow`, controller.signal);
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('task cancelled'));
    expect((await rejection(pending)).message).toBe('task cancelled');
  });
});
