/** The data tools: `wikipedia_search` and `arxiv_search`. */
export { createDataTools, DATA_TIMEOUT_MS, type DataToolEndpoints, type DataToolsOptions } from './data-tools.js';
export { DataSourceError } from './source-error.js';
export type { DataSearchOutput, DataSearchResult } from './search-result.js';
