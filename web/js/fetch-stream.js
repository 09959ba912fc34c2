// An event stream read with fetch, for when the console holds an API key but no stream token for
// the task (a task opened from the list: only start answers carry a token). Same surface as the
// EventSource use in task-view.js: onopen, onmessage({data}), onerror, readyState, close().
/* global URL, location, AbortController, fetch, TextDecoderStream, setTimeout */ // browser globals (the lint config knows Node's only)
import { createParser } from '../vendor/eventsource-parser.js';

export class FetchEventStream {
  static CLOSED = 2;

  constructor(url, headers) {
    this.readyState = 0;
    this.lastEventId = new URL(url, location.href).searchParams.get('last_event_id') ?? '';
    this.controller = new AbortController();
    void this.run(url, headers);
  }

  close() {
    this.readyState = FetchEventStream.CLOSED;
    this.controller.abort();
  }

  async run(url, headers) {
    while (this.readyState !== FetchEventStream.CLOSED) {
      try {
        const h = { Accept: 'text/event-stream', ...headers };
        if (this.lastEventId) h['Last-Event-ID'] = this.lastEventId;
        const res = await fetch(url, { headers: h, signal: this.controller.signal });
        if (res.status === 204 || !res.ok) {
          this.readyState = FetchEventStream.CLOSED;
          if (res.status !== 204) this.onerror?.();
          return;
        }
        this.readyState = 1;
        this.onopen?.();
        const parser = createParser({
          onEvent: (m) => {
            if (m.id) this.lastEventId = m.id;
            this.onmessage?.({ data: m.data });
          },
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        if (this.readyState === FetchEventStream.CLOSED) return;
      }
      // Dropped: tell the view, wait, and resume after the last id (as EventSource would).
      this.readyState = 0;
      this.onerror?.();
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
