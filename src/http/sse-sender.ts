import type { Response } from 'express';

/** Writes SSE frames to one client at the pace it reads, and tells when it has stopped reading. */
export interface SseSender {
  /** Queue a frame; it goes to the socket as soon as the socket takes more. */
  send(frame: string): void;
  /** End the response once every queued frame is out. */
  end(): void;
  /** Frames are waiting for the socket. */
  readonly busy: boolean;
  /**
   * Call once per check interval (after pending I/O has run). True when more than `maxBufferBytes`
   * has been waiting for the client at each of the last checks and it took nothing in between.
   */
  checkStalled(): boolean;
}

/** Checks in a row without progress before a client counts as stalled. */
const STALLED_CHECKS = 2;

/**
 * A queue in front of the response that respects backpressure: it writes until the socket asks to
 * wait, then resumes on `drain`. Frames are the shared, memoised strings, so a queue holds
 * references, not copies. A burst (a long history on connect, many events in one tick) is never
 * mistaken for a stalled client: only a client that takes nothing over whole intervals is.
 */
export function createSseSender(res: Response, maxBufferBytes: number): SseSender {
  let queue: string[] = [];
  let head = 0;
  let queuedBytes = 0;
  let waiting = false;
  let ending = false;
  let progressed = false;
  let lastWritable = 0;
  let idleChecks = 0;

  const flush = () => {
    while (!waiting && head < queue.length && !res.writableEnded && !res.destroyed) {
      const frame = queue[head]!;
      queue[head++] = '';
      queuedBytes -= frame.length;
      if (!res.write(frame)) waiting = true;
    }
    if (head < queue.length) return;
    queue = [];
    head = 0;
    if (ending && !res.writableEnded && !res.destroyed) res.end();
  };
  res.on('drain', () => {
    waiting = false;
    progressed = true;
    flush();
  });

  return {
    send(frame) {
      if (ending) return;
      // The common case, a client keeping up: straight to the socket, no queue.
      if (!waiting && head === queue.length) {
        if (!res.writableEnded && !res.destroyed && !res.write(frame)) waiting = true;
        return;
      }
      queue.push(frame);
      queuedBytes += frame.length;
      flush();
    },
    end() {
      ending = true;
      flush();
    },
    get busy() {
      return waiting || head < queue.length;
    },
    checkStalled() {
      const writable = res.writableLength;
      const over = queuedBytes + writable > maxBufferBytes;
      // Completed socket writes lower writableLength even when no 'drain' is due.
      const moved = progressed || writable < lastWritable;
      idleChecks = over && !moved ? idleChecks + 1 : 0;
      progressed = false;
      lastWritable = writable;
      return idleChecks >= STALLED_CHECKS;
    },
  };
}
