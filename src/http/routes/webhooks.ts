import { Router } from 'express';
import { z } from 'zod';
import { validationErrorFromIssues } from '../../errors.js';
import { EVENT_TYPES } from '../../events/event.js';
import type { WebhookService } from '../../webhooks/webhook-service.js';

const taskId = z.string().trim().min(1).max(200).describe('The task_id returned when the task was started');

/** Body of `POST /webhook/register` (also the OpenAPI document's). */
export const registerBody = z.strictObject({
  task_id: taskId,
  webhook_url: z.url({ protocol: /^https?$/ }).max(2000),
  events: z
    .array(z.enum(EVENT_TYPES))
    .min(1)
    .max(EVENT_TYPES.length)
    .optional()
    .describe('Default: workflow_complete, workflow_error, workflow_cancelled'),
});

export const unregisterBody = z.strictObject({ task_id: taskId });

/** `POST /webhook/register` and `POST /webhook/unregister`. */
export function webhooksRouter(webhooks: WebhookService): Router {
  const router = Router();

  router.post('/webhook/register', async (req, res) => {
    const parsed = registerBody.safeParse(req.body);
    if (!parsed.success) throw validationErrorFromIssues(parsed.error.issues);
    const { task_id, webhook_url, events } = parsed.data;
    const registration = await webhooks.register({ task_id, url: webhook_url, events });
    res.status(201).json({
      success: true,
      task_id,
      webhook_id: registration.id,
      webhook_url: registration.url,
      events: registration.events,
    });
  });

  router.post('/webhook/unregister', async (req, res) => {
    const parsed = unregisterBody.safeParse(req.body);
    if (!parsed.success) throw validationErrorFromIssues(parsed.error.issues);
    const removed = await webhooks.unregister(parsed.data.task_id);
    res.json({ success: true, task_id: parsed.data.task_id, removed });
  });
  return router;
}
