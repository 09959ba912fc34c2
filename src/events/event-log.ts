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
   * Call `listener` with every event appended from now on, of every task, once it is stored
   * (before the task's followers). It must be quick and must not throw. Returns the function
   * that stops it.
   */
  onAppend(listener: EventListener): () => void;
}

/**
 * An event log over an `EventStore`. Followers (and `onAppend` listeners) get an event when the
 * store has written it — at once with the memory store, within the tick with SQLite's batches — so
 * what they are shown is always what a replay gives: an event the disk refused (full) is shown
 * only once it is written, and never if it never is.
 */
export function createEventLog(store: EventStore): EventLog {
  const seqs = new Map<string, number>();
  const followers = new Map<string, Set<EventListener>>();
  const appendListeners = new Set<EventListener>();
  let followerTotal = 0;

  store.onStored((events) => {
    for (const event of events) {
      for (const listener of [...appendListeners]) listener(event);
      const set = followers.get(event.task_id);
      if (set) for (const listener of [...set]) listener(event);
    }
  });

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
      seqs.set(taskId, seq);
      store.append(event);
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
      // Subscribed before history is read, so nothing stored in between is missed. Reading history
      // may write buffered events (and tell us about them): those wait until the history is out.
      let early: TaskEvent[] | undefined = [];
      const live: EventListener = (event) => {
        if (early) early.push(event);
        else deliver(event);
      };
      let set = followers.get(taskId);
      if (!set) followers.set(taskId, (set = new Set()));
      set.add(live);
      followerTotal++;
      const past = store.after(taskId, afterSeq);
      const waiting = early;
      early = undefined;
      // `deliver` drops anything seen twice.
      for (const event of [...past, ...waiting]) deliver(event);
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        followerTotal--;
        set.delete(live);
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
