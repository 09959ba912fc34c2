import { AppError } from '../../errors.js';

/** Which data source a tool asked. */
export type DataSourceName = 'wikipedia' | 'arxiv';

/**
 * A data source (Wikipedia's or arXiv's API) could not answer the search: it answered an HTTP
 * error, did not answer in time, could not be reached, or answered something unreadable. The
 * message says which and is meant for the caller (an agent reads it as the tool's error;
 * `execute_registered_tool` answers it as a 502): `wikipedia search failed: the API answered 503`.
 */
export class DataSourceError extends AppError {
  constructor(
    readonly source: DataSourceName,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('data_source_failed', 502, `${source} search failed: ${reason}`);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
