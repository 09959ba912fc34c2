import type { Socket } from 'node:net';
import type { Response } from 'express';
import type { Frame } from './sse.js';

/** Writes SSE frames to one client at the pace it reads, and tells when it has stopped reading. */
export interface SseSender {
  /** Queue a frame; it goes to the socket as soon as the socket takes more. */
  send(frame: Frame): void;
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

/** Sockets corked in this tick, uncorked together once it ends. */
let corked: Socket[] = [];
const uncorkAll = () => {
  const sockets = corked;
  corked = [];
  for (const socket of sockets) socket.uncork();
};

/**
 * Hold a socket's writes until the current tick ends, so the frames of a burst (a batch of events
 * stored together) leave in one system call per client, not one each. One `nextTick` for every
 * socket corked in the tick, where `res.write` takes one per response.
 */
function corkForTick(socket: Socket): void {
  if (socket.writableCorked > 0) return;
  socket.cork();
  if (corked.push(socket) === 1) process.nextTick(uncorkAll);
}

/** The response's encoding of its body, once its headers are out: chunked, plain, or none (HEAD). */
function bodyForm(res: Response): 'chunked' | 'plain' | 'none' {
  if (res.req.method === 'HEAD') return 'none';
  return (res as unknown as { chunkedEncoding?: boolean }).chunkedEncoding ? 'chunked' : 'plain';
}

/**
 * A queue in front of the response that respects backpressure: it writes until the socket asks to
 * wait, then resumes on `drain`. A burst (a long history on connect, many events in one tick) is
 * never mistaken for a stalled client: only a client that takes nothing over whole intervals is.
 *
 * Frames are bytes encoded once per event, already wrapped as an HTTP/1.1 chunk, and go straight
 * to the socket once the headers are out and nothing of the response waits in front of them: one
 * socket write per client per frame, where `res.write` would measure, encode and frame the text
 * again for every client (four writes to the socket and a tick's cork each). Until then (a
 * pipelined request whose turn has not come), and for a body that is not chunked, they go
 * through `res.write`, which knows the order.
 */
export function createSseSender(res: Response, maxBufferBytes: number): SseSender {
  const form = bodyForm(res);
  const socket: Socket | null = res.socket;
  let queue: Frame[] = [];
  let head = 0;
  let queuedBytes = 0;
  let waiting = false;
  let ending = false;
  let progressed = false;
  let lastWritable = 0;
  let idleChecks = 0;

  /**
   * Nothing of the response is held in front of the socket, so bytes written to it now arrive in
   * order. Once true it stays true: every later byte goes the same way, `res.end()` behind them.
   */
  let straight = false;
  const direct = () => straight || (straight = form === 'chunked' && socket !== null && res.headersSent && res.writableLength === socket.writableLength);
  const open = () => !res.writableEnded && !res.destroyed;
  /** Write one frame; false when the socket asks to wait. */
  const write = (frame: Frame): boolean => {
    if (form === 'none') return true;
    if (!direct()) return res.write(frame.plain);
    corkForTick(socket!);
    return socket!.write(frame.chunked);
  };
  const resume = () => {
    if (!waiting) return;
    waiting = false;
    progressed = true;
    flush();
  };

  const flush = () => {
    while (!waiting && head < queue.length && open()) {
      const frame = queue[head]!;
      queue[head++] = EMPTY;
      queuedBytes -= frame.plain.length;
      if (!write(frame)) waiting = true;
    }
    if (head < queue.length) return;
    queue = [];
    head = 0;
    if (ending && open()) res.end();
  };
  // Direct writes wait for the socket's drain, the others for the response's.
  res.on('drain', resume);
  socket?.on('drain', resume);
  res.once('close', () => socket?.off('drain', resume));

  return {
    send(frame) {
      if (ending) return;
      // The common case, a client keeping up: straight to the socket, no queue.
      if (!waiting && head === queue.length) {
        if (open() && !write(frame)) waiting = true;
        return;
      }
      queue.push(frame);
      queuedBytes += frame.plain.length;
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

const EMPTY: Frame = { plain: Buffer.alloc(0), chunked: Buffer.alloc(0) };
