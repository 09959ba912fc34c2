import type { RequestHandler } from 'express';
import { ForbiddenError } from '../errors.js';
import { hostnameOf, isAllowedHostname } from '../http/middleware/host-guard.js';

/** Who may talk to `/mcp` from where (DNS-rebinding protection). */
export interface McpGuardOptions {
  /** `Host` names allowed besides loopback (no port), e.g. the public name behind a proxy. */
  allowedHosts?: string[];
  /** Exact origins (`https://app.example.org`) allowed besides loopback ones. */
  allowedOrigins?: string[];
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Refuse (403 `forbidden`) a request whose `Host` is neither loopback nor allowed, or that carries an
 * `Origin` that is neither loopback nor allowed. No `Origin` is fine: only browsers send one, and a
 * page that rebinds a name to 127.0.0.1 cannot leave it out of a POST.
 */
export function mcpGuard(options: McpGuardOptions): RequestHandler {
  const hosts = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));
  const origins = new Set(options.allowedOrigins ?? []);
  const refuse = (res: Parameters<RequestHandler>[1], message: string) =>
    res.status(403).json(new ForbiddenError(message).toBody(res.getHeader('X-Request-Id') as string | undefined));

  return (req, res, next) => {
    const host = req.headers.host ?? '';
    const hostname = hostnameOf(host);
    if (!hostname || !isAllowedHostname(hostname, hosts)) {
      return refuse(res, `Host ${JSON.stringify(host)} is not allowed for /mcp`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const originHost = URL.canParse(origin) ? hostnameOf(new URL(origin).host) : undefined;
      if (!originHost || !(isAllowedHostname(originHost, NONE) || origins.has(origin))) {
        return refuse(res, `Origin ${JSON.stringify(origin)} is not allowed for /mcp`);
      }
    }
    next();
  };
}
