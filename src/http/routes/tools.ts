import { Router, type Request, type Response } from 'express';
import { AppError, ToolNotFoundError, validationErrorFromIssues } from '../../errors.js';
import { findOrchestrationTool, listOrchestrationTools, type ToolContext } from '../../tools/orchestration-tools.js';

/** `GET /tools` and `/tools/:name`, all driven by the one tool table. */
export function toolsRouter(context: (req: Request) => ToolContext): Router {
  const router = Router();

  router.get('/tools', (_req, res) => {
    const tools = listOrchestrationTools();
    res.json({ tools, count: tools.length });
  });

  const handle = async (req: Request, res: Response) => {
    const name = String(req.params.name);
    const tool = findOrchestrationTool(name);
    if (!tool) throw new ToolNotFoundError(name);
    if (req.method === 'GET' && !tool.allowGet) {
      res.setHeader('Allow', 'POST');
      throw new AppError('method_not_allowed', 405, `${name} takes POST with a JSON body`);
    }
    const raw = req.method === 'GET' ? { ...req.query } : req.body;
    const parsed = tool.inputSchema.safeParse(raw);
    if (!parsed.success) throw validationErrorFromIssues(parsed.error.issues);
    const body = await tool.handler(parsed.data, context(req));
    res.status(tool.successStatus ?? 200).json(body);
  };
  router.post('/tools/:name', handle);
  router.get('/tools/:name', handle);
  return router;
}
