import { applyToBoard, createBoardState } from './board-state.js';
import { ApiError, type Client } from './client.js';
import { followStream, type StreamEvent } from './follow.js';
import { askYesNo } from './interrupt.js';
import { formatEventLine } from './render-plain.js';
import { TtyBoard } from './render-tty.js';
import { exitCodeOf, reportMarkdown } from './report.js';

export const EXIT_INTERRUPTED = 130;

export interface WatchOptions {
  client: Client;
  taskId: string;
  /** The stream URL the server handed out (may carry a token), or the plain `stream/<id>`. */
  streamUrl: string;
  /** `live`: a board on a terminal, event lines when piped; `json`: the final record only; `ndjson`: each event as a JSON line. */
  output: 'live' | 'json' | 'ndjson';
  /** Print the report (Markdown) at the end. */
  report: boolean;
  out?: NodeJS.WriteStream;
  err?: NodeJS.WriteStream;
}

/**
 * Follow a task to its end and print it; Ctrl-C asks whether to cancel it. Live progress goes to
 * stderr (a redrawn board on a terminal, one line per event when piped); the report (or JSON)
 * goes to stdout. Answers the exit code: 0 completed, 1 failed or cancelled, 130 interrupted.
 */
export async function watchTask(o: WatchOptions): Promise<number> {
  const out = o.out ?? process.stdout;
  const err = o.err ?? process.stderr;
  const state = createBoardState(o.taskId);
  const board = o.output === 'live' && err.isTTY ? new TtyBoard(err, state) : undefined;
  const stop = new AbortController();
  let interrupted = false;
  let prompt: ReturnType<typeof askYesNo> | undefined;

  const onEvent = (ev: StreamEvent) => {
    applyToBoard(state, ev);
    if (o.output === 'ndjson') out.write(`${JSON.stringify(ev)}\n`);
    else if (o.output === 'live' && !board) err.write(`${formatEventLine(ev)}\n`);
  };

  const onSigint = async () => {
    if (prompt) return prompt.abort(); // Ctrl-C again while asking: leave now
    board?.pause();
    prompt = askYesNo(`\nCancel task ${o.taskId}? [y/N] `, process.stdin, err);
    const answer = await prompt.answer;
    prompt = undefined;
    if (answer === undefined) {
      interrupted = true;
      err.write(`\nleft task ${o.taskId} running; cancel it with: mcp-orchestrator cancel ${o.taskId}\n`);
      stop.abort();
      return;
    }
    if (answer) {
      interrupted = true;
      await o.client.cancel(o.taskId).catch((e: Error) => err.write(`cancel: ${e.message}\n`));
    }
    board?.resume();
  };
  process.on('SIGINT', onSigint);
  board?.start();
  try {
    await followStream({
      url: o.client.url(o.streamUrl),
      headers: o.client.headers,
      onEvent,
      signal: stop.signal,
      onReconnect: (attempt, reason) => {
        if (!board && o.output === 'live') err.write(`# connection lost (${reason}); reconnecting (attempt ${attempt})\n`);
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
    board?.stop();
  }
  if (stop.signal.aborted) return EXIT_INTERRUPTED;

  const record = await o.client.get(o.taskId);
  if (o.output === 'json') out.write(`${JSON.stringify(record, null, 2)}\n`);
  else if (o.report && o.output === 'live') {
    const md = reportMarkdown(record);
    if (md) out.write(`${md}`);
    if (record.error) err.write(`task ${record.status}: ${record.error.code}: ${record.error.message}\n`);
    else if (record.status !== 'completed') err.write(`task ${record.status}\n`);
  }
  return interrupted ? EXIT_INTERRUPTED : exitCodeOf(record);
}

/** Print an error the way every command does, and answer its exit code. */
export function reportError(error: unknown, err: NodeJS.WriteStream = process.stderr): number {
  if (error instanceof ApiError) {
    err.write(`mcp-orchestrator: ${error.code}: ${error.message}\n`);
    // The server refused the input (bad option values): a usage problem.
    return error.status === 400 ? 2 : 1;
  }
  throw error;
}
