/**
 * The worker thread that renders documents (see `render-in-worker.ts`): each format of
 * `workerData.formats` in turn, posting its bytes (transferred, not copied) or why it failed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DocumentReport } from './format.js';
import { FORMATS, type DocumentFormat } from './index.js';

/** One format's outcome, as the worker posts it. */
export type RenderMessage = { format: DocumentFormat; bytes: Uint8Array } | { format: DocumentFormat; error: string };

const { formats, report } = workerData as { formats: DocumentFormat[]; report: DocumentReport };
for (const format of formats) {
  try {
    const bytes = await FORMATS[format].render(report);
    parentPort!.postMessage({ format, bytes } satisfies RenderMessage, [bytes.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort!.postMessage({ format, error: error instanceof Error ? error.message : String(error) } satisfies RenderMessage);
  }
}
