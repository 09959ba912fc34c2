import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Providers the server can call. `local` is the offline stand-in (no key, no network). */
export const PROVIDER_NAMES = ['openai', 'xai', 'anthropic', 'local'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** The project root (one level above `src/` or `dist/`). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const int = (min: number, max: number, fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));
const bool = (fallback: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  );
const url = z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional());
/** A Standard Webhooks secret: `whsec_` and the base64 of at least 16 bytes. */
export const WEBHOOK_SECRET_PATTERN = /^whsec_(?:[A-Za-z0-9+/]{4}){5,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const webhookSecret = z.preprocess(
  emptyToUndefined,
  z.string().regex(WEBHOOK_SECRET_PATTERN, 'must be whsec_ followed by the base64 of at least 16 bytes').optional(),
);
/** Comma-separated seconds, fractions allowed: `5,30,120`. */
const isDelay = (part: string) => part.trim() !== '' && Number(part) > 0 && Number(part) <= 86_400;
const delayList = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .default('5,30,120,300,600,900,1800')
    .refine((value) => value.split(',').length <= 50 && value.split(',').every(isDelay), {
      message: 'must be 1 to 50 comma-separated numbers of seconds, each above 0 and at most 86400',
    })
    .transform((value) => value.split(',').map(Number)),
);

/** Comma-separated values, trimmed, empties dropped. */
const list = z.preprocess(emptyToUndefined, z.string().default('').transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)));
/** A browser origin as sent in `Origin`: scheme, host name or IP, optional port; nothing else. */
const ORIGIN = /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/i;

/**
 * `origin` as `scheme://host[:port]` with scheme and host lower-cased and a default port dropped,
 * or `undefined` for anything else (`null`, a path, credentials, a wildcard, a bad port).
 */
export function normalizeOrigin(origin: string): string | undefined {
  if (!ORIGIN.test(origin) || !URL.canParse(origin)) return undefined;
  return new URL(origin).origin;
}
const originList = list
  .refine((values) => values.every((v) => normalizeOrigin(v) !== undefined), {
    message: 'must be comma-separated origins such as https://app.example.org or http://localhost:3000 (no path, no pattern)',
  })
  .transform((values) => [...new Set(values.map((v) => normalizeOrigin(v)!))]);
/** A host name or IP literal as sent in `Host`, without the port: `example.org`, `10.0.0.5`, `[::1]`. */
const HOST_NAME = /^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])$/;
const hostList = list
  .refine((values) => values.every((v) => HOST_NAME.test(v)), {
    message: 'must be comma-separated host names or IP addresses such as mcp.example.org,10.0.0.5 (no scheme, port or path)',
  })
  .transform((values) => [...new Set(values.map((v) => v.toLowerCase().replace(/\.$/, '')))]);
const TRUST_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isProxyAddress = (part: string) => TRUST_NAMES.has(part) || /^[0-9A-Fa-f:.]+(\/\d{1,3})?$/.test(part);
/**
 * Express's `trust proxy`: `true`/`false` (also `yes`/`no`/`1`/`0`, as before), a hop count of 2 or
 * more, or comma-separated `loopback`/`linklocal`/`uniquelocal`/addresses/CIDRs.
 */
const trustProxy = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .default('false')
    .transform((value, ctx): boolean | number | string => {
      const v = value.trim().toLowerCase();
      if (['true', 'yes', '1'].includes(v)) return true;
      if (['false', 'no', '0'].includes(v)) return false;
      if (/^\d{1,2}$/.test(v)) return Number(v);
      if (v.split(',').every((part) => isProxyAddress(part.trim()))) return v;
      ctx.addIssue({ code: 'custom', message: 'must be true, false, a hop count, or loopback/linklocal/uniquelocal/addresses/CIDRs' });
      return z.NEVER;
    }),
);

const envSchema = z.object({
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  PORT: int(0, 65535, 5060),
  ALT_PORT: int(0, 65535, 5070),
  ALLOWED_HOSTS: hostList,
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  STORE: z.preprocess(emptyToUndefined, z.enum(['memory', 'sqlite', 'redis']).default('sqlite')),
  REDIS_URL: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// or rediss:// URL').optional(),
  ),
  REDIS_PREFIX: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits and : _ . - only').default('mcpo')),
  INSTANCE_TAG: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ and - only (e.g. p5061)').optional()),
  TAKEOVER_LOCK_MS: int(1000, 600_000, 10_000),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  PUBLIC_BASE_URL: url,
  DEFAULT_PROVIDER: z.preprocess(emptyToUndefined, z.enum([...PROVIDER_NAMES, 'auto']).default('auto')),
  DEFAULT_MODEL: optionalString,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: url,
  XAI_API_KEY: optionalString,
  XAI_BASE_URL: url,
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: url,
  CORPUS_DIR: optionalString,
  PRICES_FILE: optionalString,
  MAX_CONCURRENT_AGENTS: int(1, 1000, 16),
  MAX_AGENTS_PER_TASK: int(1, 1000, 8),
  MAX_ACTIVE_TASKS: int(1, 10_000, 50),
  AGENT_MAX_RETRIES: int(0, 10, 3),
  RETRY_BASE_MS: int(1, 60_000, 500),
  RETRY_MAX_MS: int(1, 600_000, 20_000),
  PROGRESS_INTERVAL_MS: int(0, 10_000, 100),
  MODEL_IDLE_TIMEOUT_MS: int(100, 3_600_000, 120_000),
  SSE_HEARTBEAT_MS: int(100, 600_000, 15_000),
  SSE_MAX_BUFFER_BYTES: int(1024, 1024 ** 3, 1024 * 1024),
  SHUTDOWN_GRACE_MS: int(0, 600_000, 10_000),
  TRUST_PROXY: trustProxy,
  API_KEYS: list,
  ALLOW_UNAUTHENTICATED: bool(false),
  STREAM_TOKEN_TTL_S: int(1, 7 * 86_400, 3600),
  RATE_LIMIT_PER_MIN: int(0, 1_000_000, 300),
  ORCHESTRATE_RATE_LIMIT_PER_MIN: int(0, 1_000_000, 30),
  CORS_ORIGINS: originList,
  RETENTION_MAX_TASKS: int(1, 10_000_000, 10_000),
  RETENTION_MAX_AGE_DAYS: int(1, 36_500, 30),
  WEBHOOK_SECRET: webhookSecret,
  WEBHOOK_ALLOW_PRIVATE: bool(false),
  WEBHOOK_RETRY_DELAYS: delayList,
  WEBHOOK_TIMEOUT_MS: int(10, 600_000, 10_000),
  METRICS_TOKEN: optionalString,
  SENTRY_DSN: url,
  SENTRY_ENVIRONMENT: optionalString,
  CALCULATE_POOL_SIZE: int(0, 64, 0),
  CALCULATE_TIMEOUT_MS: int(100, 60_000, 2000),
  CALCULATE_MAX_PENDING_PER_CLIENT: int(1, 10_000, 16),
  CALCULATE_MAX_PENDING: int(1, 100_000, 64),
  MCP_SESSIONS_PER_CLIENT: int(1, 100_000, 100),
  MCP_MAX_SESSIONS: int(1, 1_000_000, 1000),
  MCP_SESSION_IDLE_MS: int(1000, 7 * 86_400_000, 30 * 60_000),
  MCP_SERVERS_FILE: optionalString,
  MCP_CONNECT_TIMEOUT_MS: int(100, 600_000, 15_000),
  MCP_TOOL_TIMEOUT_MS: int(100, 3_600_000, 60_000),
  MCP_TOOL_OUTPUT_MAX_CHARS: int(1000, 10_000_000, 100_000),
  SEARCH_PROVIDER: z.preprocess(emptyToUndefined, z.enum(['auto', 'searxng', 'brave', 'tavily']).default('auto')),
  SEARXNG_URL: url,
  BRAVE_API_KEY: optionalString,
  BRAVE_API_URL: url,
  TAVILY_API_KEY: optionalString,
  TAVILY_API_URL: url,
  FETCH_ALLOW_PRIVATE: bool(false),
  FETCH_TIMEOUT_MS: int(100, 600_000, 15_000),
  FETCH_MAX_BYTES: int(1024, 1024 ** 3, 5 * 1024 * 1024),
  WIKIPEDIA_API_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).default('https://en.wikipedia.org/w/api.php')),
  ARXIV_API_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).default('https://export.arxiv.org/api/query')),
});

type Env = z.infer<typeof envSchema>;

/** The server's settings, parsed once from the environment. */
export interface Config {
  host: string;
  port: number;
  /**
   * A second port of `host` serving the same app (0: off), for browsers and fetch-based clients,
   * which refuse 5060 (the SIP port).
   */
  altPort: number;
  /** `Host` names answered besides loopback names and the `PUBLIC_BASE_URL` host (DNS-rebinding guard). */
  allowedHosts: string[];
  dataDir: string;
  store: 'memory' | 'sqlite' | 'redis';
  /** With `store: 'redis'`: every instance on this Redis (and prefix) is one system. */
  redis: {
    url: string | undefined;
    prefix: string;
    /** How long a run's lock lasts unrenewed: a dead instance's tasks move on within about 1.5× this. */
    lockMs: number;
  };
  /** Names this instance (in session ids, task records, logs); unset: host name and port. */
  instanceTag: string | undefined;
  logLevel: Env['LOG_LEVEL'];
  publicBaseUrl: string | undefined;
  /** Provider used when a request names none; `auto` resolved at load time. */
  defaultProvider: ProviderName;
  defaultModel: string | undefined;
  providers: {
    openai: { apiKey?: string; baseURL?: string };
    xai: { apiKey?: string; baseURL?: string };
    anthropic: { apiKey?: string; baseURL?: string };
  };
  corpusDir: string;
  pricesFile: string;
  limits: {
    /** Model calls in flight across the whole server. */
    maxConcurrentAgents: number;
    /** Model calls in flight for one task. */
    maxAgentsPerTask: number;
    /** Tasks running at once; the rest wait as `pending`, in order. */
    maxActiveTasks: number;
  };
  retry: { maxRetries: number; baseMs: number; maxMs: number };
  progressIntervalMs: number;
  /** A model stream silent this long is aborted and retried. */
  modelIdleTimeoutMs: number;
  sse: { heartbeatMs: number; maxBufferBytes: number };
  shutdownGraceMs: number;
  /** Express's `trust proxy` value: whose `X-Forwarded-For` gives the client address. */
  trustProxy: boolean | number | string;
  auth: {
    /** When non-empty, every route but `/health` and `/metrics` needs one of these. */
    apiKeys: string[];
    /** Lifetime of the task-scoped token a `stream_url` carries. */
    streamTokenTtlS: number;
  };
  /** Requests per minute per key (per client address without auth); 0 turns a limit off. */
  rateLimit: { perMin: number; orchestratePerMin: number };
  /** Exact browser origins allowed (normalised `scheme://host[:port]`). */
  corsOrigins: string[];
  /** Finished tasks beyond the newest `maxTasks`, or older than `maxAgeDays`, are pruned hourly. */
  retention: { maxTasks: number; maxAgeDays: number };
  webhooks: {
    /** `whsec_…`; when unset one is generated once and kept in `dataDir`. */
    secret: string | undefined;
    /** Allow targets on private, loopback and link-local addresses. */
    allowPrivate: boolean;
    /** Wait before each retry; a message fails after the last one. */
    retryDelaysMs: number[];
    /** One delivery attempt, connecting included. */
    timeoutMs: number;
  };
  /** `/metrics` wants `Authorization: Bearer <token>` when set; open otherwise. */
  metricsToken: string | undefined;
  /** Error tracking: unhandled errors go to Sentry when `dsn` is set; nothing is sent otherwise. */
  sentry: { dsn: string | undefined; environment: string | undefined };
  /** `calculate`'s evaluator processes (0: min(2, CPUs)), time per expression, and its queues (per client, in all). */
  calculate: { poolSize: number | undefined; timeoutMs: number; maxPendingPerClient: number; maxPending: number };
  /** Handshake-era MCP sessions at `/mcp`: per client (API key, else address), in all, and their idle expiry. */
  mcpSessions: { maxSessionsPerOwner: number; maxSessions: number; sessionIdleMs: number };
  /** MCP servers whose tools agents may call (`MCP_SERVERS_FILE`, the `mcpServers` JSON shape). */
  mcpClients: { serversFile: string | undefined; connectTimeoutMs: number; toolTimeoutMs: number; outputMaxChars: number };
  /** `web_search` (one backend, picked by `provider` when several are set) and `fetch_url`. */
  web: {
    provider: 'searxng' | 'brave' | 'tavily' | undefined;
    searxngUrl: string | undefined;
    brave: { apiKey: string | undefined; baseUrl: string };
    tavily: { apiKey: string | undefined; baseUrl: string };
    fetch: { allowPrivate: boolean; timeoutMs: number; maxBytes: number };
  };
  /** Endpoints of `wikipedia_search` and `arxiv_search` (the operator's: loopback is fine). */
  data: { wikipediaApiUrl: string; arxivApiUrl: string };
}

/** Thrown by `loadConfig` with one line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** The web search backend: the one `SEARCH_PROVIDER` names, else the first configured of SearXNG, Brave, Tavily. */
function pickSearchProvider(env: Env): Config['web']['provider'] {
  if (env.SEARCH_PROVIDER !== 'auto') return env.SEARCH_PROVIDER;
  if (env.SEARXNG_URL) return 'searxng';
  if (env.BRAVE_API_KEY) return 'brave';
  if (env.TAVILY_API_KEY) return 'tavily';
  return undefined;
}

function pickProvider(env: Env): ProviderName {
  if (env.DEFAULT_PROVIDER !== 'auto') return env.DEFAULT_PROVIDER;
  if (env.XAI_API_KEY) return 'xai';
  if (env.OPENAI_API_KEY) return 'openai';
  if (env.ANTHROPIC_API_KEY) return 'anthropic';
  return 'local';
}

/** A bad value as the error line shows it; secrets are not echoed. */
function shownValue(name: string, env: Record<string, string | undefined>): string {
  return /SECRET|_KEY|TOKEN|DSN|REDIS_URL/.test(name) ? 'a value that is not shown' : JSON.stringify(env[name]);
}

/** Whether `host` only accepts connections from this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The problem of listening beyond loopback with no API keys, unless explicitly allowed. */
function unauthenticatedExposure(env: Record<string, string | undefined>): string | undefined {
  const host = env.HOST?.trim() || '127.0.0.1';
  const hasKeys = (env.API_KEYS ?? '').split(',').some((k) => k.trim() !== '');
  const allowed = ['true', '1', 'yes'].includes(env.ALLOW_UNAUTHENTICATED ?? '');
  if (isLoopbackHost(host) || hasKeys || allowed) return undefined;
  return `API_KEYS: must be set when HOST ${JSON.stringify(host)} is not loopback (or set ALLOW_UNAUTHENTICATED=true to serve without authentication)`;
}

const SEARCH_SETTINGS = { searxng: 'SEARXNG_URL', brave: 'BRAVE_API_KEY', tavily: 'TAVILY_API_KEY' } as const;

/** `SEARCH_PROVIDER` naming a backend whose URL or key is not set. */
function missingSearchSetting(env: Env): string | undefined {
  if (env.SEARCH_PROVIDER === 'auto') return undefined;
  const setting = SEARCH_SETTINGS[env.SEARCH_PROVIDER];
  return env[setting] ? undefined : `SEARCH_PROVIDER: ${env.SEARCH_PROVIDER} needs ${setting}`;
}

/** Parse the environment. Pure: reads only `env`. Throws `ConfigError` listing every problem. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message} (got ${shownValue(String(issue.path[0]), env)})`);
  const exposed = unauthenticatedExposure(env);
  if (exposed) problems.push(exposed);
  const searchProblem = parsed.success ? missingSearchSetting(parsed.data) : undefined;
  if (searchProblem) problems.push(searchProblem);
  if (parsed.success && parsed.data.ALT_PORT !== 0 && parsed.data.ALT_PORT === parsed.data.PORT) {
    problems.push(`ALT_PORT: must differ from PORT (both ${parsed.data.PORT}); set ALT_PORT=0 to serve on PORT only`);
  }
  if (parsed.success && parsed.data.STORE === 'redis' && !parsed.data.REDIS_URL) {
    problems.push('REDIS_URL: STORE=redis needs it (e.g. redis://127.0.0.1:6379)');
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    host: e.HOST,
    port: e.PORT,
    altPort: e.ALT_PORT,
    allowedHosts: e.ALLOWED_HOSTS,
    dataDir: path.resolve(e.DATA_DIR),
    store: e.STORE,
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX, lockMs: e.TAKEOVER_LOCK_MS },
    instanceTag: e.INSTANCE_TAG,
    logLevel: e.LOG_LEVEL,
    publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    defaultProvider: pickProvider(e),
    defaultModel: e.DEFAULT_MODEL,
    providers: {
      openai: { apiKey: e.OPENAI_API_KEY, baseURL: e.OPENAI_BASE_URL },
      xai: { apiKey: e.XAI_API_KEY, baseURL: e.XAI_BASE_URL },
      anthropic: { apiKey: e.ANTHROPIC_API_KEY, baseURL: e.ANTHROPIC_BASE_URL },
    },
    corpusDir: path.resolve(e.CORPUS_DIR ?? path.join(PROJECT_ROOT, 'docs')),
    pricesFile: path.resolve(e.PRICES_FILE ?? path.join(PROJECT_ROOT, 'config', 'prices.json')),
    limits: {
      maxConcurrentAgents: e.MAX_CONCURRENT_AGENTS,
      maxAgentsPerTask: e.MAX_AGENTS_PER_TASK,
      maxActiveTasks: e.MAX_ACTIVE_TASKS,
    },
    retry: { maxRetries: e.AGENT_MAX_RETRIES, baseMs: e.RETRY_BASE_MS, maxMs: e.RETRY_MAX_MS },
    progressIntervalMs: e.PROGRESS_INTERVAL_MS,
    modelIdleTimeoutMs: e.MODEL_IDLE_TIMEOUT_MS,
    sse: { heartbeatMs: e.SSE_HEARTBEAT_MS, maxBufferBytes: e.SSE_MAX_BUFFER_BYTES },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    trustProxy: e.TRUST_PROXY,
    auth: { apiKeys: e.API_KEYS, streamTokenTtlS: e.STREAM_TOKEN_TTL_S },
    rateLimit: { perMin: e.RATE_LIMIT_PER_MIN, orchestratePerMin: e.ORCHESTRATE_RATE_LIMIT_PER_MIN },
    corsOrigins: e.CORS_ORIGINS,
    retention: { maxTasks: e.RETENTION_MAX_TASKS, maxAgeDays: e.RETENTION_MAX_AGE_DAYS },
    webhooks: {
      secret: e.WEBHOOK_SECRET,
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      retryDelaysMs: e.WEBHOOK_RETRY_DELAYS.map((s) => Math.round(s * 1000)),
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    },
    metricsToken: e.METRICS_TOKEN,
    sentry: { dsn: e.SENTRY_DSN, environment: e.SENTRY_ENVIRONMENT },
    calculate: {
      poolSize: e.CALCULATE_POOL_SIZE || undefined,
      timeoutMs: e.CALCULATE_TIMEOUT_MS,
      maxPendingPerClient: e.CALCULATE_MAX_PENDING_PER_CLIENT,
      maxPending: e.CALCULATE_MAX_PENDING,
    },
    mcpSessions: { maxSessionsPerOwner: e.MCP_SESSIONS_PER_CLIENT, maxSessions: e.MCP_MAX_SESSIONS, sessionIdleMs: e.MCP_SESSION_IDLE_MS },
    mcpClients: {
      serversFile: e.MCP_SERVERS_FILE && path.resolve(e.MCP_SERVERS_FILE),
      connectTimeoutMs: e.MCP_CONNECT_TIMEOUT_MS,
      toolTimeoutMs: e.MCP_TOOL_TIMEOUT_MS,
      outputMaxChars: e.MCP_TOOL_OUTPUT_MAX_CHARS,
    },
    web: {
      provider: pickSearchProvider(e),
      searxngUrl: e.SEARXNG_URL,
      brave: { apiKey: e.BRAVE_API_KEY, baseUrl: e.BRAVE_API_URL ?? 'https://api.search.brave.com/res/v1/web/search' },
      tavily: { apiKey: e.TAVILY_API_KEY, baseUrl: e.TAVILY_API_URL ?? 'https://api.tavily.com/search' },
      fetch: { allowPrivate: e.FETCH_ALLOW_PRIVATE, timeoutMs: e.FETCH_TIMEOUT_MS, maxBytes: e.FETCH_MAX_BYTES },
    },
    data: { wikipediaApiUrl: e.WIKIPEDIA_API_URL, arxivApiUrl: e.ARXIV_API_URL },
  };
}
