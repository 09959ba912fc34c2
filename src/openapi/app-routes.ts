import type { Express } from 'express';

/** One route an Express app serves: method (lower case) and path as written (`/tasks/:taskId`). */
export interface AppRoute {
  method: string;
  path: string;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/**
 * The routes of an app, read from Express 5's router stack (routers mounted with `app.use(router)`
 * at the root, as `createApp` does). Used to check that the OpenAPI document names every route.
 */
export function listAppRoutes(app: Express): AppRoute[] {
  const out: AppRoute[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) for (const [method, on] of Object.entries(layer.route.methods)) if (on) out.push({ method, path });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk(((app as unknown as { router?: { stack: Layer[] } }).router?.stack ?? []) as Layer[]);
  return out;
}

/** `/tasks/:taskId` → `/tasks/{taskId}` (OpenAPI's template syntax). */
export function toOpenApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}
