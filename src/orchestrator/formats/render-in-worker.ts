/**
 * Rendering off the event loop: the formats that take CPU time (PDF, DOCX) render in a worker
 * thread, so SSE delivery and requests go on while a long report is laid out. One worker per
 * task's documents (a renderer that crashes or runs away takes only its own worker down), at most
 * {@link RENDER_CONCURRENCY} at once across the process.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import pLimit from 'p-limit';
import type { DocumentReport } from './format.js';
import { FORMATS, type DocumentFormat } from './index.js';
import type { RenderMessage } from './render-worker.js';

/** Workers rendering at once, process-wide; further tasks wait their turn. */
export const RENDER_CONCURRENCY = 2;
/** A worker that has not finished by then is stopped; its missing formats fail. */
export const RENDER_TIMEOUT_MS = 120_000;

export type RenderOutcome = RenderMessage;

const limit = pLimit(RENDER_CONCURRENCY);

// Next to this module with its extension: `.js` from dist/; `.ts` under tsx or vitest, where the
// worker loads TypeScript through tsx's API (a Worker's `--import tsx` does not reach its entry on Node 20).
const EXTENSION = path.extname(fileURLToPath(import.meta.url));
const WORKER_URL = new URL(`./render-worker${EXTENSION}`, import.meta.url);

function spawn(formats: DocumentFormat[], report: DocumentReport): Worker {
  const workerData = { formats, report };
  if (EXTENSION !== '.ts') return new Worker(WORKER_URL, { workerData });
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = JSON.stringify(WORKER_URL.href);
  const code = `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${entry}, ${entry}))`;
  return new Worker(code, { eval: true, workerData });
}

function runWorker(formats: DocumentFormat[], report: DocumentReport, signal?: AbortSignal): Promise<RenderOutcome[]> {
  return new Promise((resolve) => {
    const outcomes = new Map<DocumentFormat, RenderOutcome>();
    const worker = spawn(formats, report);
    let reason = 'the renderer stopped before it finished';
    const stop = (why: string) => {
      reason = why;
      void worker.terminate();
    };
    const timer = setTimeout(() => stop(`rendering took longer than ${RENDER_TIMEOUT_MS / 1000} s`), RENDER_TIMEOUT_MS);
    const onAbort = () => stop('the task was stopped');
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: RenderOutcome) => outcomes.set(m.format, m));
    worker.on('error', (error) => (reason = `the renderer failed: ${error.message}`));
    worker.on('exit', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(formats.map((format) => outcomes.get(format) ?? { format, error: reason }));
    });
  });
}

/** Render each format: light ones here, heavy ones in a worker. Never rejects: a failure is an outcome. */
export async function renderDocuments(formats: DocumentFormat[], report: DocumentReport, signal?: AbortSignal): Promise<RenderOutcome[]> {
  const heavy = formats.filter((f) => FORMATS[f].heavy);
  const inWorker = heavy.length ? limit(() => runWorker(heavy, report, signal)) : Promise.resolve([]);
  const light = await Promise.all(
    formats
      .filter((f) => !FORMATS[f].heavy)
      .map(async (format): Promise<RenderOutcome> => {
        try {
          return { format, bytes: await FORMATS[format].render(report) };
        } catch (error) {
          return { format, error: error instanceof Error ? error.message : String(error) };
        }
      }),
  );
  const all = [...light, ...(await inWorker)];
  return formats.map((f) => all.find((o) => o.format === f)!);
}
