import { randomUUID } from 'node:crypto';
import type { TaskEvent } from '../../events/event.js';
import type { Logger } from '../../logger.js';
import { isFinal, type TaskRecord } from '../../orchestrator/task.js';
import { createListTracker, createRecordCopier, RESULT_LISTS } from '../result-lists.js';
import type { StoreError } from '../store-error.js';
import type { StoredListener, UnnumberedEvent, WriteErrorListener } from '../store.js';
import { createListenerSet } from './listener-set.js';
import { toRedisStoreError } from './redis-errors.js';
import type { RunScript } from './scripts.js';
import { taskWriteArgs, type ListStarts } from './task-scripts.js';

/** How much one round sends at most: a burst is written over several rounds, never as one huge script. */
const MAX_SAVES = 200;
const MAX_EVENTS = 500;

interface QueuedEvent {
  event: Omit<TaskEvent, 'seq'>;
  /** This writer's append number: Redis skips an event it already wrote when a batch is resent. */
  counter: number;
  /** The event's JSON up to `"seq":`; the script adds the number and `}`. */
  head: string;
}

type Settled = { ok: true; value: unknown } | { ok: false; error: StoreError };

/**
 * What this writer knows of a task's result lists: per list, how many results Redis acknowledged
 * (a list not named: unknown, so the next round writes it whole), how many the last save had, and
 * how often what Redis holds was found out of date (an acknowledgement of a save sent before that
 * does not count).
 */
interface StoredLists {
  acked: ListStarts;
  saved: ListStarts;
  resets: number;
}

/** A save sent in a round: its version, and what its lists will be once Redis acknowledges it. */
interface SentSave {
  id: string;
  version: number;
  resets: number;
  counts: ListStarts;
}

type Hold = (error: StoreError, taskIds: string[]) => void;

const settle = (promise: Promise<unknown>): Promise<Settled> =>
  promise.then(
    (value) => ({ ok: true, value }),
    (reason: unknown) => ({ ok: false, error: toRedisStoreError(reason) }),
  );

/** The events a round wrote, with the seqs Redis gave them (0: written before, seq unknown, left out). */
function numbered(events: QueuedEvent[], seqs: unknown): TaskEvent[] {
  const given = Array.isArray(seqs) ? (seqs as unknown[]) : [];
  return events.map((e, i) => ({ ...e.event, seq: Number(given[i] ?? 0) })).filter((e) => e.seq > 0);
}

export interface RedisWriterOptions {
  run: RunScript;
  logger: Logger;
  /** While writes are held after a failure, retry them this often (ms). */
  retryMs: number;
}

export type RedisWriter = ReturnType<typeof createRedisWriter>;

/**
 * The background writes of the Redis store: task saves (newest state per task) and event appends,
 * sent in rounds on the command connection, one round at a time, so they reach Redis in order
 * (a round's saves before its events: a task's state is never older than an event after it).
 * Until Redis acknowledges a save, reads see it here (`pending`). A round that fails because Redis
 * cannot be reached keeps what it carried, and everything is held until a retry (every `retryMs`,
 * on reconnect, on `flush`) succeeds; each task whose writes are held is reported once per outage.
 */
export function createRedisWriter({ run, logger, retryMs }: RedisWriterOptions) {
  const producer = randomUUID();
  const held = new Map<string, { record: TaskRecord; version: number }>();
  const copy = createRecordCopier();
  const tracker = createListTracker();
  const lists = new Map<string, StoredLists>();
  // Tasks whose newest held save is not in a round yet.
  const dirty = new Set<string>();
  const queue: QueuedEvent[] = [];
  const stored = createListenerSet<[TaskEvent[]]>(logger, 'an onStored');
  const errors = createListenerSet<[StoreError, readonly string[]]>(logger, 'a write error');
  const reported = new Set<string>();
  let reportedDirect = false;
  let failure: StoreError | undefined;
  let version = 0;
  let counter = 0;
  let scheduled = false;
  let accepting = true;
  let flushing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const hasWork = () => dirty.size > 0 || queue.length > 0;

  const listsOf = (id: string): StoredLists => {
    let state = lists.get(id);
    if (!state) lists.set(id, (state = { acked: {}, saved: {}, resets: 0 }));
    return state;
  };

  /**
   * A save's result lists: one that is not the array of the task's last save with results only
   * added (a record read back, a list replaced or emptied) is written whole by the next round.
   */
  const noteLists = (task: TaskRecord) => {
    const state = listsOf(task.task_id);
    for (const list of RESULT_LISTS) {
      const results = task.result?.[list];
      if ((results ? tracker.kept(results) : 0) < (state.saved[list] ?? 0)) {
        delete state.acked[list];
        state.resets++;
      }
      state.saved[list] = results?.length ?? 0;
      if (results) tracker.mark(results);
    }
  };

  /** Writes are held: retry on a timer, and tell listeners about tasks not told yet in this outage. */
  const fail = (error: StoreError, taskIds: readonly string[]) => {
    if (!failure) {
      logger.warn({ err: error, store_code: error.storeCode }, 'redis store: writes are held until Redis answers again');
      timer = setInterval(() => void flush(), retryMs);
      timer.unref();
    }
    failure = error;
    const fresh = [...new Set(taskIds)].filter((id) => !reported.has(id));
    for (const id of fresh) reported.add(id);
    if (fresh.length) errors.call(error, fresh);
  };

  const recover = () => {
    clearInterval(timer);
    timer = undefined;
    failure = undefined;
    reported.clear();
    reportedDirect = false;
    logger.info('redis store: held writes are written; writing as usual again');
  };

  /** Refused outright (a bug, not an outage): retrying cannot help. */
  const drop = (error: StoreError, taskIds: string[]) => {
    logger.error({ err: error, tasks: taskIds }, 'redis store: a write was refused and dropped');
    errors.call(error, taskIds);
  };

  const schedule = () => {
    if (scheduled || failure) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  };

  function settleSave(save: SentSave, result: Settled, hold: Hold): void {
    const { id } = save;
    if (!result.ok && result.error.unavailable) {
      dirty.add(id);
      return hold(result.error, [id]);
    }
    const state = listsOf(id);
    /** What Redis holds is not known any more: the next save sends the lists whole. */
    const outdated = () => {
      state.acked = {};
      state.resets++;
    };
    if (result.ok && Number(result.value) === 0) {
      // Redis has fewer results than this writer knew (it lost data).
      outdated();
      return void dirty.add(id);
    }
    const newest = held.get(id);
    // A newer save of the task stays held (and dirty) until it is written in turn.
    if (newest?.version === save.version) held.delete(id);
    if (!result.ok) {
      outdated();
      return drop(result.error, [id]);
    }
    if (state.resets === save.resets) state.acked = save.counts;
    // A finished task written as it ends is not saved again; a later save writes its lists whole.
    if (!held.has(id) && newest && isFinal(newest.record.status)) lists.delete(id);
  }

  function settleAppend(events: QueuedEvent[], result: Settled, hold: Hold): void {
    const ids = [...new Set(events.map((e) => e.event.task_id))];
    if (!result.ok && result.error.unavailable) return hold(result.error, ids);
    queue.splice(0, events.length);
    if (!result.ok) return drop(result.error, ids);
    const written = numbered(events, result.value);
    if (written.length) stored.call(written);
  }

  /** Send one round; false when Redis could not be reached (what it carried is held again, in order). */
  async function round(): Promise<boolean> {
    const saves = [...dirty].slice(0, MAX_SAVES).map((id) => {
      dirty.delete(id);
      const { record, version: sent } = held.get(id)!;
      const state = listsOf(id);
      const { args, counts } = taskWriteArgs('save', record, state.acked);
      const save: SentSave = { id, version: sent, resets: state.resets, counts };
      return { save, reply: settle(run('writeTask', args)) };
    });
    const events = queue.slice(0, MAX_EVENTS);
    const args = [producer, ...events.flatMap((e) => [e.event.task_id, String(e.counter), e.head])];
    const appended = events.length ? settle(run('appendEvents', args)) : undefined;
    let unreachable: StoreError | undefined;
    const heldBack: string[] = [];
    const hold: Hold = (error, ids) => {
      unreachable = error;
      heldBack.push(...ids);
    };
    for (const { save, reply } of saves) settleSave(save, await reply, hold);
    if (appended) settleAppend(events, await appended, hold);
    if (unreachable) fail(unreachable, heldBack);
    return !unreachable;
  }

  async function drain(): Promise<void> {
    let ok = true;
    while (ok && hasWork()) ok = await round();
    if (ok && failure && !hasWork()) recover();
  }

  /** Write what is held and buffered (rounds until done or Redis fails); never rejects. */
  function flush(): Promise<void> {
    flushing ??= drain().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  return {
    /** The last failure, while writes are held. */
    get failure() {
      return failure;
    },
    flush,
    save(task: TaskRecord): void {
      if (!accepting) return;
      noteLists(task);
      held.set(task.task_id, { record: copy(task), version: ++version });
      dirty.add(task.task_id);
      schedule();
    },
    append(event: UnnumberedEvent): void {
      if (!accepting) return;
      const { seq: _ignored, ...rest } = event as TaskEvent;
      const json = JSON.stringify({ ...rest, seq: 0 });
      queue.push({ event: rest, counter: ++counter, head: json.slice(0, -'0}'.length) });
      schedule();
    },
    /** The task's newest save not yet acknowledged (a copy). */
    pending(taskId: string): TaskRecord | undefined {
      const save = held.get(taskId);
      return save && structuredClone(save.record);
    },
    /** Every save not yet acknowledged (copies). */
    pendingTasks: (): TaskRecord[] => [...held.values()].map((s) => structuredClone(s.record)),
    /** Tasks pruned: what was known of their results goes. */
    forget(taskIds: readonly string[]): void {
      for (const id of taskIds) lists.delete(id);
    },
    /** Tasks with a save or an event not yet written (prune leaves them alone). */
    busyTaskIds: (): string[] => [...new Set([...held.keys(), ...queue.map((e) => e.event.task_id)])],
    onStored: (listener: StoredListener) => stored.add(listener),
    onWriteError: (listener: WriteErrorListener) => errors.add(listener),
    /** A write made at once (insert, webhooks, documents) failed: reported once per outage when Redis is unreachable. */
    reportDirect(error: StoreError): void {
      if (error.unavailable && reportedDirect) return;
      if (error.unavailable) reportedDirect = true;
      errors.call(error, []);
    },
    /** The command connection is ready again: retry at once. */
    connectionReady(): void {
      reportedDirect = false;
      if (hasWork()) void flush();
    },
    /** Stop taking writes and write what is left, for at most `waitMs`; returns the tasks whose writes are lost. */
    async close(waitMs: number): Promise<string[]> {
      accepting = false;
      clearInterval(timer);
      const deadline = Date.now() + waitMs;
      const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
      while ((hasWork() || flushing) && Date.now() < deadline) {
        await Promise.race([flush(), pause(deadline - Date.now())]);
        if (hasWork()) await pause(Math.min(100, deadline - Date.now()));
      }
      return [...new Set([...dirty, ...queue.map((e) => e.event.task_id)])];
    },
  };
}
