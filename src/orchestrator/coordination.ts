import type { Limiter } from '../agents/run-agent.js';

/** How a cancel reaches the instance running a task. */
export interface CancelChannel {
  /** Tell every instance (this one included) that a task is cancelled; the mark outlives the message. */
  publish(taskId: string): Promise<void>;
  onCancel(listener: (taskId: string) => void): () => void;
  /** Whether a cancel was published for the task (so a run that starts just after one still stops). */
  isCancelled(taskId: string): Promise<boolean>;
}

/**
 * What the orchestrator shares with other instances: the model-call budget, cancels and
 * exclusive jobs. One process alone needs none of it; Redis provides it for several.
 */
export interface Coordination {
  /** Names this instance in events and logs. */
  readonly instanceId: string;
  /** The budget of model calls in flight over every instance (`MAX_CONCURRENT_AGENTS`); none = in-process. */
  readonly agentLimiter?: Limiter;
  readonly cancels?: CancelChannel;
}
