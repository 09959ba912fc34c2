import { z } from 'zod';
import type { Logger } from '../../logger.js';
import { defineTool, type RegisteredTool } from '../registry.js';
import type { SearchBackend } from './search-backends.js';
import { WebToolError } from './web-error.js';

/** `web_search`: hits of the configured backend (SearXNG, Brave or Tavily) as `{url, title, snippet, source}`. */
export function createWebSearchTool(backend: SearchBackend, logger: Logger): RegisteredTool {
  const log = logger.child({ tool: 'web_search', provider: backend.name });
  return defineTool({
    name: 'web_search',
    description:
      'Search the web. Returns up to `limit` results, each with url, title, a snippet and the search backend ' +
      '(source). Snippets are what the search engine shows, not the page: read a page with fetch_url before citing it.',
    category: 'web',
    source: 'web',
    tags: ['web', 'search'],
    inputSchema: z.strictObject({
      // Brave refuses queries over 400 characters; the other backends have no documented limit.
      query: z.string().trim().min(1).max(400).describe('What to search for'),
      limit: z.number().int().min(1).max(20).default(5).describe('How many results at most (1–20)'),
    }),
    async execute({ query, limit }, { signal }) {
      try {
        const results = await backend.search(query, limit, { signal });
        log.debug({ limit, count: results.length }, 'web search answered');
        return { results };
      } catch (error) {
        // The query is the agent's and may be sensitive: the log line names the failure only.
        if (error instanceof WebToolError) log.warn({ err: error.message }, 'web search failed');
        throw error;
      }
    },
  });
}
