import type { Response } from 'express';
import { eventJson, type TaskEvent } from '../events/event.js';

/** An SSE frame as bytes, twice: as it is, and wrapped as one HTTP/1.1 chunk (`<size>\r\n<frame>\r\n`). */
export interface Frame {
  plain: Buffer;
  chunked: Buffer;
}

const frames = new WeakMap<TaskEvent, Frame>();

/** A frame's bytes, in both forms: encoded once, however many clients it goes to. */
export function frameOf(text: string): Frame {
  const plain = Buffer.from(text, 'utf8');
  return { plain, chunked: Buffer.concat([Buffer.from(`${plain.length.toString(16)}\r\n`, 'latin1'), plain, CRLF]) };
}
const CRLF = Buffer.from('\r\n', 'latin1');

/**
 * One SSE frame for an event: `id:` and one `data:` line, no `event:` line, so a browser's
 * `onmessage` sees every event. JSON escapes CR/LF inside strings, so the data stays on one line.
 * Memoised per event object: a fan-out to many clients formats and encodes it once.
 */
export function formatEventFrame(event: TaskEvent): Frame {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = frameOf(`id: ${event.seq}\ndata: ${eventJson(event)}\n\n`);
    frames.set(event, frame);
  }
  return frame;
}

/** A comment frame; refuses line breaks, which would end the comment and inject a field. */
export function formatComment(text: string): Frame {
  if (/[\r\n]/.test(text)) throw new Error('SSE comment must not contain CR or LF');
  return frameOf(`: ${text}\n\n`);
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
