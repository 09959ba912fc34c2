/**
 * A problem found while starting, after the environment parsed: printed as one line naming the
 * setting to fix (`CORPUS_DIR: cannot index /srv/docs: no such folder`), then the process exits 1.
 */
export class StartupError extends Error {
  constructor(
    readonly setting: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message.startsWith(`${setting}: `) ? message : `${setting}: ${message}`, options);
    this.name = 'StartupError';
  }
}

/** Run one start-up step; whatever it throws becomes a {@link StartupError} naming `setting`. */
export function withSetting<T>(setting: string, step: () => T): T {
  try {
    const result = step();
    if (result instanceof Promise) return result.catch((error: unknown) => Promise.reject(asStartupError(setting, error))) as T;
    return result;
  } catch (error) {
    throw asStartupError(setting, error);
  }
}

function asStartupError(setting: string, error: unknown): StartupError {
  if (error instanceof StartupError) return error;
  return new StartupError(setting, error instanceof Error ? error.message : String(error), { cause: error });
}
