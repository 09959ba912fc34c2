import { NotFoundError } from '../errors.js';
import { toStoreError } from '../store/store-error.js';
import type { DocumentStore } from '../store/store.js';
import { FORMATS, type DocumentFormat, type DocumentReport } from './formats/index.js';
import { renderDocuments } from './formats/render-in-worker.js';
import type { AgentResult, DocumentError, DocumentRef, TaskRecord } from './task.js';

/**
 * The Markdown report of a task: its final synthesis (which ends with the task's numbered sources),
 * then each worker's findings, cited with the same numbers.
 */
export function renderMarkdownReport(record: TaskRecord, finalSynthesis: string, agents: AgentResult[]): string {
  const lines = [
    `# ${record.title}`,
    '',
    `_${record.pattern} · ${record.provider}/${record.model} · task ${record.task_id} · ${new Date().toISOString()}_`,
    '',
    // A synthesizer that wrote the title anyway does not get it twice.
    finalSynthesis.replace(/^#\s+.*\n+/, (h) => (h.slice(1).trim() === record.title.trim() ? '' : h)).trim(),
    '',
  ];
  const workers = agents.filter((a) => a.role === 'worker');
  if (workers.length) {
    lines.push('## Agent findings', '');
    for (const a of workers) {
      lines.push(`### ${a.agent_id}: ${a.subtask}`, '', a.status === 'completed' ? a.content.trim() : `_${a.status}: ${a.error?.message ?? ''}_`, '');
    }
  }
  return lines.join('\n');
}

/** The name a download gets: the title as an ASCII slug (`Café — 2024` → `cafe-2024`), and the format's extension. */
export function downloadFilename(title: string, taskId: string, format: DocumentFormat): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return `${slug || taskId}.${FORMATS[format].extension}`;
}

/** What `writeDocuments` got: the documents written, and the formats that failed to render. */
export interface WrittenDocuments {
  documents: DocumentRef[];
  errors: DocumentError[];
}

export interface WriteDocumentsOptions {
  signal?: AbortSignal;
  /** The renderer (tests replace it); by default {@link renderDocuments}. */
  render?: typeof renderDocuments;
}

/**
 * Render the report in each format and write the files. A format that fails to render is left
 * out and named in `errors` (the task keeps its result); a file that cannot be written (a full
 * disk) fails the task `store_unavailable`, as a database write would.
 */
export async function writeDocuments(store: DocumentStore, record: TaskRecord, markdown: string, formats: DocumentFormat[], options: WriteDocumentsOptions = {}): Promise<WrittenDocuments> {
  const report: DocumentReport = { taskId: record.task_id, title: record.title, created: new Date().toISOString(), markdown, sources: record.result?.sources ?? [] };
  const outcomes = await (options.render ?? renderDocuments)([...new Set(formats)], report, options.signal);
  const written: WrittenDocuments = { documents: [], errors: [] };
  for (const outcome of outcomes) {
    if ('error' in outcome) {
      written.errors.push({ format: outcome.format, code: 'render_failed', message: outcome.error });
      continue;
    }
    const { mimeType, extension } = FORMATS[outcome.format];
    try {
      await store.put(record.task_id, extension, Buffer.from(outcome.bytes));
    } catch (error) {
      throw toStoreError(error);
    }
    const size = outcome.bytes.byteLength;
    written.documents.push({ format: outcome.format, filename: `${record.task_id}.${extension}`, size, bytes: size, content_type: mimeType, url: `/tasks/${record.task_id}/documents/${outcome.format}` });
  }
  return written;
}

/** A stored document of a finished task: its bytes, or `not_found` naming why there are none. */
export async function readStoredDocument(store: DocumentStore, record: TaskRecord, format: DocumentFormat): Promise<Buffer> {
  const doc = record.result?.documents.find((d) => d.format === format);
  if (!doc) {
    const failed = record.result?.document_errors?.find((e) => e.format === format);
    throw new NotFoundError(`task ${record.task_id} has no ${format} document${failed ? `: ${failed.message}` : ''}`);
  }
  const content = await store.get(record.task_id, FORMATS[format].extension);
  if (!content) throw new NotFoundError(`the ${format} document of task ${record.task_id} is no longer stored`);
  return content;
}
