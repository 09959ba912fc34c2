/** The web tools: `web_search` (when a backend is configured) and `fetch_url`. */
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { RegisteredTool } from '../registry.js';
import { createFetchUrlTool } from './fetch-url-tool.js';
import { createSearchBackend } from './search-backends.js';
import { createWebSearchTool } from './web-search-tool.js';

export { WebToolError } from './web-error.js';
export type { WebSearchResult } from './search-backends.js';
export type { FetchUrlResult } from './page-content.js';

/**
 * The web tools for the registry (category `web`, source `web`): `fetch_url` always, `web_search`
 * when `web.provider` names a backend (SearXNG, Brave or Tavily) with its URL or key.
 */
export function createWebTools(web: Config['web'], logger: Logger): RegisteredTool[] {
  const tools = [createFetchUrlTool(web.fetch, logger)];
  const backend = web.provider ? createSearchBackend(web) : undefined;
  if (backend) tools.unshift(createWebSearchTool(backend, logger));
  return tools;
}
