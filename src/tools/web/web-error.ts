import { AppError } from '../../errors.js';

/**
 * A web tool call that failed for a reason worth telling the caller (an agent reads it as the
 * tool's error): a search backend that answered an error or not at all, a refused address, a page
 * too large, of a type not read, or too slow. The message never carries an API key.
 */
export class WebToolError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('web_tool_failed', 502, message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** A byte count as people write limits: `5 MB`, `512 KB`, `1500 bytes`. */
export function formatBytes(bytes: number): string {
  const MB = 1024 * 1024;
  if (bytes >= MB && bytes % MB === 0) return `${bytes / MB} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}
