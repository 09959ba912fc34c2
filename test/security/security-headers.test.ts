import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { helmetSecurityHeaders, securityHeaders } from '../../src/http/middleware/security.js';

/** The headers of a response to `path` from an app with `headers` in front of a JSON route. */
async function headersFrom(headers: RequestHandler, path: string): Promise<Record<string, string>> {
  const app = express();
  app.use((_req, res, next) => {
    res.setHeader('X-Powered-By', 'something before'); // helmet removes it
    next();
  });
  app.use(headers);
  app.get('/json', (_req, res) => void res.json({ ok: true }));
  const res = await request(app).get(path);
  const { date: _date, ...rest } = res.headers as Record<string, string>;
  return rest;
}

describe('securityHeaders (helmet, recorded once)', () => {
  it('sets exactly the headers helmet sets, and removes X-Powered-By as helmet does', async () => {
    for (const path of ['/json', '/missing']) {
      const ours = await headersFrom(securityHeaders(), path);
      const helmet = await headersFrom(helmetSecurityHeaders(), path);
      expect(ours).toEqual(helmet);
      expect(Object.keys(ours)).toEqual(Object.keys(helmet)); // in the same order
      expect(ours['x-powered-by']).toBeUndefined();
      expect(ours['strict-transport-security']).toBe('max-age=15552000');
    }
    // Express's own 404 page sets a CSP of its own; a route's answer keeps helmet's.
    expect((await headersFrom(securityHeaders(), '/json'))['content-security-policy']).toContain("default-src 'self'");
  });
});
