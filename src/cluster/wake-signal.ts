/** Wakes one sleeper early; counts wakes so one that comes while the sleeper is busy is not lost. */
export interface WakeSignal {
  /** How many wakes so far: compare before and after an attempt to see whether one came meanwhile. */
  readonly count: number;
  /** Ends the current `pause` now, if there is one. */
  wake(): void;
  /** Sleeps `ms` (on an unref'd timer) or until `wake()`, whichever is first. */
  pause(ms: number): Promise<void>;
}

/** A wake signal for a single sleeper (a second `pause` takes over from the first). */
export function createWakeSignal(): WakeSignal {
  let count = 0;
  let wakeUp: (() => void) | undefined;
  return {
    get count() {
      return count;
    },
    wake() {
      count += 1;
      const resolve = wakeUp;
      wakeUp = undefined;
      resolve?.();
    },
    pause(ms) {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          if (wakeUp === done) wakeUp = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        timer.unref();
        wakeUp = done;
      });
    },
  };
}
