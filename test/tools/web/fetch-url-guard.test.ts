import type { LookupFunction } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { createToolRegistry } from '../../../src/tools/registry.js';
import { createFetchUrlTool, type FetchUrlOptions } from '../../../src/tools/web/fetch-url-tool.js';
import { WebToolError } from '../../../src/tools/web/index.js';
import type { ResolveAll } from '../../../src/webhooks/target-guard.js';
import { LogSink } from '../../helpers/test-server.js';
import { NEWS, newsArticleHtml } from './article-pages.js';
import { closeAllServers, listen, type LocalServer } from './local-server.js';
import { rejection, webConfig, webRegistry } from './web-helpers.js';

afterEach(closeAllServers);

const LIMITS = { timeoutMs: 15_000, maxBytes: 5 * 1024 * 1024 };

/** A page at `/article`, `/hop/N` redirecting N times before reaching it, and `/to?url=` redirecting anywhere. */
function redirectingSite(): Promise<LocalServer> {
  return listen((req, res) => {
    const hop = /^\/hop\/(\d+)$/.exec(req.path);
    if (hop) {
      const n = Number(hop[1]);
      // Relative and absolute locations, and every redirect status, along the way.
      const status = [301, 302, 303, 307, 308][n % 5] ?? 302;
      const next = n <= 1 ? '/article' : `/hop/${n - 1}`;
      return void res.writeHead(status, { location: n % 2 ? next : `http://${req.headers.host}${next}` }).end();
    }
    if (req.path === '/to') return void res.writeHead(302, { location: req.query.get('url') ?? '/' }).end();
    if (req.path === '/article') return void res.writeHead(200, { 'content-type': 'text/html' }).end(newsArticleHtml());
    res.writeHead(404).end();
  });
}

const fetchWith = (registry: ReturnType<typeof createToolRegistry>, url: string) => registry.execute('fetch_url', { url }) as Promise<{ final_url: string; text: string }>;

describe('fetch_url follows redirects by hand', () => {
  it('follows five, re-checking each hop, and answers where it ended up', async () => {
    const server = await redirectingSite();
    const { registry } = webRegistry(webConfig({ fetch: { allowPrivate: true, ...LIMITS } }));
    const page = await fetchWith(registry, `${server.url}/hop/5`);
    expect(page.final_url).toBe(`${server.url}/article`);
    expect(page.text).toContain(NEWS.main[0]);
    expect(server.requests.map((r) => r.path)).toEqual(['/hop/5', '/hop/4', '/hop/3', '/hop/2', '/hop/1', '/article']);
  });

  it('refuses a sixth', async () => {
    const server = await redirectingSite();
    const { registry } = webRegistry(webConfig({ fetch: { allowPrivate: true, ...LIMITS } }));
    const error = await rejection(fetchWith(registry, `${server.url}/hop/6`));
    expect(error.message).toBe(`fetch_url: ${server.url}/hop/6 redirects more than 5 times`);
    expect(server.requests.map((r) => r.path)).not.toContain('/article');
  });
});

/** A resolver with fixed answers (no DNS query leaves the machine). */
const resolver = (table: Record<string, string[]>): ResolveAll => async (host) => {
  const addresses = table[host];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

/** A connect-time lookup that sends every name to the loopback site: what a public name would reach. */
const toLoopback: LookupFunction = (_host, options, callback) =>
  options.all ? (callback as unknown as (e: null, a: object[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4);

function guardedTool(options: Partial<FetchUrlOptions>) {
  const logger = createLogger({ level: 'silent', destination: new LogSink() });
  return createToolRegistry([createFetchUrlTool({ allowPrivate: false, ...LIMITS, ...options }, logger)]);
}

describe('fetch_url checks every hop with the webhook target guard', () => {
  // news.example.test stands for a public site: the guard's resolver says it is public, the socket reaches the local fake.
  const resolve = resolver({ 'news.example.test': ['93.184.216.34'], 'intranet.example.test': ['10.1.2.3'], 'v6.example.test': ['2606:2800:220:1::1', 'fd00:ec2::254'] });

  it('reads a page of a public name (so the refusals below are the guard’s doing)', async () => {
    const server = await redirectingSite();
    const page = await fetchWith(guardedTool({ resolve, lookup: toLoopback }), `http://news.example.test:${server.port}/hop/2`);
    expect(page.final_url).toBe(`http://news.example.test:${server.port}/article`);
  });

  it.each([
    ['a name resolving to a private address', (port: number) => `http://intranet.example.test:${port}/secret`, /10\.1\.2\.3/],
    ['a name with a private IPv6 address among public ones', (port: number) => `http://v6.example.test:${port}/secret`, /fd00:ec2::254/],
    ['a loopback literal', (port: number) => `http://127.0.0.1:${port}/secret`, /127\.0\.0\.1/],
    ['an IPv4-mapped loopback', (port: number) => `http://[::ffff:127.0.0.1]:${port}/secret`, /::ffff:7f00:1/],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254/],
  ])('refuses a public page’s redirect to %s, at that hop', async (_what, target, reason) => {
    const server = await redirectingSite();
    const start = `http://news.example.test:${server.port}/to?url=${encodeURIComponent(target(server.port))}`;
    const error = await rejection(fetchWith(guardedTool({ resolve, lookup: toLoopback }), start));
    expect(error).toBeInstanceOf(WebToolError);
    expect(error.message).toMatch(/^fetch_url refused http:\/\/.* a private, loopback, link-local or reserved address \(set FETCH_ALLOW_PRIVATE=true to allow\)$/);
    expect(error.message).toMatch(reason);
    expect(server.requests.map((r) => r.path)).toEqual(['/to']);
  });

  it('refuses a redirect to another scheme', async () => {
    const server = await redirectingSite();
    const start = `http://news.example.test:${server.port}/to?url=${encodeURIComponent('file:///etc/passwd')}`;
    expect((await rejection(fetchWith(guardedTool({ resolve, lookup: toLoopback }), start))).message).toBe('fetch_url refused file:///etc/passwd: must be an http(s) URL');
  });

  it('checks the address it connects to as well: a name that passed the check but resolves to loopback now is refused (DNS rebinding)', async () => {
    const server = await redirectingSite();
    // The check sees a public address; the socket's own lookup (the guard's) then sees localhost's loopback one.
    const error = await rejection(fetchWith(guardedTool({ resolve: resolver({ localhost: ['93.184.216.34'] }) }), `http://localhost:${server.port}/article`));
    expect(error.message).toMatch(/^fetch_url refused http:\/\/localhost:\d+\/article: localhost now resolves to .*, a blocked address$/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('fetch_url with FETCH_ALLOW_PRIVATE=false', () => {
  it('refuses every address form the webhook guard refuses, and nothing reaches the local server', async () => {
    const server = await redirectingSite();
    const { registry } = webRegistry(webConfig());
    const p = server.port;
    const urls = [
      `http://127.0.0.1:${p}/article`,
      `http://localhost:${p}/article`,
      `http://[::1]:${p}/article`,
      `http://0.0.0.0:${p}/article`,
      `http://127.1:${p}/article`,
      `http://2130706433:${p}/article`, // decimal
      `http://017700000001:${p}/article`, // octal
      `http://0177.0.0.1:${p}/article`,
      `http://0x7f000001:${p}/article`, // hex
      `http://0x7f.1:${p}/article`,
      `http://[::ffff:127.0.0.1]:${p}/article`, // IPv4-mapped IPv6
      `http://[::ffff:7f00:1]:${p}/article`,
      `http://[64:ff9b::7f00:1]:${p}/article`, // NAT64
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/latest/meta-data/',
      'http://10.0.0.1/',
      'http://172.16.0.1/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://[fe80::1]/',
      'http://[fc00::1]/',
    ];
    for (const url of urls) {
      const error = await rejection(fetchWith(registry, url));
      expect(error, url).toBeInstanceOf(WebToolError);
      expect(error.message, url).toMatch(/^fetch_url refused .*, a private, loopback, link-local or reserved address \(set FETCH_ALLOW_PRIVATE=true to allow\)$/);
    }
    expect(server.requests).toHaveLength(0);
    // The same server is reachable once private addresses are allowed.
    const open = webRegistry(webConfig({ fetch: { allowPrivate: true, ...LIMITS } }));
    expect((await fetchWith(open.registry, `http://127.0.0.1:${p}/article`)).text).toContain(NEWS.main[0]);
  });

  it.each(['file:///etc/passwd', 'ftp://127.0.0.1/', 'gopher://127.0.0.1:70/', 'data:text/html,<p>x</p>', 'javascript:alert(1)', '/relative/path', 'not a url'])(
    'refuses %s before any request, as an invalid argument',
    async (url) => {
      const { registry } = webRegistry(webConfig({ fetch: { allowPrivate: true, ...LIMITS } }));
      expect(await rejection(fetchWith(registry, url))).toBeInstanceOf(ValidationError);
    },
  );
});
