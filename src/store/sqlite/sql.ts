import { FINAL_STATUSES } from '../../orchestrator/task.js';

/** The final statuses, as parameters of `status IN (…)`. */
export const FINAL = [...FINAL_STATUSES];

/** `?,?,…` for an `IN (…)` of `n` parameters. */
export const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(',');

/** The tasks of a write that concerns no task in particular (webhooks, retention, the probe), for `WriteGuard.write`. */
export const NO_TASKS = (): readonly string[] => [];
