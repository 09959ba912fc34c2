import type { Source } from '../task.js';

/** What every renderer gets: the task's Markdown report and what its title block and metadata need. */
export interface DocumentReport {
  taskId: string;
  title: string;
  /** When the report was written (ISO 8601): the documents' creation date. */
  created: string;
  /** The Markdown report (see `renderMarkdownReport`); every format renders these tokens. */
  markdown: string;
  /** The task's numbered sources: the `## Sources` list is rendered from them. */
  sources: Source[];
}

/** One document format: adding a format is a file exporting one of these, listed in `index.ts`. */
export interface DocumentFormatDefinition {
  /** File extension, without the dot. */
  extension: string;
  /** `Content-Type` of the route and `mimeType` of the MCP resource. */
  mimeType: string;
  /** Text formats are served as text (MCP `text`); binary ones as bytes (MCP `blob`, base64). */
  binary: boolean;
  /** Rendered in a worker thread (it takes CPU time); otherwise on the caller's thread. */
  heavy: boolean;
  render(report: DocumentReport): Promise<Uint8Array>;
}
