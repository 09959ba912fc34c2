import { z } from 'zod';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { defineTool, type RegisteredTool } from '../registry.js';
import { fetchGuarded, type GuardedFetchOptions } from './guarded-fetch.js';
import { toFetchUrlResult } from './page-content.js';
import { formatBytes, WebToolError } from './web-error.js';

/** What `createFetchUrlTool` needs: the limits, and (tests only) the guard's resolver and lookup. */
export type FetchUrlOptions = Config['web']['fetch'] & Pick<GuardedFetchOptions, 'resolve' | 'lookup'>;

const httpUrl = z
  .string()
  .trim()
  .min(1)
  .max(8192)
  .refine((v) => /^https?:\/\//i.test(v) && URL.canParse(v), 'must be an absolute http(s) URL');

/** `fetch_url`: one page's main text (HTML through Readability, PDF, plain text), through the SSRF guard. */
export function createFetchUrlTool(options: FetchUrlOptions, logger: Logger): RegisteredTool {
  const log = logger.child({ tool: 'fetch_url' });
  return defineTool({
    name: 'fetch_url',
    description:
      'Read one web page (http or https): its main text without navigation, ads and footers, with title, byline and ' +
      'publication time when the page states them. Reads HTML, PDF and plain text; other types are refused. ' +
      `Redirects are followed; private and internal addresses are refused. At most ${formatBytes(options.maxBytes)} ` +
      `and ${Math.round(options.timeoutMs / 1000)} s a page.`,
    category: 'web',
    source: 'web',
    tags: ['web', 'fetch'],
    inputSchema: z.strictObject({ url: httpUrl.describe('The page to read: an absolute http(s) URL') }),
    async execute({ url }, { signal }) {
      try {
        const page = await fetchGuarded(url, { ...options, signal });
        const result = await toFetchUrlResult(page);
        log.debug({ final_url: result.final_url, bytes: page.body.length, chars: result.text.length }, 'page fetched');
        return result;
      } catch (error) {
        if (error instanceof WebToolError) log.info({ err: error.message }, 'fetch_url failed');
        throw error;
      }
    },
  });
}
