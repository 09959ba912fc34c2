/** How long to wait before reconnecting: doubling from `initialMs` up to `maxMs`. */
export interface BackoffOptions {
  /** Default 1000. */
  initialMs?: number;
  /** Default 60000. */
  maxMs?: number;
}

/**
 * The wait before reconnect attempt `attempt` (0 for the first): `initialMs · 2^attempt`, at most
 * `maxMs`, jittered down to half of that, so servers that dropped together do not all come back in
 * the same instant.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { initialMs = 1000, maxMs = 60_000 } = options;
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
