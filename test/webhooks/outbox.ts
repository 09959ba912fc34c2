import type { OutboxMessage, Store } from '../../src/store/store.js';

/**
 * Record every message enqueued on `store` from now on, so a test can see what is still pending
 * without claiming it (a claim would lease it away from the dispatcher). `pending()` reads their
 * current state through `get`, from this store or another one on the same data.
 */
export function trackOutbox(store: Store) {
  const ids: string[] = [];
  const webhooks = store.webhooks;
  const enqueue = webhooks.enqueue.bind(webhooks);
  webhooks.enqueue = async (message) => {
    ids.push(message.id);
    return enqueue(message);
  };
  return {
    /** Ids of every message enqueued, in order. */
    ids,
    /** The recorded messages still pending, in the order they were enqueued, as `from` has them. */
    async pending(from: Store = store): Promise<OutboxMessage[]> {
      const messages = await Promise.all(ids.map((id) => from.webhooks.get(id)));
      return messages.filter((m): m is OutboxMessage => m?.status === 'pending');
    },
  };
}
