import type { LanguageModel } from 'ai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createXai } from '@ai-sdk/xai';
import type { Config, ProviderName } from '../config.js';
import { ValidationError } from '../errors.js';

/** A model ready to call, with the names it is accounted under. */
export interface ResolvedModel {
  provider: ProviderName;
  modelId: string;
  model: LanguageModel;
}

/** Turns a request's `provider`/`model` (or the defaults) into a callable model. */
export interface ModelResolver {
  readonly defaultProvider: ProviderName;
  /** Throws `ValidationError` naming what to set when the provider cannot be used. */
  resolve(provider?: string, model?: string): ResolvedModel;
  /** Providers that can be used now. */
  available(): ProviderName[];
}

/** Model used when neither the request nor `DEFAULT_MODEL` names one. */
export const DEFAULT_MODELS: Record<ProviderName, string> = {
  openai: 'gpt-4o-mini',
  xai: 'grok-3-mini',
  anthropic: 'claude-haiku-4-5',
  local: 'extractive',
};

const KEY_VARS: Record<Exclude<ProviderName, 'local'>, string> = {
  openai: 'OPENAI_API_KEY',
  xai: 'XAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
};

type Factory = (modelId: string) => LanguageModel;

/** Extra providers (the offline `local` one, fakes in tests) plugged in by name. */
export type ExtraFactories = Partial<Record<ProviderName, Factory>>;

function keyedFactories(config: Config): Partial<Record<ProviderName, Factory>> {
  const { openai, xai, anthropic } = config.providers;
  const out: Partial<Record<ProviderName, Factory>> = {};
  // `.chat` pins the Chat Completions wire format, which every OpenAI-compatible server speaks.
  if (openai.apiKey) {
    const p = createOpenAI({ apiKey: openai.apiKey, baseURL: openai.baseURL });
    out.openai = (id) => p.chat(id);
  }
  if (xai.apiKey) {
    const p = createXai({ apiKey: xai.apiKey, baseURL: xai.baseURL });
    out.xai = (id) => p.chat(id);
  }
  if (anthropic.apiKey) {
    const p = createAnthropic({ apiKey: anthropic.apiKey, baseURL: anthropic.baseURL });
    out.anthropic = (id) => p(id);
  }
  return out;
}

export function createModelResolver(config: Config, extra: ExtraFactories = {}): ModelResolver {
  const factories = { ...keyedFactories(config), ...extra };
  const defaultProvider = config.defaultProvider;
  return {
    defaultProvider,
    available: () => Object.keys(factories) as ProviderName[],
    resolve(provider, model) {
      const name = (provider ?? defaultProvider) as ProviderName;
      const factory = factories[name];
      if (!factory) {
        const hint =
          name === 'local'
            ? 'no model provider is configured: set OPENAI_API_KEY, XAI_API_KEY or ANTHROPIC_API_KEY'
            : `provider ${name} is not configured: set ${KEY_VARS[name]}`;
        throw new ValidationError(hint, [{ path: 'provider', message: hint }]);
      }
      const usesDefaultProvider = provider === undefined || provider === defaultProvider;
      const modelId = model ?? (usesDefaultProvider ? config.defaultModel : undefined) ?? DEFAULT_MODELS[name];
      return { provider: name, modelId, model: factory(modelId) };
    },
  };
}
