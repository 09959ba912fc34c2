import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { AppError, ToolNotFoundError, validationErrorFromIssues } from '../../errors.js';
import { findOrchestrationTool, listOrchestrationTools, type OrchestrationTool, type ToolContext } from '../../tools/orchestration-tools.js';

/** Why a call was dropped: its client hung up. Never sent (there is no one to send it to). */
class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection before the answer');
    this.name = 'ClientGoneError';
  }
}

/** A signal that aborts when the response closes before it was finished: the client hung up. */
function untilClientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new ClientGoneError());
  });
  return controller.signal;
}

/** The client when the app's context names none: its address, as the rate limits key it without an API key. */
const addressKey = (req: Request) => `ip:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '')}`;

const allowed = (tool: OrchestrationTool) => (tool.allowGet ? 'GET, POST' : 'POST');

/** 405 `method_not_allowed` with `Allow` for a method the tool does not take. */
function methodNotAllowed(res: Response, tool: OrchestrationTool, method: string): AppError {
  res.setHeader('Allow', allowed(tool));
  const takes = tool.allowGet ? 'GET (query string) or POST (JSON body)' : 'POST with a JSON body';
  return new AppError('method_not_allowed', 405, `${tool.name} does not take ${method}: it takes ${takes}`);
}

/** A call dropped because its client hung up is not answered at all; the app's error handler answers the rest. */
const toolErrors: ErrorRequestHandler = (error, _req, _res, next) => {
  if (error instanceof ClientGoneError) return;
  next(error);
};

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
    const isGet = req.method === 'GET' || req.method === 'HEAD';
    if (isGet && !tool.allowGet) throw methodNotAllowed(res, tool, req.method);
    const raw = isGet ? { ...req.query } : req.body;
    const parsed = tool.inputSchema.safeParse(raw);
    if (!parsed.success) throw validationErrorFromIssues(parsed.error.issues);
    const ctx = context(req);
    const body = await tool.handler(parsed.data, { ...ctx, signal: ctx.signal ?? untilClientGone(res), clientKey: ctx.clientKey ?? addressKey(req) });
    res.status(tool.successStatus ?? 200).json(body);
  };
  router.post('/tools/:name', handle);
  router.get('/tools/:name', handle);
  // Every other method on a tool (PUT, PATCH, DELETE…) is a 405; OPTIONS stays with Express and CORS.
  router.all('/tools/:name', (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    const name = String(req.params.name);
    const tool = findOrchestrationTool(name);
    if (!tool) throw new ToolNotFoundError(name);
    throw methodNotAllowed(res, tool, req.method);
  });
  router.use(toolErrors);
  return router;
}
