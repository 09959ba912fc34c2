import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LanguageModel } from 'ai';
import { loadConfig } from '../../src/config.js';
import { ValidationError } from '../../src/errors.js';
import { createModelResolver, type ExtraFactories } from '../../src/providers/model-resolver.js';

/** A stand-in model: the resolver only needs something to hand back. */
const stub = (provider: string) => (modelId: string) => ({ provider, modelId }) as unknown as LanguageModel;

/** A resolver as `createServices` builds it: the real `local` slot filled, `extra` on top. */
function resolver(env: Record<string, string>, extra: ExtraFactories = {}) {
  return createModelResolver(loadConfig(env), { local: stub('local'), ...extra });
}

/** The `ValidationError` that `resolve` throws. */
function rejection(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected resolve() to throw');
}

const OPENAI = { OPENAI_API_KEY: 'sk-test' };
const XAI = { XAI_API_KEY: 'xai-test' };
const ANTHROPIC = { ANTHROPIC_API_KEY: 'anthropic-test' };
const ALL = { ...OPENAI, ...XAI, ...ANTHROPIC };

describe('a model of a provider that has no key', () => {
  it('is a 400 naming the provider and the key to set, not a silent run on local', () => {
    const error = rejection(() => resolver({}).resolve(undefined, 'gpt-4o-mini'));
    expect(error.status).toBe(400);
    expect(error.code).toBe('validation_error');
    expect(error.message).toBe('model "gpt-4o-mini" is an openai model, and openai is not configured: set OPENAI_API_KEY');
    expect(error.details).toEqual([{ path: 'model', message: error.message }]);
  });

  it.each([
    ['grok-3', 'xai', 'XAI_API_KEY'],
    ['claude-sonnet-4-5', 'anthropic', 'ANTHROPIC_API_KEY'],
    ['o3-mini', 'openai', 'OPENAI_API_KEY'],
  ])('%s → names %s and %s, even when another provider is configured', (model, provider, key) => {
    const others = { ...(provider === 'openai' ? {} : OPENAI), ...(provider === 'anthropic' ? {} : ANTHROPIC) };
    const error = rejection(() => resolver(others).resolve(undefined, model));
    expect(error.message).toContain(`is an ${provider} model, and ${provider} is not configured`);
    expect(error.message).toContain(`set ${key}`);
    expect(error.details?.map((d) => d.path)).toEqual(['model']);
  });

  it('names the provider (path provider) when the request names the provider', () => {
    const error = rejection(() => resolver({}).resolve('openai', 'gpt-4o'));
    expect(error.message).toBe('provider openai is not configured: set OPENAI_API_KEY');
    expect(error.details?.map((d) => d.path)).toEqual(['provider']);
  });
});

describe('the provider is the owner of the model the request names', () => {
  it('claude-… runs on anthropic though the default provider is openai', () => {
    const models = resolver({ ...OPENAI, ...ANTHROPIC, DEFAULT_PROVIDER: 'openai' });
    expect(models.defaultProvider).toBe('openai');
    expect(models.resolve(undefined, 'claude-haiku-4-5')).toMatchObject({ provider: 'anthropic', modelId: 'claude-haiku-4-5' });
  });

  it.each([
    ['gpt-4.1-nano', 'openai'],
    ['chatgpt-4o-latest', 'openai'],
    ['o1', 'openai'],
    ['o4-mini', 'openai'],
    ['GPT-4o', 'openai'],
    ['grok-4', 'xai'],
    ['claude-opus-4-1', 'anthropic'],
    ['extractive', 'local'],
  ])('%s → %s', (model, provider) => {
    expect(resolver({ ...ALL, DEFAULT_PROVIDER: 'xai' }).resolve(undefined, model).provider).toBe(provider);
  });

  it('takes exact ids from PRICES_FILE: a model listed as openai/… goes to openai', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-prices-'));
    const file = path.join(dir, 'prices.json');
    fs.writeFileSync(file, JSON.stringify({ _comment: 'x', 'openai/mistral-small': { input_per_mtok: 1, output_per_mtok: 1 } }));
    try {
      const models = resolver({ ...OPENAI, ...XAI, DEFAULT_PROVIDER: 'xai', PRICES_FILE: file });
      expect(models.resolve(undefined, 'mistral-small')).toMatchObject({ provider: 'openai', modelId: 'mistral-small' });
      expect(rejection(() => models.resolve('xai', 'mistral-small')).message).toContain('is an openai model, not an xai one');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a provider named in the request wins over the default model', () => {
    expect(resolver({ ...ALL, DEFAULT_PROVIDER: 'openai', DEFAULT_MODEL: 'gpt-4.1' }).resolve('xai')).toMatchObject({ provider: 'xai', modelId: 'grok-3-mini' });
  });
});

describe('a model the chosen provider does not serve', () => {
  it('local + gpt-4o is a 400: local knows only extractive', () => {
    const error = rejection(() => resolver({}).resolve('local', 'gpt-4o'));
    expect(error.message).toBe('model "gpt-4o" is an openai model, not a local one: set provider to openai (or leave it out); local knows only extractive');
    expect(error.details?.map((d) => d.path)).toEqual(['model']);
  });

  it('anthropic + grok-3 is a 400 naming xai', () => {
    const error = rejection(() => resolver(ANTHROPIC).resolve('anthropic', 'grok-3'));
    expect(error.message).toContain('is an xai model, not an anthropic one');
    expect(error.message).toContain('claude-haiku-4-5');
  });

  it('an unknown name on local is a 400 saying how to reach an OpenAI-compatible server', () => {
    const unnamed = rejection(() => resolver({}).resolve(undefined, 'llama3.1'));
    expect(unnamed.message).toContain('local knows only extractive');
    expect(unnamed.message).toContain('OPENAI_BASE_URL');
    expect(rejection(() => resolver({}).resolve('local', 'llama3.1')).message).toContain('local knows only extractive');
  });

  it.each([
    ['openai', OPENAI, 'OPENAI_BASE_URL', 'OpenAI-compatible server'],
    ['xai', XAI, 'XAI_BASE_URL', 'xAI-compatible server'],
    ['anthropic', ANTHROPIC, 'ANTHROPIC_BASE_URL', 'Anthropic-compatible server'],
  ])('%s with its own base URL: an unknown name is a 400 saying to set %s', (provider, env, baseUrl, server) => {
    const error = rejection(() => resolver(env).resolve(provider, 'llama3.1'));
    expect(error.message).toContain(`set ${baseUrl}`);
    expect(error.message).toContain(server);
    expect(error.details?.map((d) => d.path)).toEqual(['model']);
  });

  it.each(['text-embedding-3-small', 'dall-e-3', 'whisper-1', 'tts-1', 'omni-moderation-latest'])('%s is refused: not a chat model', (model) => {
    const error = rejection(() => resolver(OPENAI).resolve('openai', model));
    expect(error.message).toMatch(/not a chat model/);
    expect(rejection(() => resolver({ ...OPENAI, OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }).resolve(undefined, model)).message).toMatch(/not a chat model/);
    expect(rejection(() => resolver({}).resolve(undefined, model)).message).toMatch(/not a chat model/);
  });

  it('checks DEFAULT_MODEL too, and says so', () => {
    const error = rejection(() => resolver({ ...OPENAI, DEFAULT_MODEL: 'llama3.1' }).resolve());
    expect(error.message).toContain('DEFAULT_MODEL "llama3.1"');
    expect(error.message).toContain('OPENAI_BASE_URL');
    const mismatch = rejection(() => resolver({ ...OPENAI, DEFAULT_MODEL: 'claude-haiku-4-5' }).resolve());
    expect(mismatch.message).toContain('set DEFAULT_PROVIDER=anthropic');
  });
});

describe('a custom base URL (any compatible server) takes names no other provider owns', () => {
  const OLLAMA = { ...OPENAI, OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' };

  it('llama3.1 runs on openai with OPENAI_BASE_URL set, named or not', () => {
    expect(resolver(OLLAMA).resolve(undefined, 'llama3.1')).toMatchObject({ provider: 'openai', modelId: 'llama3.1' });
    expect(resolver(OLLAMA).resolve('openai', 'qwen2.5:7b')).toMatchObject({ provider: 'openai', modelId: 'qwen2.5:7b' });
    expect(resolver({ ...OLLAMA, DEFAULT_MODEL: 'llama3.1' }).resolve()).toMatchObject({ provider: 'openai', modelId: 'llama3.1' });
  });

  it('but not a name another provider owns', () => {
    expect(rejection(() => resolver(OLLAMA).resolve('openai', 'grok-3')).message).toContain('is an xai model, not an openai one');
    expect(rejection(() => resolver(OLLAMA).resolve(undefined, 'claude-haiku-4-5')).message).toContain('set ANTHROPIC_API_KEY');
  });

  it.each([
    ['xai', { ...XAI, XAI_BASE_URL: 'http://127.0.0.1:9/v1' }],
    ['anthropic', { ...ANTHROPIC, ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/v1' }],
  ])('the same for %s', (provider, env) => {
    expect(resolver(env).resolve(provider, 'my-model')).toMatchObject({ provider, modelId: 'my-model' });
    expect(rejection(() => resolver(env).resolve(provider, 'gpt-4o')).message).toContain('is an openai model');
  });
});

describe('test doubles plugged in as providers', () => {
  it('count as configured and accept names no other provider owns', () => {
    const models = resolver({ DEFAULT_PROVIDER: 'openai' }, { openai: stub('fake') });
    expect(models.resolve(undefined, 'my-model')).toMatchObject({ provider: 'openai', modelId: 'my-model' });
    expect(models.resolve()).toMatchObject({ provider: 'openai', modelId: 'gpt-4o-mini' });
    expect(rejection(() => models.resolve(undefined, 'claude-haiku-4-5')).message).toContain('set ANTHROPIC_API_KEY');
  });

  it('local keeps its one model whatever factory stands behind it', () => {
    expect(resolver({}).resolve()).toMatchObject({ provider: 'local', modelId: 'extractive' });
    expect(rejection(() => resolver({}, { local: stub('fake') }).resolve('local', 'my-model')).message).toContain('local knows only extractive');
  });
});

describe('PRICES_FILE', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('that cannot be read stops the resolver with a message naming it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-prices-'));
    dirs.push(dir);
    const file = path.join(dir, 'prices.json');
    fs.writeFileSync(file, '{not json');
    expect(() => resolver({ PRICES_FILE: file })).toThrow(/PRICES_FILE: cannot read/);
  });
});
