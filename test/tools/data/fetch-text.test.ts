import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchText, formatDuration } from '../../../src/tools/data/fetch-text.js';
import { startFakeApi, type FakeApi } from './fake-api.js';

describe('fetchText', () => {
  let api: FakeApi;
  beforeEach(async () => {
    api = await startFakeApi(() => ({ body: 'x'.repeat(5000) }));
  });
  afterEach(() => api.close());

  const get = (maxBytes: number) =>
    fetchText(new URL(`${api.origin}/api`), { source: 'arxiv', userAgent: 'ua', accept: 'application/atom+xml', timeoutMs: 10_000, maxBytes });

  it('reads a body up to maxBytes', async () => {
    await expect(get(5000)).resolves.toHaveLength(5000);
  });

  it('refuses a body above maxBytes, announced by Content-Length', async () => {
    await expect(get(1024)).rejects.toThrow('arxiv search failed: the API answered more than 1 KB');
  });

  it('refuses a streamed body once it grows past maxBytes', async () => {
    api.answer(() => ({ headers: { 'Transfer-Encoding': 'chunked' }, body: 'y'.repeat(5000) }));
    await expect(get(1500)).rejects.toThrow('arxiv search failed: the API answered more than 1500 bytes');
  });
});

describe('formatDuration', () => {
  it('writes seconds when whole, else tenths or milliseconds', () => {
    expect([formatDuration(15_000), formatDuration(2500), formatDuration(200)]).toEqual(['15 s', '2.5 s', '200 ms']);
  });
});
