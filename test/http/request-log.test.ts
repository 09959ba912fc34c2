import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createErrorHandler } from '../../src/http/middleware/error-handler.js';
import { requestLogging } from '../../src/http/middleware/request-log.js';
import { LogSink } from '../helpers/log-sink.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An app with the request logging and the error handler around `routes`. */
function appWith(routes: (app: express.Express) => void) {
  const logs = new LogSink();
  const app = express();
  app.use(requestLogging(app, createLogger({ level: 'info', destination: logs })));
  routes(app);
  app.use(createErrorHandler());
  return { app, logs };
}

describe('request logging', () => {
  it('gives GET /health a request id and no access log line; /health with a query is logged', async () => {
    const { app, logs } = appWith((a) => a.get('/health', (_req, res) => void res.json({ ok: true })));
    const res = await request(app).get('/health').expect(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(logs.lines).toEqual([]);
    const echoed = await request(app).get('/health').set('X-Request-Id', 'probe-1').expect(200);
    expect(echoed.headers['x-request-id']).toBe('probe-1');
    await request(app).get('/health?token=secret').expect(200);
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({ msg: 'request completed', req: { method: 'GET', url: '/health' }, res: { statusCode: 200 } });
    expect(logs.text()).not.toContain('secret');
  });

  it('logs an unhandled error on /health with the same bindings as on a logged route (the lazy req.log)', async () => {
    const boom = () => {
      throw new Error('boom');
    };
    const { app, logs } = appWith((a) => a.get(['/health', '/other'], boom));
    const probe = await request(app).get('/health').expect(500);
    const other = await request(app).get('/other').expect(500);
    const errors = logs.lines.filter((l) => l.msg === 'unhandled error');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ request_id: probe.headers['x-request-id'], req: { method: 'GET', url: '/health' }, err: { message: 'boom' } });
    expect(errors[1]).toMatchObject({ request_id: other.headers['x-request-id'], req: { method: 'GET', url: '/other' }, err: { message: 'boom' } });
    expect(Object.keys(errors[0]!).sort()).toEqual(Object.keys(errors[1]!).sort());
    // Only /other has an access line (error level: a 500).
    expect(logs.lines.filter((l) => l.msg !== 'unhandled error').map((l) => (l.req as { url: string }).url)).toEqual(['/other']);
  });

  it('gives req.log and res.log as one logger on both kinds of request; assigning replaces it', async () => {
    const seen: Array<{ same: boolean; hasInfo: boolean; replaced: boolean }> = [];
    const { app } = appWith((a) =>
      a.get(['/health', '/other'], (req, res) => {
        const same = req.log === res.log;
        const hasInfo = typeof req.log.info === 'function';
        const replacement = req.log.child({ extra: 1 });
        req.log = replacement;
        seen.push({ same, hasInfo, replaced: req.log === replacement });
        res.json({});
      }),
    );
    await request(app).get('/health').expect(200);
    await request(app).get('/other').expect(200);
    expect(seen).toEqual([
      { same: true, hasInfo: true, replaced: true },
      { same: true, hasInfo: true, replaced: true },
    ]);
  });
});
