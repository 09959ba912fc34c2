import fs from 'node:fs/promises';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { NotFoundError, validationErrorFromIssues } from '../../errors.js';
import { documentPath } from '../../orchestrator/documents.js';
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
export function tasksRouter(orchestrator: SwarmOrchestrator, dataDir: string, urls: (req: Request) => UrlBuilder): Router {
  const router = Router();

  router.get('/tasks', (req, res) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) throw validationErrorFromIssues(parsed.error.issues);
    const page = orchestrator.list(parsed.data);
    // The list carries each record without its (possibly large) result; GET /tasks/:id has it.
    const tasks = page.tasks.map(({ result: _result, ...task }) => ({ ...task, has_result: _result !== undefined }));
    res.json({ success: true, tasks, count: tasks.length, next_cursor: page.next_cursor });
  });

  router.get('/tasks/:taskId', (req, res) => {
    res.json(presentTask(orchestrator.get(req.params.taskId), urls(req)));
  });

  router.get('/tasks/:taskId/documents/:format', async (req, res) => {
    const record = orchestrator.get(req.params.taskId);
    const doc = record.result?.documents.find((d) => d.format === req.params.format);
    if (!doc) throw new NotFoundError(`task ${record.task_id} has no ${req.params.format} document`);
    const content = await fs.readFile(documentPath(dataDir, record.task_id, doc.format), 'utf8').catch(() => {
      throw new NotFoundError(`the ${doc.format} document of task ${record.task_id} is no longer on disk`);
    });
    res.type('text/markdown; charset=utf-8').send(content);
  });
  return router;
}
