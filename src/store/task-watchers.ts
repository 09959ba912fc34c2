import type { TaskEvent } from '../events/event.js';
import type { EventWatcher } from './store.js';

/**
 * The `watch` listeners of a store, by task: telling them about stored events costs one lookup
 * per event, however many tasks are watched, and one plain call per listener (a thousand stream
 * clients on one task are a thousand listeners of that task, none of the others).
 */
export function createTaskWatchers() {
  const byTask = new Map<string, Set<EventWatcher>>();
  return {
    watch(taskId: string, listener: EventWatcher): () => void {
      let set = byTask.get(taskId);
      if (!set) byTask.set(taskId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && byTask.get(taskId) === set) byTask.delete(taskId);
      };
    },
    /** Tell each task's watchers about its events, in order. */
    publish(events: readonly TaskEvent[]): void {
      if (byTask.size === 0) return;
      for (const event of events) {
        const set = byTask.get(event.task_id);
        // The set itself, not a copy (a thousand listeners a copy per event): one removed meanwhile
        // is skipped, one added meanwhile hears this event too, and its follower drops it if seen.
        if (set) for (const listener of set) listener(event);
      }
    },
  };
}
