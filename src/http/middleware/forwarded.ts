import type { RequestHandler } from 'express';

const FORWARDED = ['x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-prefix', 'forwarded'] as const;

/**
 * Drop `X-Forwarded-Host`/`-Proto`/`-Prefix` (and `Forwarded`) unless the peer is a proxy that
 * `TRUST_PROXY` trusts. They shape `stream_url` and the OpenAPI `servers`; from anyone else they
 * would let a client make the server hand out a URL of its choosing, with a stream token in it.
 * Everything after this (the URL builder, the MCP transport) sees only trusted values.
 */
export function untrustedForwardedHeaders(): RequestHandler {
  return (req, _res, next) => {
    const trust = req.app.get('trust proxy fn') as (address: string | undefined, hop: number) => boolean;
    if (!trust(req.socket.remoteAddress, 0)) for (const name of FORWARDED) delete req.headers[name];
    next();
  };
}
