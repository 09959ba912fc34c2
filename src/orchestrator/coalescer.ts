/** Buffers streamed text and hands it on at most once per interval, so a fast model cannot flood. */
export interface Coalescer {
  push(delta: string): void;
  /** Hand on what is buffered now. */
  flush(): void;
  /** Drop what is buffered and start counting again (after a retry the text starts over). */
  reset(): void;
}

export function createCoalescer(intervalMs: number, emit: (delta: string, totalChars: number) => void): Coalescer {
  let buffer = '';
  let total = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastEmit = 0;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!buffer) return;
    total += buffer.length;
    const delta = buffer;
    buffer = '';
    lastEmit = Date.now();
    emit(delta, total);
  };
  return {
    push(delta) {
      buffer += delta;
      if (timer) return;
      const wait = lastEmit + intervalMs - Date.now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    flush,
    reset() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      buffer = '';
      total = 0;
    },
  };
}
