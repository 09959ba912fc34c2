import http from 'node:http';
import type { Express } from 'express';

/**
 * The Node HTTP server for an Express app. Use instead of `app.listen()`.
 *
 * Express gives each request and response its app's prototype with `Object.setPrototypeOf`,
 * which leaves every response with a hidden class of its own: property access in Node's write
 * path then goes megamorphic. An SSE fan-out to 1,000 clients spent about 2.4× the CPU per frame
 * because of it (`npm run bench`). Here the server creates requests and responses from classes
 * whose prototypes already are the app's, so Express's call changes nothing and all responses
 * share one shape. Each class's prototype inherits from the app's original one, the way Express
 * re-parents a mounted sub-app's, so every Express method is still there.
 */
export function createHttpServer(app: Express): http.Server {
  return http.createServer(messageClasses(app), app);
}

type MessageClasses = { IncomingMessage: typeof http.IncomingMessage; ServerResponse: typeof http.ServerResponse };
/** One pair of classes per app: a second server of the same app (`ALT_PORT`) shares them. */
const classesOf = new WeakMap<Express, MessageClasses>();

function messageClasses(app: Express): MessageClasses {
  const known = classesOf.get(app);
  if (known) return known;
  class AppRequest extends http.IncomingMessage {}
  class AppResponse<R extends http.IncomingMessage = http.IncomingMessage> extends http.ServerResponse<R> {}
  Object.setPrototypeOf(AppRequest.prototype, app.request);
  Object.setPrototypeOf(AppResponse.prototype, app.response);
  app.request = AppRequest.prototype as Express['request'];
  app.response = AppResponse.prototype as Express['response'];
  const classes = { IncomingMessage: AppRequest, ServerResponse: AppResponse };
  classesOf.set(app, classes);
  return classes;
}
