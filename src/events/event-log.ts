import type { EventStore } from '../store/store.js';
import type { NewEvent, TaskEvent } from './event.js';

export type EventListener = (event: TaskEvent) => void;

/** The per-task event log: append with gap-free `seq`, replay after N, follow live. */
export interface EventLog {
  append(taskId: string, event: NewEvent): TaskEvent;
  /** Stored events with `seq > afterSeq`. */
  history(taskId: string, afterSeq?: number): TaskEvent[];
  lastSeq(taskId: string): number;
  /**
   * Deliver every event after `afterSeq`, history first, then live ones as they are appended,
   * each exactly once and in order. Returns the function that stops following.
   */
  follow(taskId: string, afterSeq: number, listener: EventListener): () => void;
  /** How many live followers there are, over all tasks. */
  followerCount(): number;
  /**
   * Call `listener` synchronously with every event appended from now on, of every task (after it is
   * stored, before the task's followers). It must be quick and must not throw. Returns the function
   * that stops it.
   */
  onAppend(listener: EventListener): () => void;
}

/** An event log over an `EventStore`; followers are notified synchronously on append. */
export function createEventLog(store: EventStore): EventLog {
  const seqs = new Map<string, number>();
  const followers = new Map<string, Set<EventListener>>();
  const appendListeners = new Set<EventListener>();
  let followerTotal = 0;

  const lastSeq = (taskId: string): number => {
    let seq = seqs.get(taskId);
    if (seq === undefined) seqs.set(taskId, (seq = store.lastSeq(taskId)));
    return seq;
  };

  return {
    append(taskId, { event_type, agent_id, data }) {
      const seq = lastSeq(taskId) + 1;
      const event: TaskEvent = { event_type, task_id: taskId, seq, timestamp: new Date().toISOString(), data: data ?? {} };
      if (agent_id !== undefined) event.agent_id = agent_id;
      store.append(event);
      seqs.set(taskId, seq);
      for (const listener of [...appendListeners]) listener(event);
      const set = followers.get(taskId);
      if (set) for (const listener of [...set]) listener(event);
      if (event_type === 'stream_closed') seqs.delete(taskId);
      return event;
    },
    history: (taskId, afterSeq = 0) => store.after(taskId, afterSeq),
    lastSeq,
    follow(taskId, afterSeq, listener) {
      let delivered = afterSeq;
      const deliver: EventListener = (event) => {
        if (event.seq <= delivered) return;
        delivered = event.seq;
        listener(event);
      };
      let set = followers.get(taskId);
      if (!set) followers.set(taskId, (set = new Set()));
      set.add(deliver);
      followerTotal++;
      // Appends are synchronous, so reading history after subscribing leaves no gap;
      // `deliver` drops anything seen twice.
      for (const event of store.after(taskId, afterSeq)) deliver(event);
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        followerTotal--;
        set.delete(deliver);
        if (set.size === 0 && followers.get(taskId) === set) followers.delete(taskId);
      };
    },
    followerCount: () => followerTotal,
    onAppend(listener) {
      const own: EventListener = (event) => listener(event);
      appendListeners.add(own);
      return () => void appendListeners.delete(own);
    },
  };
}
