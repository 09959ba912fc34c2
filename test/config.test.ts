import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { configProblems } from './helpers/config-problems.js';

describe('loadConfig defaults', () => {
  it('listens on 127.0.0.1:5060 with the documented limits', () => {
    const config = loadConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(5060);
    expect(config.limits).toEqual({ maxConcurrentAgents: 16, maxAgentsPerTask: 8, maxActiveTasks: 50 });
    expect(config.logLevel).toBe('info');
    expect(config.publicBaseUrl).toBeUndefined();
    expect(config.defaultModel).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.corpusDir).toBe(path.join(PROJECT_ROOT, 'docs'));
    expect(config.sse.heartbeatMs).toBe(15_000);
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ HOST: '', PORT: '', MAX_ACTIVE_TASKS: '', OPENAI_API_KEY: '', DEFAULT_PROVIDER: '' });
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(5060);
    expect(config.limits.maxActiveTasks).toBe(50);
    expect(config.defaultProvider).toBe('local');
  });

  it('ignores variables it does not know (the whole process environment is passed in)', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'test' }).port).toBe(5060);
  });
});

describe('DEFAULT_PROVIDER', () => {
  it('is local with no key (auto)', () => {
    expect(loadConfig({}).defaultProvider).toBe('local');
    expect(loadConfig({ DEFAULT_PROVIDER: 'auto' }).defaultProvider).toBe('local');
  });

  it('auto picks the first of xai, openai, anthropic with a key set', () => {
    expect(loadConfig({ OPENAI_API_KEY: 'sk-o' }).defaultProvider).toBe('openai');
    expect(loadConfig({ ANTHROPIC_API_KEY: 'sk-a' }).defaultProvider).toBe('anthropic');
    expect(loadConfig({ XAI_API_KEY: 'xai-x', OPENAI_API_KEY: 'sk-o' }).defaultProvider).toBe('xai');
    expect(loadConfig({ OPENAI_API_KEY: 'sk-o', ANTHROPIC_API_KEY: 'sk-a' }).defaultProvider).toBe('openai');
    expect(loadConfig({ XAI_API_KEY: 'x', OPENAI_API_KEY: 'o', ANTHROPIC_API_KEY: 'a' }).defaultProvider).toBe('xai');
  });

  it('an explicit choice wins over the keys', () => {
    expect(loadConfig({ DEFAULT_PROVIDER: 'anthropic', XAI_API_KEY: 'x' }).defaultProvider).toBe('anthropic');
    expect(loadConfig({ DEFAULT_PROVIDER: 'local', OPENAI_API_KEY: 'o' }).defaultProvider).toBe('local');
  });

  it('keys and base URLs reach the provider settings', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-o', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', DEFAULT_MODEL: 'llama3' });
    expect(config.providers.openai).toEqual({ apiKey: 'sk-o', baseURL: 'http://127.0.0.1:11434/v1' });
    expect(config.providers.xai.apiKey).toBeUndefined();
    expect(config.defaultModel).toBe('llama3');
  });
});

describe('other settings', () => {
  it('parses numbers and URLs, and trims a trailing slash off PUBLIC_BASE_URL', () => {
    const config = loadConfig({ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED: 'true', PORT: '0', MAX_CONCURRENT_AGENTS: '4', MAX_ACTIVE_TASKS: '2', PUBLIC_BASE_URL: 'https://example.org/mcp/' });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 0, limits: { maxConcurrentAgents: 4, maxActiveTasks: 2 }, publicBaseUrl: 'https://example.org/mcp' });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('reads TRUST_PROXY=%s as %s', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(expected);
  });
});

describe('bad values', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['MAX_CONCURRENT_AGENTS', '0'],
    ['MAX_ACTIVE_TASKS', 'many'],
    ['LOG_LEVEL', 'loud'],
    ['STORE', 'postgres'],
    ['DEFAULT_PROVIDER', 'gemini'],
    ['PUBLIC_BASE_URL', 'example.org/mcp'],
    ['PUBLIC_BASE_URL', 'javascript:alert(1)'],
    ['OPENAI_BASE_URL', 'ftp://example.org'],
    ['TRUST_PROXY', 'maybe'],
  ])('%s=%s is one problem naming the variable and the value', (name, value) => {
    const lines = configProblems({ [name]: value });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${name}: `));
    expect(lines[0]).toContain(JSON.stringify(value));
  });

  it('lists every problem, one line each: PORT=abc and MAX_CONCURRENT_AGENTS=0 give two lines', () => {
    const lines = configProblems({ PORT: 'abc', MAX_CONCURRENT_AGENTS: '0' });
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.startsWith('PORT: '))).toBeDefined();
    expect(lines.find((l) => l.startsWith('MAX_CONCURRENT_AGENTS: '))).toBeDefined();
    for (const line of lines) expect(line).not.toContain('\n');
  });

  it('reports three problems in three lines, leaving the good values alone', () => {
    const lines = configProblems({ PORT: '99999', LOG_LEVEL: 'chatty', MAX_ACTIVE_TASKS: '0', HOST: '0.0.0.0', API_KEYS: 'k1', MAX_CONCURRENT_AGENTS: '8' });
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual(['LOG_LEVEL', 'MAX_ACTIVE_TASKS', 'PORT']);
  });
});

describe('STORE=redis', () => {
  it('needs REDIS_URL, and says so in one line', () => {
    expect(configProblems({ STORE: 'redis' })).toEqual(['REDIS_URL: STORE=redis needs it (e.g. redis://127.0.0.1:6379)']);
  });

  it('refuses a REDIS_URL that is not redis:// or rediss://, without echoing it (it may hold a password)', () => {
    const [line] = configProblems({ STORE: 'redis', REDIS_URL: 'http://:hunter2@cache:6379' });
    expect(line).toMatch(/^REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(line).not.toContain('hunter2');
  });

  it('reads the URL, prefix, instance tag and takeover lock, with their defaults', () => {
    const config = loadConfig({ STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:6379/2' });
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379/2', prefix: 'mcpo', lockMs: 10_000 });
    expect(config.instanceTag).toBeUndefined();
    const tagged = loadConfig({ STORE: 'redis', REDIS_URL: 'rediss://cache:6380', REDIS_PREFIX: 'prod:a', INSTANCE_TAG: 'p5061', TAKEOVER_LOCK_MS: '3000' });
    expect([tagged.redis.prefix, tagged.instanceTag, tagged.redis.lockMs]).toEqual(['prod:a', 'p5061', 3000]);
    expect(configProblems({ STORE: 'redis', REDIS_URL: 'redis://x', INSTANCE_TAG: 'p 5061' })[0]).toMatch(/^INSTANCE_TAG: /);
  });
});
