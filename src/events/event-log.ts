import type { EventStore } from '../store/store.js';
import type { NewEvent, TaskEvent } from './event.js';

export type EventListener = (event: TaskEvent) => void;

/** The per-task event log: append (the store numbers events gap-free), replay after N, follow live. */
export interface EventLog {
  /** Take an event; the store numbers and writes it, in the order of appends. */
  append(taskId: string, event: NewEvent): void;
  /** Stored events with `seq > afterSeq`. */
  history(taskId: string, afterSeq?: number): Promise<TaskEvent[]>;
  lastSeq(taskId: string): Promise<number>;
  /**
   * Deliver every event after `afterSeq`, history first, then live ones as they are stored (by
   * this instance or, on a shared store, any other), each exactly once and in order. Returns the
   * function that stops following. `onError` hears of a history read that failed (the follower
   * is stopped then).
   */
  follow(taskId: string, afterSeq: number, listener: EventListener, onError?: (error: unknown) => void): () => void;
  /** How many live followers there are, over all tasks. */
  followerCount(): number;
  /**
   * Call `listener` with every event this instance appends from now on, of every task, once it is
   * stored (before the task's followers here). It must be quick and must not throw. Returns the
   * function that stops it.
   */
  onAppend(listener: EventListener): () => void;
}

/**
 * An event log over an `EventStore`. Followers get an event when the store has written it — at
 * once with the memory store, within the tick with SQLite's batches, when Redis has it — so what
 * they are shown is always what a replay gives: an event the store refused is shown only once it
 * is written, and never if it never is. A follower that sees a gap in the numbers (a shared
 * store's notifications are not guaranteed) reads the missing events from the store first.
 */
export function createEventLog(store: EventStore): EventLog {
  const appendListeners = new Set<EventListener>();
  let followerTotal = 0;

  store.onStored((events) => {
    for (const event of events) for (const listener of [...appendListeners]) listener(event);
  });

  return {
    append(taskId, { event_type, agent_id, data }) {
      const event = { event_type, task_id: taskId, timestamp: new Date().toISOString(), data: data ?? {} };
      store.append(agent_id === undefined ? event : { ...event, agent_id });
    },
    history: (taskId, afterSeq = 0) => store.after(taskId, afterSeq),
    lastSeq: (taskId) => store.lastSeq(taskId),
    follow(taskId, afterSeq, listener, onError) {
      followerTotal++;
      const follower = createFollower(store, taskId, afterSeq, listener, (error) => {
        stop();
        onError?.(error);
      });
      let active = true;
      function stop() {
        if (!active) return;
        active = false;
        followerTotal--;
        follower.stop();
      }
      return stop;
    },
    followerCount: () => followerTotal,
    onAppend(listener) {
      const own: EventListener = (event) => listener(event);
      appendListeners.add(own);
      return () => void appendListeners.delete(own);
    },
  };
}

/**
 * One follower: watching starts before history is read, so nothing stored in between is missed;
 * live events wait while a read is out, and anything seen twice is dropped.
 */
function createFollower(store: EventStore, taskId: string, afterSeq: number, listener: EventListener, fail: (error: unknown) => void) {
  let delivered = afterSeq;
  let stopped = false;
  let reading = false;
  const waiting: TaskEvent[] = [];

  const deliver = (event: TaskEvent) => {
    if (stopped || event.seq <= delivered) return;
    delivered = event.seq;
    listener(event);
  };
  /** Deliver what waits, in order; a gap sends for the missing events first, unless they were just sent for. */
  const drain = (justRead = false) => {
    waiting.sort((a, b) => a.seq - b.seq);
    while (!stopped && !reading && waiting.length) {
      if (waiting[0]!.seq > delivered + 1 && !justRead) return void catchUp();
      deliver(waiting.shift()!);
    }
  };
  const catchUp = () => {
    reading = true;
    store.after(taskId, delivered).then(
      (past) => {
        reading = false;
        for (const event of past) deliver(event);
        // A hole the store cannot fill (an event it refused) is skipped.
        drain(true);
      },
      (error: unknown) => {
        reading = false;
        if (!stopped) fail(error);
      },
    );
  };
  const unwatch = store.watch(taskId, (event) => {
    // The usual case, the next event with nothing waiting: straight through.
    if (!reading && waiting.length === 0 && event.seq === delivered + 1) {
      if (stopped) return;
      delivered = event.seq;
      return listener(event);
    }
    waiting.push(event);
    drain();
  });
  catchUp();
  return {
    stop() {
      stopped = true;
      unwatch();
    },
  };
}
