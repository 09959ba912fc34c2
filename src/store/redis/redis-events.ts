import type { Redis } from 'ioredis';
import type { TaskEvent } from '../../events/event.js';
import type { Logger } from '../../logger.js';
import type { EventStore, EventWatcher } from '../store.js';
import type { Keys } from './keys.js';
import type { RedisWriter } from './redis-writer.js';
import { storeCall } from './redis-errors.js';

/** Stream entries read per XRANGE. */
const PAGE = 1000;

export interface RedisEventStoreOptions {
  commands: Redis;
  subscriber: Redis;
  keys: Keys;
  writer: RedisWriter;
  logger: Logger;
}

type StreamEntry = [id: string, fields: string[]];

function eventOf([, fields]: StreamEntry): TaskEvent | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'e') return JSON.parse(fields[i + 1]!) as TaskEvent;
  return undefined;
}

/**
 * The watched task channels of this process, each with its listeners and the last seq they were
 * given. An event reaches them from the channel (whoever appended it) and, for this process's own
 * appends, as soon as Redis acknowledged it (so a watcher gets those even before its SUBSCRIBE
 * took effect, or while the subscriber connection is down); whichever comes second is dropped,
 * and so is an event older than one already given, so listeners see seqs only rising.
 */
function createChannels(subscriber: Redis, logger: Logger) {
  const channels = new Map<string, { listeners: Set<EventWatcher>; last: number }>();
  const deliver = (channel: string, event: TaskEvent) => {
    const watched = channels.get(channel);
    if (!watched || event.seq <= watched.last) return;
    watched.last = event.seq;
    // The set itself, not a copy per event (a thousand stream clients may watch one task); see task-watchers.ts.
    for (const listener of watched.listeners) {
      try {
        listener(event);
      } catch (error) {
        logger.error({ err: error, task_id: event.task_id }, 'redis store: a watch listener threw');
      }
    }
  };
  subscriber.on('message', (channel: string, message: string) => {
    if (!channels.has(channel)) return;
    try {
      deliver(channel, JSON.parse(message) as TaskEvent);
    } catch (error) {
      logger.warn({ err: error, channel }, 'redis store: an event message that is not JSON was ignored');
    }
  });
  // Commands queue while the subscriber is disconnected; ioredis resubscribes what was subscribed.
  const send = (command: 'subscribe' | 'unsubscribe', channel: string) =>
    subscriber[command](channel).catch((error: unknown) => logger.warn({ err: error, channel }, `redis store: ${command} failed`));
  return {
    deliver,
    add(channel: string, listener: EventWatcher): () => void {
      let watched = channels.get(channel);
      if (!watched) {
        channels.set(channel, (watched = { listeners: new Set(), last: 0 }));
        void send('subscribe', channel);
      }
      const mine = watched;
      mine.listeners.add(listener);
      return () => {
        if (!mine.listeners.delete(listener) || mine.listeners.size > 0 || channels.get(channel) !== mine) return;
        channels.delete(channel);
        void send('unsubscribe', channel);
      };
    },
  };
}

/**
 * Events in a Redis Stream per task, numbered by Redis (see the `appendEvents` script), so
 * several processes appending to one task get one gap-free sequence. Each event is published on
 * the task's channel as it is stored; `watch` listens there, whoever appended (this process's own
 * events reach its watchers as soon as Redis acknowledges them, too).
 */
export function createRedisEventStore({ commands, subscriber, keys, writer, logger }: RedisEventStoreOptions): EventStore {
  const channels = createChannels(subscriber, logger);
  writer.onStored((events) => {
    for (const event of events) channels.deliver(keys.channel(event.task_id), event);
  });
  return {
    append: (event) => writer.append(event),
    onStored: (listener) => writer.onStored(listener),
    watch: (taskId, listener) => channels.add(keys.channel(taskId), listener),
    async after(taskId, afterSeq) {
      const events: TaskEvent[] = [];
      let from = `(0-${Math.max(0, Math.floor(afterSeq))}`;
      for (;;) {
        const entries = (await storeCall(() => commands.xrange(keys.events(taskId), from, '+', 'COUNT', PAGE))) as StreamEntry[];
        for (const entry of entries) {
          const event = eventOf(entry);
          if (event) events.push(event);
        }
        if (entries.length < PAGE) return events;
        from = `(${entries.at(-1)![0]}`;
      }
    },
    async lastSeq(taskId) {
      const seq = await storeCall(() => commands.get(keys.eventSeq(taskId)));
      return seq === null ? 0 : Number(seq);
    },
  };
}
