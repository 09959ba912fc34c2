import { Router, type Request, type Response } from 'express';
import { ValidationError } from '../../errors.js';
import type { EventLog } from '../../events/event-log.js';
import type { SwarmOrchestrator } from '../../orchestrator/swarm-orchestrator.js';
import { formatComment, formatEventFrame, type Frame, type StreamRegistry } from '../sse.js';
import { createSseSender } from '../sse-sender.js';

export interface StreamDeps {
  orchestrator: SwarmOrchestrator;
  events: EventLog;
  streams: StreamRegistry;
  heartbeatMs: number;
  /** A client with more than this waiting for it that takes nothing for two heartbeat intervals is dropped. */
  maxBufferBytes: number;
}

/** Where to resume: `Last-Event-ID`, else `?last_event_id=`, else from the start. */
function resumeAfter(req: Request): number {
  const header = req.headers['last-event-id'];
  const raw = typeof header === 'string' && header !== '' ? header : req.query.last_event_id;
  if (raw === undefined || raw === '') return 0;
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw.trim())) {
    throw new ValidationError('last_event_id: must be a non-negative integer', [{ path: 'last_event_id', message: 'must be a non-negative integer' }]);
  }
  return Number(raw.trim());
}

const KEEP_ALIVE = formatComment('keep-alive');

function startEventStream(req: Request, res: Response): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  req.socket.setNoDelay(true);
}

/** Send the task's events after `after` as SSE until `stream_closed`, at the pace the client reads. */
function serveEvents(req: Request, res: Response, taskId: string, after: number, deps: StreamDeps): void {
  startEventStream(req, res);
  const sender = createSseSender(res, deps.maxBufferBytes);
  // Whether anything went out since the last heartbeat check: a flag, not a clock read per frame.
  let wrote = false;
  let closed = false;
  let ending = false;
  const send = (frame: Frame) => {
    sender.send(frame);
    wrote = true;
  };
  // Run after pending I/O (setImmediate), so a busy event loop is not mistaken for a stalled client.
  const tick = () => {
    if (closed) return;
    if (sender.checkStalled()) {
      // A client that stops reading is dropped rather than waited for without bound.
      req.log?.warn({ task_id: taskId, buffered: res.writableLength }, 'dropping slow stream client');
      cleanup();
      res.destroy();
    } else if (!ending && !sender.busy && !wrote) {
      send(KEEP_ALIVE);
    }
    wrote = false;
  };
  const heartbeat = setInterval(() => setImmediate(tick), deps.heartbeatMs);
  heartbeat.unref();
  const untrack = deps.streams.add(res);
  let unfollow: () => void = () => undefined;
  function cleanup() {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unfollow();
    untrack();
  }
  res.on('close', cleanup);
  unfollow = deps.events.follow(taskId, after, (event) => {
    if (closed || ending) return;
    send(formatEventFrame(event));
    if (event.event_type === 'stream_closed') {
      // The response ends once the client has taken every frame; until then it stays tracked.
      ending = true;
      sender.end();
    }
  });
  if (closed) unfollow();
}

/** `GET /stream/:taskId`: the task's events as SSE — history first, then live — until `stream_closed`. */
export function streamRouter(deps: StreamDeps): Router {
  const router = Router();
  router.get('/stream/:taskId', async (req, res) => {
    const taskId = req.params.taskId;
    await deps.orchestrator.get(taskId); // 404 task_not_found before any stream starts
    const after = resumeAfter(req);
    const lastSeq = await deps.events.lastSeq(taskId);
    const last = lastSeq > 0 ? (await deps.events.history(taskId, lastSeq - 1))[0] : undefined;
    if (last?.event_type === 'stream_closed' && after >= last.seq) {
      res.status(204).end();
      return;
    }
    serveEvents(req, res, taskId, after, deps);
  });
  return router;
}
