import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/server.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** Serve `app`; `onArrival` sees each request before Express does. */
async function serve(app: express.Express, onArrival?: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createHttpServer(app);
  if (onArrival) server.prependListener('request', onArrival);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => new Promise((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('createHttpServer', () => {
  it('creates requests and responses with the app prototypes, so Express has none to swap per request', async () => {
    const app = express();
    const arrived: boolean[] = [];
    app.get('/x', (req, res) => res.status(201).json({ header: req.get('x-probe'), app: req.app === app }));
    const url = await serve(app, (req, res) => arrived.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response));
    const answer = await fetch(`${url}/x`, { headers: { 'x-probe': 'yes' } });
    expect(answer.status).toBe(201);
    expect(await answer.json()).toEqual({ header: 'yes', app: true });
    expect(arrived).toEqual([true, true]);
  });

  it('keeps prototypes set on the app before the server was created', async () => {
    const app = express();
    Object.assign(app.response, { probe: () => 'from app.response' });
    app.get('/x', (_req, res) => res.send((res as unknown as { probe(): string }).probe()));
    const url = await serve(app);
    expect(await (await fetch(`${url}/x`)).text()).toBe('from app.response');
  });
});
