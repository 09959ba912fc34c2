import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { checkTarget, guardedLookup, TargetRefusedError, type ResolveAll } from '../../webhooks/target-guard.js';
import { formatBytes, WebToolError } from './web-error.js';

/** Limits and guard of one `fetch_url` call. */
export interface GuardedFetchOptions {
  /** Skip the address checks (`FETCH_ALLOW_PRIVATE`); the scheme and name checks stay. */
  allowPrivate: boolean;
  /** For the whole call: every hop, and reading the body. */
  timeoutMs: number;
  /** Largest body read (after decompression); a longer one is a tool error. */
  maxBytes: number;
  /** Redirects followed at most (5). */
  maxRedirects?: number;
  signal?: AbortSignal;
  /** Name resolution of the per-hop check; tests inject a fixed table. */
  resolve?: ResolveAll;
  /**
   * The lookup sockets connect with. Default: the guard's `guardedLookup`, which re-checks the
   * address actually connected to (no DNS rebinding between check and connect); none with
   * `allowPrivate`. Tests only.
   */
  lookup?: LookupFunction;
}

/** A page as read: where it was asked for, where it ended up after redirects, its type and bytes. */
export interface FetchedBody {
  url: string;
  finalUrl: string;
  contentType: string | undefined;
  body: Buffer;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const HEADERS = {
  'user-agent': 'mcp-orchestrator fetch_url (research agent)',
  accept: 'text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.1',
  'accept-encoding': 'gzip, deflate, br',
};

/** The guard's reason, with this tool's setting named instead of the webhooks'. */
const refused = (url: URL | string, error: Error) =>
  new WebToolError(`fetch_url refused ${String(url)}: ${error.message.replace('WEBHOOK_ALLOW_PRIVATE', 'FETCH_ALLOW_PRIVATE')}`);

/** The webhook target guard for one hop: http(s), resolvable, and (unless allowed) no private address. */
async function checkHop(url: URL, options: GuardedFetchOptions): Promise<void> {
  try {
    await checkTarget(url.href, { allowPrivate: options.allowPrivate, resolve: options.resolve });
  } catch (error) {
    if (error instanceof TargetRefusedError) throw refused(url, error);
    throw error;
  }
}

function get(url: URL, signal: AbortSignal, options: GuardedFetchOptions): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? https.request : http.request;
  const lookup = options.lookup ?? (options.allowPrivate ? undefined : guardedLookup);
  return new Promise((resolve, reject) => {
    // A fresh connection per hop, so the connect-time check runs every time.
    const req = send(url, { method: 'GET', headers: HEADERS, agent: false, lookup, signal }, resolve);
    req.once('error', (error) => reject(error instanceof TargetRefusedError ? refused(url, error) : error));
    req.end();
  });
}

/** The body stream with its content encoding undone. */
function decoded(res: IncomingMessage): Readable {
  const encoding = (res.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip' ? zlib.createGunzip()
    : encoding === 'deflate' ? zlib.createInflate()
    : encoding === 'br' ? zlib.createBrotliDecompress()
    : undefined;
  if (decoder) return res.pipe(decoder);
  if (encoding === 'identity' || encoding === '') return res;
  res.destroy();
  throw new WebToolError(`fetch_url cannot read the content encoding ${JSON.stringify(encoding)}`);
}

/** Read the body, stopping (and refusing) as soon as it passes `maxBytes`. */
function readBody(res: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  const tooLarge = () => new WebToolError(`the page is larger than ${formatBytes(maxBytes)}`);
  const declared = Number(res.headers['content-length']);
  if (!res.headers['content-encoding'] && declared > maxBytes) {
    res.destroy();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stream = decoded(res);
    const settle = (error?: unknown) => {
      signal.removeEventListener('abort', onAbort);
      if (error === undefined) return resolve(Buffer.concat(chunks));
      res.destroy();
      stream.destroy();
      reject(error);
    };
    const onAbort = () => settle(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) settle(tooLarge());
      else chunks.push(chunk);
    });
    stream.once('end', () => settle());
    stream.once('error', (error) => settle(new WebToolError(`fetch_url could not read the page: ${error.message}`)));
    res.once('error', (error) => settle(new WebToolError(`fetch_url could not read the page: ${error.message}`)));
    res.once('close', () => !res.complete && settle(new WebToolError('fetch_url: the connection closed before the page was read')));
  });
}

function nextHop(location: string, current: URL): URL {
  try {
    return new URL(location, current);
  } catch {
    throw new WebToolError(`fetch_url: ${current.href} redirects to an invalid URL`);
  }
}

async function follow(start: string, signal: AbortSignal, options: GuardedFetchOptions): Promise<FetchedBody> {
  const max = options.maxRedirects ?? 5;
  let current = new URL(start);
  for (let redirects = 0; ; redirects++) {
    await checkHop(current, options);
    const res = await get(current, signal, options);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (REDIRECTS.has(status) && location) {
      res.destroy();
      if (redirects >= max) throw new WebToolError(`fetch_url: ${start} redirects more than ${max} times`);
      current = nextHop(location, current);
      continue;
    }
    if (status < 200 || status >= 300) {
      res.destroy();
      throw new WebToolError(`fetch_url: ${current.href} answered HTTP ${status}`);
    }
    const body = await readBody(res, options.maxBytes, signal);
    return { url: start, finalUrl: current.href, contentType: res.headers['content-type'], body };
  }
}

/**
 * GET a page through the webhook target guard: every hop (redirects are followed by hand, at most
 * five) is checked before it is called and again at connect time, the whole call has one deadline,
 * and the body stops at `maxBytes`. Failures are `WebToolError`s; the caller's abort is rethrown as
 * its reason.
 */
export async function fetchGuarded(url: string, options: GuardedFetchOptions): Promise<FetchedBody> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  try {
    return await follow(url, signal, options);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (deadline.aborted) throw new WebToolError(`fetch_url: ${url} did not answer within ${options.timeoutMs} ms`);
    if (error instanceof WebToolError) throw error;
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new WebToolError(`fetch_url could not reach ${url}: ${reason}`);
  }
}
