import { EventSource, type FetchLike } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/events/event.js';
import type { TestServer } from '../helpers/test-server.js';
import { createSwarmModel, finishedHistory, openAllGates, startSearch, startServerWith } from './stream-fixtures.js';

let server: TestServer | undefined;
let source: EventSource | undefined;
afterEach(async () => {
  source?.close();
  source = undefined;
  openAllGates();
  await server?.close();
  server = undefined;
});

describe('GET /stream/:taskId — a browser-compatible EventSource', () => {
  it('sees every event through onmessage, keeps lastEventId, and stops on the 204 after stream_closed', async () => {
    server = await startServerWith(createSwarmModel({ angles: 3 }));
    const taskId = await startSearch(server);
    const sent: Array<string | null> = [];
    // Record each request's Last-Event-ID, then let the real fetch do the work.
    const fetchSpy: FetchLike = (url, init) => {
      sent.push(new Headers(init.headers).get('last-event-id'));
      return fetch(url, init);
    };

    const messages: Array<{ type: string; data: TaskEvent; lastEventId: string }> = [];
    const named: string[] = [];
    const closed = new Promise<void>((resolve) => {
      source = new EventSource(`${server!.url}/stream/${taskId}`, { fetch: fetchSpy });
      source.onmessage = (m) => messages.push({ type: m.type, data: JSON.parse(m.data) as TaskEvent, lastEventId: m.lastEventId });
      for (const type of ['workflow_start', 'agent_complete', 'stream_closed']) source.addEventListener(type, () => named.push(type));
      source.onerror = () => {
        if (source?.readyState === EventSource.CLOSED) resolve();
      };
    });
    await closed;

    const history = await finishedHistory(server, taskId);
    expect(messages.map((m) => m.data)).toEqual(history);
    expect(messages.every((m) => m.type === 'message')).toBe(true);
    expect(messages.map((m) => m.lastEventId)).toEqual(history.map((e) => String(e.seq)));
    expect(named).toEqual([]); // nothing went out under an event name
    // After the response ended it reconnected once with the last id, got 204 and gave up.
    expect(sent).toEqual([null, String(history.at(-1)!.seq)]);
    expect(source!.readyState).toBe(EventSource.CLOSED);
  });
});
