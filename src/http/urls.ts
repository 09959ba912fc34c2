import type { Request } from 'express';
import type { UrlBuilder } from '../tools/orchestration-tools.js';

const PREFIX = /^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$/;
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.split(',')[0]?.trim() || undefined;
}

/**
 * The base every URL handed to this client starts with: `PUBLIC_BASE_URL` when set; otherwise what
 * the proxy says in `X-Forwarded-Prefix`/`-Host`/`-Proto` (only well-formed values; the app drops
 * them from peers `TRUST_PROXY` does not trust, see middleware/forwarded.ts); else nothing, and URLs
 * are paths relative to the host the client used.
 */
export function baseUrlFor(req: Request, publicBaseUrl: string | undefined): string {
  if (publicBaseUrl) return publicBaseUrl;
  const rawPrefix = first(req.headers['x-forwarded-prefix'])?.replace(/\/+$/, '');
  const prefix = rawPrefix && PREFIX.test(rawPrefix) ? rawPrefix : '';
  const host = first(req.headers['x-forwarded-host']);
  const proto = first(req.headers['x-forwarded-proto']);
  if (host && HOST.test(host)) {
    // Not `req.protocol`: behind a trusted proxy that is the raw X-Forwarded-Proto, whatever it says.
    const connection = (req.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http';
    const scheme = proto === 'https' || proto === 'http' ? proto : connection;
    return `${scheme}://${host}${prefix}`;
  }
  return prefix;
}

/** URL builder for an HTTP request. `streamToken` adds a task-scoped token where auth needs one. */
export function createUrlBuilder(
  req: Request,
  publicBaseUrl: string | undefined,
  streamToken?: (taskId: string) => string | undefined,
): UrlBuilder {
  const base = baseUrlFor(req, publicBaseUrl);
  const resolve = (path: string) => `${base}${path}`;
  return {
    resolve,
    stream(taskId) {
      const token = streamToken?.(taskId);
      const path = `/stream/${encodeURIComponent(taskId)}`;
      return resolve(token ? `${path}?token=${encodeURIComponent(token)}` : path);
    },
  };
}
