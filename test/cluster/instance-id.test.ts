import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { newInstanceId } from '../../src/cluster/instance-id.js';

describe('newInstanceId', () => {
  it('is <hostname>-<port>-<random>', () => {
    expect(newInstanceId({ hostname: 'web-1', port: 8080 })).toMatch(/^web-1-8080-[0-9a-f]{6}$/);
  });

  it("defaults to this machine's host name, without a port", () => {
    const host = os.hostname().toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 32);
    expect(newInstanceId()).toMatch(new RegExp(`^${host}-[0-9a-f]{6}$`));
  });

  it('keeps only [a-z0-9-], so it is safe inside Redis keys and members', () => {
    expect(newInstanceId({ hostname: 'Web_1.Example:COM', port: 1 })).toMatch(/^web-1-example-com-1-[0-9a-f]{6}$/);
    expect(newInstanceId({ hostname: '...' })).toMatch(/^host-[0-9a-f]{6}$/);
    expect(newInstanceId({ hostname: 'x'.repeat(100) }).length).toBeLessThanOrEqual(32 + 7);
  });

  it('differs between calls with the same hint', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newInstanceId({ hostname: 'h', port: 1 })));
    expect(ids.size).toBe(50);
  });
});
