import { afterEach, describe, expect, it } from 'vitest';
import { isLoopbackHost, loadConfig } from '../../src/config.js';
import { CLI, cleanupChildren, run } from '../helpers/child-process.js';
import { configProblems } from '../helpers/config-problems.js';

afterEach(cleanupChildren);

describe('listening beyond loopback without API keys', () => {
  it.each(['0.0.0.0', '::', '192.168.1.10', 'example.org'])('HOST=%s with no keys is refused, in one line naming API_KEYS', (host) => {
    const lines = configProblems({ HOST: host });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^API_KEYS: .*ALLOW_UNAUTHENTICATED=true/);
    expect(lines[0]).not.toContain('\n');
  });

  it('is listed together with the other problems', () => {
    const lines = configProblems({ HOST: '0.0.0.0', PORT: 'abc' });
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual(['API_KEYS', 'PORT']);
  });

  it.each([
    [{ HOST: '0.0.0.0', API_KEYS: 'k1' }],
    [{ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED: 'true' }],
    [{ HOST: '127.0.0.1' }],
    [{ HOST: '127.8.9.10' }],
    [{ HOST: 'localhost' }],
    [{ HOST: '::1' }],
    [{}],
  ])('accepts %j', (env) => {
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('knows loopback', () => {
    for (const host of ['127.0.0.1', '127.255.0.1', 'localhost', 'LOCALHOST', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '128.0.0.1', '10.0.0.1', 'localhost.evil.com', '127.0.0.1.evil.com']) expect(isLoopbackHost(host)).toBe(false);
  });

  it('makes `mcp-orchestrator serve` exit 1 with one clear line', async () => {
    const child = run(CLI, ['serve'], { HOST: '0.0.0.0', PORT: '0', STORE: 'memory' });
    const { code } = await child.exited;
    expect(code).toBe(1);
    const lines = child.stderr().trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^config: API_KEYS: must be set when HOST "0.0.0.0" is not loopback/)]);
  });
});

describe('security settings', () => {
  it('parses API_KEYS, rate limits, CORS origins and the token lifetime, with documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      auth: { apiKeys: [], streamTokenTtlS: 3600 },
      rateLimit: { perMin: 300, orchestratePerMin: 30 },
      corsOrigins: [],
      trustProxy: false,
    });
    const config = loadConfig({
      API_KEYS: ' a1 ,, b2 ',
      STREAM_TOKEN_TTL_S: '60',
      RATE_LIMIT_PER_MIN: '10',
      ORCHESTRATE_RATE_LIMIT_PER_MIN: '0',
      CORS_ORIGINS: 'http://localhost:3000, HTTPS://App.Example.org:443,https://app.example.org',
    });
    expect(config.auth).toEqual({ apiKeys: ['a1', 'b2'], streamTokenTtlS: 60 });
    expect(config.rateLimit).toEqual({ perMin: 10, orchestratePerMin: 0 });
    expect(config.corsOrigins).toEqual(['http://localhost:3000', 'https://app.example.org']);
  });

  it.each([
    ['true', true],
    ['1', true],
    ['no', false],
    ['2', 2],
    ['loopback', 'loopback'],
    ['loopback, 10.0.0.0/8', 'loopback, 10.0.0.0/8'],
  ])('reads TRUST_PROXY=%s as %j', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each([
    ['CORS_ORIGINS', 'https://*.example.org'],
    ['CORS_ORIGINS', 'https://example.org/app'],
    ['CORS_ORIGINS', 'null'],
    ['CORS_ORIGINS', 'example.org'],
    ['TRUST_PROXY', 'everyone'],
    ['RATE_LIMIT_PER_MIN', '-1'],
    ['STREAM_TOKEN_TTL_S', '0'],
  ])('%s=%s is one problem naming the variable', (name, value) => {
    const lines = configProblems({ [name]: value });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('never echoes API_KEYS in a problem line', () => {
    const lines = configProblems({ API_KEYS: 'sekrit-key', PORT: 'abc', HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED: 'maybe' });
    expect(lines.join('\n')).not.toContain('sekrit-key');
  });
});
