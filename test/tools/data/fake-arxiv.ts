/**
 * Answers as arXiv's API (`/api/query`) does, per the arXiv API User's Manual: Atom 1.0 with the
 * OpenSearch and arxiv namespaces, `opensearch:totalResults` 0 and no entries when nothing
 * matches, and errors as a feed with a single entry under `/api/errors`.
 */
import type { FakeAnswer } from './fake-api.js';

const FEED_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A feed head as arXiv writes it, the canonical query in its title and self link. */
function feed(params: URLSearchParams, total: number, entries: string[]): string {
  const query = `search_query=${params.get('search_query') ?? ''}&id_list=&start=${params.get('start') ?? 0}&max_results=${params.get('max_results') ?? 10}`;
  return [
    FEED_OPEN,
    `  <link href="http://arxiv.org/api/query?${escapeXml(encodeURIComponent(query))}" rel="self" type="application/atom+xml"/>`,
    `  <title type="html">ArXiv Query: ${escapeXml(query)}</title>`,
    '  <id>http://arxiv.org/api/7vBvA6u3hcZ8b2MjkBXQ5tNPyL8</id>',
    '  <updated>2025-06-02T00:00:00-04:00</updated>',
    `  <opensearch:totalResults>${total}</opensearch:totalResults>`,
    `  <opensearch:startIndex>${params.get('start') ?? 0}</opensearch:startIndex>`,
    `  <opensearch:itemsPerPage>${entries.length}</opensearch:itemsPerPage>`,
    ...entries,
    '</feed>\n',
  ].join('\n');
}

const atom = (body: string, status = 200): FakeAnswer => ({ status, headers: { 'Content-Type': 'application/atom+xml; charset=utf-8' }, body });

/** A new-style id, three authors (one with an affiliation), a DOI link before the abstract link, a title over two lines. */
export const SURFACE_CODE_ENTRY = `  <entry>
    <id>http://arxiv.org/abs/2101.00001v2</id>
    <updated>2021-03-15T18:00:02Z</updated>
    <published>2021-01-01T00:00:01Z</published>
    <title>Fault-Tolerant Thresholds for  Surface Codes
  under Biased Noise</title>
    <summary>  We estimate thresholds of the surface code when dephasing dominates, and show
that tailoring the decoder raises them by a factor of 2 &lt; k &lt; 3 for
realistic noise &amp; hardware.
</summary>
    <author>
      <name>Ana María Núñez</name>
      <arxiv:affiliation>Universidad de Chile</arxiv:affiliation>
    </author>
    <author>
      <name>Benjamin J. Brown</name>
    </author>
    <author>
      <name>Chen Wei</name>
    </author>
    <arxiv:doi>10.1103/PhysRevX.11.011001</arxiv:doi>
    <link title="doi" href="http://dx.doi.org/10.1103/PhysRevX.11.011001" rel="related"/>
    <link href="http://arxiv.org/abs/2101.00001v2" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/2101.00001v2" rel="related" type="application/pdf"/>
    <arxiv:comment>14 pages, 9 figures</arxiv:comment>
    <arxiv:journal_ref>Phys. Rev. X 11, 011001 (2021)</arxiv:journal_ref>
    <arxiv:primary_category term="quant-ph" scheme="http://arxiv.org/schemas/atom"/>
    <category term="quant-ph" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cond-mat.str-el" scheme="http://arxiv.org/schemas/atom"/>
  </entry>`;

/** An old-style id with its archive, a collaboration as author, a date with a UTC offset. */
export const H1_ENTRY = `  <entry xmlns="http://www.w3.org/2005/Atom">
    <id xmlns="http://www.w3.org/2005/Atom">http://arxiv.org/abs/hep-ex/0307015v1</id>
    <updated xmlns="http://www.w3.org/2005/Atom">2003-07-07T13:46:39-04:00</updated>
    <published xmlns="http://www.w3.org/2005/Atom">2003-07-07T13:46:39-04:00</published>
    <title xmlns="http://www.w3.org/2005/Atom">Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA</title>
    <summary xmlns="http://www.w3.org/2005/Atom"><![CDATA[Events with two or three electrons at high transverse momentum are counted
and compared with the Standard Model.]]></summary>
    <author xmlns="http://www.w3.org/2005/Atom"><name xmlns="http://www.w3.org/2005/Atom">H1 Collaboration</name></author>
    <link xmlns="http://www.w3.org/2005/Atom" href="http://arxiv.org/abs/hep-ex/0307015v1" rel="alternate" type="text/html"/>
    <link xmlns="http://www.w3.org/2005/Atom" title="pdf" href="http://arxiv.org/pdf/hep-ex/0307015v1" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="hep-ex" scheme="http://arxiv.org/schemas/atom"/>
  </entry>`;

/** The error feed of the manual's section 3.4, for `message`. */
export function arxivErrorFeed(params: URLSearchParams, message: string): string {
  const slug = message.replace(/\s+/g, '_');
  const entry = `  <entry>
    <id>http://arxiv.org/api/errors#${escapeXml(slug)}</id>
    <title>Error</title>
    <summary>${escapeXml(message)}</summary>
    <updated>2025-06-02T00:00:00-04:00</updated>
    <link href="http://arxiv.org/api/errors#${escapeXml(slug)}" rel="alternate" type="text/html"/>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>`;
  return feed(params, 1, [entry]);
}

/**
 * A handler for `startFakeApi`: `entries` for a query that mentions any of `terms`, the no-results
 * feed otherwise, and arXiv's error feed for a bad `start` or `max_results`.
 */
export function arxiv(entries: string[], terms: string[]): (url: URL) => FakeAnswer {
  return (url) => {
    const params = url.searchParams;
    if (url.pathname !== '/api/query') return { status: 404, headers: { 'Content-Type': 'text/html' }, body: '<html><body>Not Found</body></html>' };
    const max = Number(params.get('max_results') ?? 10);
    if (!Number.isInteger(max)) return atom(arxivErrorFeed(params, 'max_results must be an integer'), 400);
    if (max < 0) return atom(arxivErrorFeed(params, 'max_results must be non-negative'), 400);
    const query = (params.get('search_query') ?? '').toLowerCase();
    const hits = terms.some((t) => query.includes(t)) ? entries.slice(0, max) : [];
    return atom(feed(params, hits.length ? 4213 : 0, hits));
  };
}

/** An arXiv answer of status 200 with `body` as Atom. */
export const atomAnswer = (body: string): FakeAnswer => atom(body);
export const errorFeedAnswer = (message: string): FakeAnswer => atom(arxivErrorFeed(new URLSearchParams({ search_query: 'all:x' }), message));
