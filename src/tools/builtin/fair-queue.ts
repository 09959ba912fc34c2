import { AppError } from '../../errors.js';

/** Limits of a {@link FairQueue}. */
export interface FairQueueOptions {
  /** Items one client may have waiting or running at once; one more is a 429 `rate_limited`. */
  maxPendingPerClient: number;
  /** Items all clients together may have waiting or running; one more is a 503 `unavailable`. */
  maxPending: number;
  /** Items of one client running at once; its others wait even when a worker is free. */
  maxRunningPerClient: number;
  /** Seconds a refused client is told to wait (`Retry-After`). */
  retryAfterS: number;
  /** What is queued, for the refusal's message (`calculate`). */
  what: string;
}

/**
 * A refusal because a queue is full: 429 `rate_limited` (this client has too much pending) or 503
 * `unavailable` (the server has). `retryAfterS` is sent as `Retry-After`.
 */
export class QueueFullError extends AppError {
  constructor(code: 'rate_limited' | 'unavailable', message: string, retryAfterS: number) {
    super(code, code === 'rate_limited' ? 429 : 503, message);
    this.retryAfterS = retryAfterS;
  }
}

interface Client<T> {
  waiting: T[];
  running: number;
  /** When it was last served (a tick of the queue); 0 for a client new to the queue. */
  lastServed: number;
}

/**
 * Per-client FIFO queues served in turn: the next item comes from the client served longest ago
 * that has one waiting and is under its running limit, so a client with many items waiting delays
 * another client's item by at most one turn. Admission is bounded per client and overall.
 */
export class FairQueue<T> {
  private readonly clients = new Map<string, Client<T>>();
  private pendingCount = 0;
  private waitingCount = 0;
  private tick = 0;

  constructor(private readonly options: FairQueueOptions) {}

  /** Items waiting or running. */
  get pending(): number {
    return this.pendingCount;
  }

  /** Items waiting. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Clients with an item waiting or running. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Queue `item` for `key`, or throw a {@link QueueFullError}. */
  admit(key: string, item: T): void {
    const { maxPendingPerClient, maxPending, retryAfterS, what } = this.options;
    const client = this.clients.get(key);
    if (client && client.waiting.length + client.running >= maxPendingPerClient) {
      throw new QueueFullError('rate_limited', `too many ${what} calls of this client at once (${maxPendingPerClient}); retry after ${retryAfterS} s`, retryAfterS);
    }
    if (this.pendingCount >= maxPending) {
      throw new QueueFullError('unavailable', `${what} is busy (${maxPending} calls waiting or running); retry after ${retryAfterS} s`, retryAfterS);
    }
    if (client) client.waiting.push(item);
    else this.clients.set(key, { waiting: [item], running: 0, lastServed: 0 });
    this.pendingCount++;
    this.waitingCount++;
  }

  /** The next item to run, now counted as running for its client; `undefined` when none may run. */
  next(): T | undefined {
    let chosen: Client<T> | undefined;
    for (const client of this.clients.values()) {
      if (!client.waiting.length || client.running >= this.options.maxRunningPerClient) continue;
      if (!chosen || client.lastServed < chosen.lastServed) chosen = client;
    }
    if (!chosen) return undefined;
    chosen.running++;
    chosen.lastServed = ++this.tick;
    this.waitingCount--;
    return chosen.waiting.shift();
  }

  /** Take a waiting item out; false when it is not waiting (running, or gone). */
  remove(key: string, item: T): boolean {
    const client = this.clients.get(key);
    const index = client?.waiting.indexOf(item) ?? -1;
    if (!client || index < 0) return false;
    client.waiting.splice(index, 1);
    this.pendingCount--;
    this.waitingCount--;
    this.prune(key, client);
    return true;
  }

  /** A running item of `key` is done. */
  finish(key: string): void {
    const client = this.clients.get(key);
    if (!client || client.running === 0) return;
    client.running--;
    this.pendingCount--;
    this.prune(key, client);
  }

  /** Take every waiting item out (running ones stay counted until they finish). */
  drain(): T[] {
    const items: T[] = [];
    for (const [key, client] of this.clients) {
      items.push(...client.waiting.splice(0));
      this.prune(key, client);
    }
    this.pendingCount -= items.length;
    this.waitingCount -= items.length;
    return items;
  }

  private prune(key: string, client: Client<T>) {
    if (!client.waiting.length && client.running === 0) this.clients.delete(key);
  }
}
