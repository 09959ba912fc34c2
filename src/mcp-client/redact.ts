import type { McpServerConfig } from './servers-file.js';

/** Names of `env` variables and headers whose values are secrets however short they are. */
const SECRET_NAME = /key|token|secret|pass|auth|cookie|credential|session/i;
/** Other values are redacted from this length on: shorter ones (`1`, `true`, `info`) would garble every message. */
const MIN_LENGTH = 6;

/** Whether a named value is kept out of texts: long ones, and short ones under secret-looking names. */
const isSecret = (name: string, value: string) => value.length >= MIN_LENGTH || (SECRET_NAME.test(name) && value.length >= 3);

/**
 * The parts of a URL that may be secrets: the whole URL, its password and user, secret-looking
 * query values, and long path segments (hosted MCP servers often put the key in the path).
 */
function urlSecrets(url: string): string[] {
  const parsed = new URL(url);
  const named: Array<[string, string]> = [['user', parsed.username], ...parsed.searchParams.entries()];
  const longSegments = parsed.pathname.split('/').filter((segment) => segment.length >= 16);
  const password = parsed.password ? [parsed.password] : [];
  return [url, parsed.href, ...password, ...named.filter(([name, value]) => isSecret(name, value)).map(([, value]) => value), ...longSegments];
}

/** Every value of `config` that must never reach a log line, a status or an error message. */
export function secretsOf(config: McpServerConfig): string[] {
  const named = config.transport === 'stdio' ? config.env : config.headers;
  const values = Object.entries(named)
    .filter(([name, value]) => isSecret(name, value))
    .map(([, value]) => value);
  if (config.transport === 'http') values.push(...urlSecrets(config.url));
  // Longest first, so a secret containing another is replaced whole.
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/** A function that replaces each of `secrets` in a text with `[redacted]`. */
export function createRedactor(secrets: string[]): (text: string) => string {
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}

/** A URL as logs and statuses show it: its origin only (path and query may hold a key). */
export function safeUrl(url: string): string {
  return new URL(url).origin;
}
