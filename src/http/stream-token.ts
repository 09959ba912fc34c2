import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Where the stream-token secret is kept, inside `DATA_DIR`. */
export const STREAM_TOKEN_SECRET_FILE = 'stream-token.secret';

/**
 * Short-lived, task-scoped tokens for `stream_url` (a browser `EventSource` cannot send headers).
 *
 * A token is `<expiry epoch seconds>.<base64url HMAC-SHA256("stream:" + taskId + ":" + expiry)>`:
 * it names no key and no task, opens `/stream/<taskId>` for exactly that task until it expires,
 * and cannot be changed without the server's secret.
 */
export interface StreamTokens {
  /** A token for `taskId`, valid for the configured lifetime from now. */
  issue(taskId: string): string;
  /** Whether `token` was issued for `taskId` and has not expired. */
  verify(token: string, taskId: string): boolean;
}

export interface StreamTokensOptions {
  /** At least 32 random bytes. */
  secret: Buffer;
  ttlS: number;
  /** Clock (epoch ms), for tests. */
  now?: () => number;
}

const TOKEN = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

export function createStreamTokens(options: StreamTokensOptions): StreamTokens {
  const now = options.now ?? Date.now;
  // A key of its own, so the stored secret is never used directly for anything else.
  const key = createHmac('sha256', options.secret).update('mcp-orchestrator stream tokens v1').digest();
  const mac = (taskId: string, expiry: number) => createHmac('sha256', key).update(`stream:${taskId}:${expiry}`).digest();
  return {
    issue(taskId) {
      const expiry = Math.floor(now() / 1000) + options.ttlS;
      return `${expiry}.${mac(taskId, expiry).toString('base64url')}`;
    },
    verify(token, taskId) {
      const match = TOKEN.exec(token);
      if (!match) return false;
      const expiry = Number(match[1]);
      if (expiry * 1000 <= now()) return false;
      const given = Buffer.from(match[2]!, 'base64url');
      const expected = mac(taskId, expiry);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/**
 * The secret tokens are signed with, kept in `dataDir` (mode 0600) so that tokens handed out before a
 * restart still open their streams after it (tasks survive restarts with the SQLite store, and an
 * `EventSource` reconnects with the same URL). Generated once; delete the file to revoke every token.
 */
export function loadStreamTokenSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, STREAM_TOKEN_SECRET_FILE);
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    // `wx`: two processes starting at once cannot both write one.
    fs.writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
  if (secret.length < 32) throw new Error(`${file} does not hold a stream-token secret (32 bytes, base64url); fix or remove it`);
  return secret;
}
