import type { RequestHandler } from 'express';
import { ForbiddenError } from '../../errors.js';

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
/** Listening on every address: no one name to allow by it. */
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);
/** `Host` values whose answer `hostGuard` keeps. */
const MAX_REMEMBERED_HOSTS = 100;

/** The host name of a `Host` header value (port dropped, lower case), or undefined when it is not one. */
export function hostnameOf(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Whether `hostname` is a loopback name or one of `allowed`. */
export const isAllowedHostname = (hostname: string, allowed: ReadonlySet<string>): boolean =>
  LOOPBACK.test(hostname) || allowed.has(hostname);

/**
 * The names a server answers besides loopback ones: `ALLOWED_HOSTS`, the `PUBLIC_BASE_URL` host, and
 * the address it listens on when that is one address (not a wildcard).
 */
export function allowedHostnames(options: { allowedHosts?: string[]; publicBaseUrl?: string; listenHost?: string }): string[] {
  const names = [...(options.allowedHosts ?? [])];
  if (options.publicBaseUrl) names.push(new URL(options.publicBaseUrl).hostname);
  const listen = options.listenHost?.trim();
  if (listen && !WILDCARD.has(listen)) names.push(hostnameOf(listen.includes(':') && !listen.startsWith('[') ? `[${listen}]` : listen) ?? listen);
  return [...new Set(names.map((n) => n.toLowerCase()))];
}

/**
 * DNS-rebinding guard: a request whose `Host` is neither loopback nor allowed gets 403 `forbidden`.
 * A page on a name its attacker points at 127.0.0.1 sends that name as `Host`; without this it could
 * read `/tasks` and call tools of a server without keys. `/health` stays open to probes by any name.
 */
export function hostGuard(allowed: string[]): RequestHandler {
  const names = new Set(allowed.map((h) => h.toLowerCase()));
  // The answer depends on the header alone, and a server sees few of them: parse each once.
  const answers = new Map<string, boolean>();
  const isAllowed = (host: string): boolean => {
    let answer = answers.get(host);
    if (answer === undefined) {
      const hostname = hostnameOf(host);
      answer = hostname !== undefined && hostname !== '' && isAllowedHostname(hostname, names);
      if (answers.size >= MAX_REMEMBERED_HOSTS) answers.clear(); // random Host headers must not grow it
      answers.set(host, answer);
    }
    return answer;
  };
  return (req, _res, next) => {
    if (req.path === '/health') return next();
    const host = req.headers.host ?? '';
    if (isAllowed(host)) return next();
    next(new ForbiddenError(`Host ${JSON.stringify(host)} is not allowed; add its name to ALLOWED_HOSTS to serve it`));
  };
}
