import type { DocumentStore } from '../../store/store.js';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { validationErrorFromIssues } from '../../errors.js';
import { downloadFilename, readStoredDocument } from '../../orchestrator/documents.js';
import { DOCUMENT_FORMATS, FORMATS, isDocumentFormat } from '../../orchestrator/formats/index.js';
import type { SwarmOrchestrator } from '../../orchestrator/swarm-orchestrator.js';
import { TASK_STATUSES } from '../../orchestrator/task.js';
import { presentTask, type UrlBuilder } from '../../tools/orchestration-tools.js';

/** The query of `GET /tasks` (also the OpenAPI document's). */
export const listQuery = z.strictObject({
  status: z.enum(TASK_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(/^\d{1,15}$/, 'not a cursor from this server').optional(),
});

/** `GET /tasks`, `GET /tasks/:taskId` and the task's generated documents. */
export function tasksRouter(orchestrator: SwarmOrchestrator, documents: DocumentStore, urls: (req: Request) => UrlBuilder): Router {
  const router = Router();

  router.get('/tasks', async (req, res) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) throw validationErrorFromIssues(parsed.error.issues);
    const page = await orchestrator.list(parsed.data);
    // The list carries each record without its (possibly large) result; GET /tasks/:id has it.
    const tasks = page.tasks.map(({ result: _result, ...task }) => ({ ...task, has_result: _result !== undefined }));
    res.json({ success: true, tasks, count: tasks.length, next_cursor: page.next_cursor });
  });

  router.get('/tasks/:taskId', async (req, res) => {
    res.json(presentTask(await orchestrator.get(req.params.taskId), urls(req)));
  });

  // Each format with its own type, as an attachment named after the task's title.
  router.get('/tasks/:taskId/documents/:format', async (req, res) => {
    const format = req.params.format;
    if (!isDocumentFormat(format)) {
      throw validationErrorFromIssues([{ path: ['format'], message: `unknown document format ${JSON.stringify(format)}; one of ${DOCUMENT_FORMATS.join(', ')}` }]);
    }
    const record = await orchestrator.get(req.params.taskId);
    const content = await readStoredDocument(documents, record, format);
    res.set('Content-Type', FORMATS[format].mimeType);
    res.set('Content-Disposition', `attachment; filename="${downloadFilename(record.title, record.task_id, format)}"`);
    res.send(content);
  });
  return router;
}
