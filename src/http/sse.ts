import type { Response } from 'express';
import type { TaskEvent } from '../events/event.js';

const frames = new WeakMap<TaskEvent, string>();

/**
 * One SSE frame for an event: `id:` and one `data:` line, no `event:` line, so a browser's
 * `onmessage` sees every event. JSON escapes CR/LF inside strings, so the data stays on one line.
 * Memoised per event object: a fan-out to many clients formats it once.
 */
export function formatEventFrame(event: TaskEvent): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = `id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`;
    frames.set(event, frame);
  }
  return frame;
}

/** A comment frame; refuses line breaks, which would end the comment and inject a field. */
export function formatComment(text: string): string {
  if (/[\r\n]/.test(text)) throw new Error('SSE comment must not contain CR or LF');
  return `: ${text}\n\n`;
}

/** Open streams, for `/health` and for ending them all on shutdown. */
export interface StreamRegistry {
  readonly size: number;
  add(res: Response): () => void;
  /** End every open stream cleanly. */
  closeAll(): void;
}

export function createStreamRegistry(): StreamRegistry {
  const open = new Set<Response>();
  return {
    get size() {
      return open.size;
    },
    add(res) {
      open.add(res);
      return () => open.delete(res);
    },
    closeAll() {
      for (const res of open) res.end();
      open.clear();
    },
  };
}
