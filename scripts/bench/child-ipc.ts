import type { ChildProcess } from 'node:child_process';

// The bench's forked children (SSE clients, the loop probe) talk over IPC and exit when it is cut.

/** The next IPC message of `type` from the child (`who`, in errors); rejects if it reports an error, exits, or takes over `timeoutMs`. */
export function nextMessage<T>(child: ChildProcess, type: string, timeoutMs: number, who: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string; message?: string }) => {
      if (message.type === type) done(() => resolve(message as T));
      else if (message.type === 'error') done(() => reject(new Error(`${who}: ${message.message}`)));
    };
    const onExit = (code: number | null) => done(() => reject(new Error(`${who} exited with ${code}`)));
    const timer = setTimeout(() => done(() => reject(new Error(`${who}: no ${type} within ${timeoutMs} ms`))), timeoutMs);
    const done = (settle: () => void) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      settle();
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Stop a forked child by cutting its IPC channel (it exits on disconnect); SIGTERM to its own pid after 5 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill(), 5_000);
  await exited;
  clearTimeout(timer);
}
