import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadSharedSecret } from '../../src/cluster/shared-secret.js';
import { useRedis } from './connections.js';

const db = useRedis();
let n = 0;

const generate = () => randomBytes(32).toString('base64url');

describe('loadSharedSecret', () => {
  it('gives every instance the same secret when they load it at once', async () => {
    const key = `test:secret:${++n}`;
    const loads = Array.from({ length: 5 }, () => loadSharedSecret({ redis: db.connections.open(), key, generate }));
    const secrets = await Promise.all(loads);
    expect(new Set(secrets).size).toBe(1);
    expect(secrets[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await db.admin.get(key)).toBe(secrets[0]);
    expect(await db.admin.pttl(key)).toBe(-1); // kept for good, not on a TTL
  });

  it('keeps the secret across a Redis restart', async () => {
    const key = `test:secret:${++n}`;
    const redis = db.connections.open();
    const before = await loadSharedSecret({ redis, key, generate });
    await db.server.restart({ downMs: 100 });
    const after = await loadSharedSecret({ redis: db.connections.open(), key, generate });
    expect(after).toBe(before);
  });

  it('returns a configured secret as it is, without touching Redis', async () => {
    const key = `test:secret:${++n}`;
    await expect(loadSharedSecret({ redis: db.admin, key, fallback: 'whsec_configured', generate })).resolves.toBe('whsec_configured');
    const raw = randomBytes(32);
    await expect(loadSharedSecret({ redis: db.admin, key, fallback: raw, generate })).resolves.toBe(raw.toString('base64url'));
    expect(await db.admin.exists(key)).toBe(0);
  });

  it('prefers an existing stored secret over a new one', async () => {
    const key = `test:secret:${++n}`;
    await db.admin.set(key, 'stored-before');
    await expect(loadSharedSecret({ redis: db.admin, key, generate })).resolves.toBe('stored-before');
  });

  it('refuses an empty generated secret', async () => {
    await expect(loadSharedSecret({ redis: db.admin, key: `test:secret:${++n}`, generate: () => '' })).rejects.toThrow('empty');
  });
});
