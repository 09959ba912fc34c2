import type { Request, RequestHandler, Router } from 'express';

/** A router behind a cheap test of the path; `stack` is the router's, so `listAppRoutes` still sees its routes. */
export type GatedRouter = RequestHandler & Pick<Router, 'stack'>;

/**
 * `router` for the requests `mayMatch` lets in; every other request passes by without entering it.
 * Express walks a router mounted at `/` for every request (its set-up, then each layer's path
 * match), which costs more than one look-up in a set. `mayMatch` may let in more than the router
 * answers, never less: whatever passes is still matched by the router's own routes.
 */
export function gatedRouter(mayMatch: (req: Request) => boolean, router: Router): GatedRouter {
  const gate: RequestHandler = (req, res, next) => (mayMatch(req) ? router(req, res, next) : next());
  return Object.assign(gate, { stack: router.stack });
}
