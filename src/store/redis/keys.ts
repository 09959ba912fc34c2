/**
 * The key layout of the Redis store. Every key starts with the store's prefix (default `mcpo:`),
 * then one of these parts, then (for most) a task or message id. The Lua scripts build the same
 * names from this table (see `luaPrelude` in scripts.ts), so there is one list to change.
 *
 * No part is a prefix of another part followed by an id that could collide (`ev:` and `evseq:`
 * differ in their third character), so ids may contain any character.
 */
export const KEY_PARTS = {
  /**
   * Hash per task: `record` (the TaskRecord JSON, its agent result lists empty), `status`, `ord`
   * (creation order), and per result list `n:<list>` (its length) and `r:<list>:<index>` (each result's JSON).
   */
  task: 'task:',
  /** Counter giving each new task its `ord`. */
  taskOrd: 'tasks:ord',
  /** ZSET of every task id scored by `ord`: `list` without a status. */
  tasks: 'tasks:all',
  /** ZSET per status (`tasks:st:running`) of task ids scored by `ord`. */
  status: 'tasks:st:',
  /** ZSET of finished task ids scored by `ord` (retention by count). */
  finished: 'tasks:finished',
  /** ZSET of finished task ids scored by when they finished, epoch ms (retention by age). */
  finishedAt: 'tasks:finished_at',
  /** Stream per task; entry id `0-<seq>`, field `e` the event JSON, `p` who appended it. */
  events: 'ev:',
  /** Counter per task: the last `seq` given. */
  eventSeq: 'evseq:',
  /** Hash per task: appender id → the last append counter it wrote (so a resent batch is not written twice). */
  eventProducers: 'evprod:',
  /** Hash per task: registration id → WebhookRegistration JSON. */
  webhooks: 'wh:',
  /** Hash per outbox message, one field per OutboxMessage field. */
  outbox: 'ob:',
  /** Set per task of its outbox message ids. */
  outboxByTask: 'obtask:',
  /**
   * ZSET of pending outbox messages scored by `next_attempt_at`; each member is the message's
   * `due_member` field, `<16-digit enqueue number>:<id>`, so messages due at the same time are taken in enqueue order.
   */
  outboxDue: 'obdue',
  /** Counter numbering enqueued outbox messages (for `due_member`). */
  outboxSeq: 'obseq',
  /** String per task and extension (`doc:<task>:pdf`): the document's bytes. */
  document: 'doc:',
  /** Set per task of the extensions it has documents for. */
  documents: 'docs:',
} as const;

export type KeyPart = keyof typeof KEY_PARTS;

/** Key names under one prefix, for the commands sent from TypeScript. */
export function createKeys(prefix: string) {
  const key = (part: KeyPart, id = '') => `${prefix}${KEY_PARTS[part]}${id}`;
  return {
    key,
    task: (taskId: string) => key('task', taskId),
    events: (taskId: string) => key('events', taskId),
    eventSeq: (taskId: string) => key('eventSeq', taskId),
    webhooks: (taskId: string) => key('webhooks', taskId),
    outbox: (messageId: string) => key('outbox', messageId),
    document: (taskId: string, extension: string) => `${key('document', taskId)}:${extension}`,
    /** The pub/sub channel a task's events are published on (channels are not keys: it may share the stream's name). */
    channel: (taskId: string) => `${prefix}ev:${taskId}`,
  };
}

export type Keys = ReturnType<typeof createKeys>;
