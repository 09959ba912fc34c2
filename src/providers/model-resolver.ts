import fs from 'node:fs';
import type { LanguageModel } from 'ai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createXai } from '@ai-sdk/xai';
import { PROVIDER_NAMES, type Config, type ProviderName } from '../config.js';
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
  /**
   * Throws `ValidationError` naming the provider and what to set when the provider cannot be used,
   * or when the model is not one the provider serves (SPEC §8: never a silent substitute).
   */
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

/** A pattern of model ids and the provider that serves them. */
export interface ModelFamily {
  provider: ProviderName;
  pattern: RegExp;
  /** What the model is when it cannot hold a chat (an embedding model…): such a model is refused. */
  notChat?: string;
}

/**
 * Model ids each provider is known to serve, most specific first; the first match decides. Exact
 * ids from `PRICES_FILE` (`provider/model` keys) come before these.
 */
export const MODEL_FAMILIES: readonly ModelFamily[] = [
  { provider: 'openai', pattern: /^text-embedding-/i, notChat: 'an embedding model' },
  { provider: 'openai', pattern: /^(dall-e-|gpt-image-)/i, notChat: 'an image model' },
  { provider: 'openai', pattern: /^(whisper-|tts-|gpt-4o(-mini)?-(transcribe|tts))/i, notChat: 'an audio model' },
  { provider: 'openai', pattern: /^(omni|text)-moderation/i, notChat: 'a moderation model' },
  { provider: 'openai', pattern: /^(gpt-|chatgpt-|o[134]($|-))/i },
  { provider: 'xai', pattern: /^grok-[\w.-]*image/i, notChat: 'an image model' },
  { provider: 'xai', pattern: /^grok-/i },
  { provider: 'anthropic', pattern: /^claude-/i },
  { provider: 'local', pattern: /^extractive$/ },
];

/** The variables that configure each remote provider, and what its base URL may point at. */
const SETTINGS: Record<Exclude<ProviderName, 'local'>, { title: string; key: string; baseUrl: string; compatible: string }> = {
  openai: { title: 'OpenAI', key: 'OPENAI_API_KEY', baseUrl: 'OPENAI_BASE_URL', compatible: 'an OpenAI-compatible server (Ollama, vLLM, LM Studio…)' },
  xai: { title: 'xAI', key: 'XAI_API_KEY', baseUrl: 'XAI_BASE_URL', compatible: 'an xAI-compatible server' },
  anthropic: { title: 'Anthropic', key: 'ANTHROPIC_API_KEY', baseUrl: 'ANTHROPIC_BASE_URL', compatible: 'an Anthropic-compatible server' },
};

type Factory = (modelId: string) => LanguageModel;

/**
 * Extra providers plugged in by name: the offline `local` one (always, from `createServices`) and
 * fakes in tests. A factory given for `openai`, `xai` or `anthropic` counts as configured and, like
 * a provider with a custom base URL, accepts any model id not owned by another provider; `local`
 * keeps its own model list whatever factory stands behind it.
 */
export type ExtraFactories = Partial<Record<ProviderName, Factory>>;

/** What is known about a model id: who serves it, and whether it can chat. */
interface Recognised {
  owners: ProviderName[];
  notChat?: string;
}

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

const isProvider = (name: string): name is ProviderName => (PROVIDER_NAMES as readonly string[]).includes(name);

/** Model ids listed in the price table (`provider/model` keys; `_` keys are comments), by id. */
function pricedModels(file: string): Map<string, ProviderName[]> {
  let table: unknown;
  try {
    table = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`PRICES_FILE: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const out = new Map<string, ProviderName[]>();
  for (const key of Object.keys(table ?? {})) {
    const slash = key.indexOf('/');
    const provider = key.slice(0, slash);
    if (key.startsWith('_') || slash < 1 || !isProvider(provider)) continue;
    const id = key.slice(slash + 1).toLowerCase();
    out.set(id, [...(out.get(id) ?? []), provider]);
  }
  return out;
}

/** Who serves `modelId`, from the price table's ids first, then the families; `undefined` if no one is known to. */
function recognise(modelId: string, priced: Map<string, ProviderName[]>): Recognised | undefined {
  const family = MODEL_FAMILIES.find((f) => f.pattern.test(modelId));
  const listed = priced.get(modelId.toLowerCase());
  if (listed) return { owners: listed, notChat: family && listed.includes(family.provider) ? family.notChat : undefined };
  return family && { owners: [family.provider], notChat: family.notChat };
}

/** "an openai model", "an xai model" (ex-ai), "a local model". */
const article = (name: ProviderName) => (name === 'local' ? 'a' : 'an');
const ownersText = (owners: ProviderName[]) => owners.map((o) => `${article(o)} ${o}`).join(' or ');

function notConfigured(name: ProviderName): string {
  return name === 'local'
    ? 'no model provider is configured: set OPENAI_API_KEY, XAI_API_KEY or ANTHROPIC_API_KEY'
    : `provider ${name} is not configured: set ${SETTINGS[name].key}`;
}

/**
 * Why `name` cannot serve a model it does not know, and what to set instead. `open` are the
 * providers that would take it (a custom base URL or a test double).
 */
function unknownModel(shown: string, name: ProviderName, named: boolean, open: ProviderName[]): string {
  if (name === 'local') {
    const other = open[0];
    const elsewhere = named
      ? ''
      : other
        ? `; to send it to ${other}, set provider to ${other}`
        : '; for a model on an OpenAI-compatible server set OPENAI_API_KEY and OPENAI_BASE_URL';
    return `${shown} is not a model the local provider has: local knows only ${DEFAULT_MODELS.local}${elsewhere}`;
  }
  const s = SETTINGS[name];
  return `${shown} is not a known ${s.title} model: to use ${s.compatible} set ${s.baseUrl}, or name ${article(name)} ${name} model such as ${DEFAULT_MODELS[name]}`;
}

function reject(message: string, path: 'model' | 'provider'): never {
  throw new ValidationError(message, [{ path, message }]);
}

export function createModelResolver(config: Config, extra: ExtraFactories = {}): ModelResolver {
  const factories = { ...keyedFactories(config), ...extra };
  const { defaultProvider } = config;
  const priced = pricedModels(config.pricesFile);
  /** Providers that take any model id no other provider owns: a custom base URL, or a test double. */
  const open = new Set<ProviderName>(
    (['openai', 'xai', 'anthropic'] as const).filter((name) => config.providers[name].baseURL !== undefined || extra[name] !== undefined),
  );

  /** Throw when `name` (configured) cannot serve `modelId`; `named` says whether the request chose `name`. */
  function check(name: ProviderName, known: Recognised | undefined, shown: string, fromDefault: boolean, named: boolean): void {
    if (known && !known.owners.includes(name)) {
      const owner = known.owners[0]!;
      const instead = fromDefault ? `set DEFAULT_PROVIDER=${owner}` : `set provider to ${owner} (or leave it out)`;
      const own = name === 'local' ? `local knows only ${DEFAULT_MODELS.local}` : `or use ${article(name)} ${name} model such as ${DEFAULT_MODELS[name]}`;
      reject(`${shown} is ${ownersText(known.owners)} model, not ${article(name)} ${name} one: ${instead}; ${own}`, 'model');
    }
    if (!known && !open.has(name)) reject(unknownModel(shown, name, named, [...open].filter((o) => factories[o])), 'model');
  }

  /** The provider a request means: the one it names, else the owner of the model it names, else the default. */
  function choose(provider: string | undefined, model: string | undefined): { name: ProviderName; owners?: ProviderName[] } {
    if (provider !== undefined) return { name: provider as ProviderName };
    const owners = model === undefined ? undefined : recognise(model, priced)?.owners;
    if (!owners) return { name: defaultProvider };
    const name = owners.includes(defaultProvider) ? defaultProvider : (owners.find((o) => factories[o]) ?? owners[0]!);
    return { name, owners };
  }

  return {
    defaultProvider,
    available: () => Object.keys(factories) as ProviderName[],
    resolve(provider, model) {
      const { name, owners } = choose(provider, model);
      const usesDefaultProvider = provider === undefined || provider === defaultProvider;
      const fromDefault = model === undefined && usesDefaultProvider ? config.defaultModel : undefined;
      const modelId = model ?? fromDefault ?? DEFAULT_MODELS[name];
      const shown = `${fromDefault === undefined ? 'model' : 'DEFAULT_MODEL'} ${JSON.stringify(modelId)}`;
      const known = recognise(modelId, priced);
      // Before the key check: no key would make an embedding model answer a chat.
      if (known?.notChat) reject(`${shown} is ${known.notChat}, not a chat model: agents need one such as ${DEFAULT_MODELS[name]}`, 'model');
      const factory = factories[name];
      if (!factory) {
        if (owners && name !== 'local') reject(`${shown} is ${ownersText([name])} model, and ${name} is not configured: set ${SETTINGS[name].key}`, 'model');
        reject(notConfigured(name), 'provider');
      }
      check(name, known, shown, fromDefault !== undefined, provider !== undefined);
      return { provider: name, modelId, model: factory(modelId) };
    },
  };
}
