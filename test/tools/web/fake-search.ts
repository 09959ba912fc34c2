/**
 * Local stand-ins for the three search backends, answering as their documentation shows:
 * SearXNG's Search API (docs.searxng.org/dev/search_api), Brave's Web Search API
 * (api-dashboard.search.brave.com/api-reference/web/search/get) and Tavily's `/search`
 * (docs.tavily.com/documentation/api-reference/endpoint/search).
 */
import { listen, sendJson, type LocalServer } from './local-server.js';

/** What every backend "finds": eight pages, so limits have something to cut. */
export const HITS = Array.from({ length: 8 }, (_, i) => ({
  url: `https://harbor.example.org/news/${i + 1}`,
  title: `Harbor report ${i + 1}`,
  text: `The port authority published figure ${i + 1} for the north harbor & its ferries.`,
}));

/** Make the next answers fail: a status, or never answering. */
export interface FakeBackend extends LocalServer {
  failWith(status: number | 'hang' | 'not-json' | undefined): void;
}

type Failure = number | 'hang' | 'not-json' | undefined;

async function fake(answer: Parameters<typeof listen>[0]): Promise<FakeBackend> {
  let failure: Failure;
  const server = await listen((req, res) => {
    if (failure === 'hang') return;
    if (failure === 'not-json') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Too many requests</body></html>');
    if (typeof failure === 'number') return sendJson(res, failure, { error: 'failing on purpose' });
    return answer(req, res);
  });
  return Object.assign(server, { failWith: (f: Failure) => void (failure = f) });
}

/** SearXNG: `GET <prefix>/search?q=…&format=json`; 403 when `format` is not an enabled format (`json` is). */
export function startFakeSearxng(prefix = ''): Promise<FakeBackend> {
  return fake((req, res) => {
    if (req.path !== `${prefix}/search` || !req.query.get('q')) return sendJson(res, 400, { error: 'bad request' });
    if (req.query.get('format') !== 'json') return void res.writeHead(403).end('403 Forbidden');
    const results = HITS.map((h, i) => ({
      url: h.url,
      title: h.title,
      content: h.text,
      engine: 'duckduckgo',
      parsed_url: ['https', 'harbor.example.org', `/news/${i + 1}`, '', '', ''],
      template: 'default.html',
      engines: ['duckduckgo', 'bing'],
      positions: [i + 1],
      score: 8 - i,
      category: 'general',
      publishedDate: null,
    }));
    sendJson(res, 200, { query: req.query.get('q'), number_of_results: 0, results, answers: [], corrections: [], infoboxes: [], suggestions: [], unresponsive_engines: [] });
  });
}

const braveResult = (h: (typeof HITS)[number]) => ({
  title: h.title,
  url: h.url,
  is_source_local: false,
  is_source_both: false,
  // Brave marks the query's words in descriptions with <strong>.
  description: h.text.replace('north harbor', '<strong>north harbor</strong>').replace('&', '&amp;'),
  page_age: '2024-03-05T09:00:00',
  profile: { name: 'Harbor News', url: h.url, long_name: 'harbor.example.org', img: 'https://imgs.search.brave.com/x.png' },
  language: 'en',
  family_friendly: true,
  type: 'search_result',
  subtype: 'generic',
  meta_url: { scheme: 'https', netloc: 'harbor.example.org', hostname: 'harbor.example.org', favicon: 'https://imgs.search.brave.com/f.png', path: '› news' },
});

/** Brave: `GET ?q=…&count=…` with `X-Subscription-Token`; 401 `SUBSCRIPTION_TOKEN_INVALID` otherwise; no `web` when nothing is found. */
export function startFakeBrave(token: string): Promise<FakeBackend> {
  return fake((req, res) => {
    if (req.headers['x-subscription-token'] !== token) {
      const error = { id: 'e1', status: 401, code: 'SUBSCRIPTION_TOKEN_INVALID', detail: 'The provided subscription token is invalid.', meta: { component: 'authentication' } };
      return sendJson(res, 401, { type: 'ErrorResponse', error, time: 1710000000 });
    }
    const q = req.query.get('q') ?? '';
    const count = Math.min(Number(req.query.get('count') ?? 20), 20);
    const query = { original: q, show_strict_warning: false, is_navigational: false, more_results_available: true };
    if (q === 'nothing at all') return sendJson(res, 200, { type: 'search', query, mixed: { type: 'mixed', main: [] } });
    const results = HITS.slice(0, count).map(braveResult);
    const mixed = { type: 'mixed', main: results.map((_, index) => ({ type: 'web', index, all: false })) };
    sendJson(res, 200, { type: 'search', query, mixed, web: { type: 'search', results, family_friendly: true } }, { 'x-ratelimit-remaining': '1, 1999' });
  });
}

/** Tavily: `POST` JSON `{query, max_results}` with `Authorization: Bearer <key>`; 401 otherwise. */
export function startFakeTavily(key: string): Promise<FakeBackend> {
  return fake((req, res) => {
    if (req.method !== 'POST') return sendJson(res, 405, { detail: 'Method Not Allowed' });
    if (req.headers.authorization !== `Bearer ${key}`) return sendJson(res, 401, { detail: { error: 'Unauthorized: missing or invalid API key.' } });
    const body = JSON.parse(req.body) as { query?: string; max_results?: number };
    if (!body.query) return sendJson(res, 400, { detail: { error: 'Query is missing.' } });
    const results = HITS.slice(0, body.max_results ?? 5).map((h, i) => ({ title: h.title, url: h.url, content: h.text, score: 0.9 - i / 20, raw_content: null }));
    sendJson(res, 200, { query: body.query, follow_up_questions: null, answer: null, images: [], results, response_time: '1.67', request_id: 'req-1' });
  });
}
