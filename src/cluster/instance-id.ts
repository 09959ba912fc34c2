import { randomBytes } from 'node:crypto';
import os from 'node:os';

/** What `newInstanceId` builds on; the host name defaults to the machine's. */
export interface InstanceIdHint {
  hostname?: string;
  port?: number;
}

/**
 * A short id for this process among the instances sharing one Redis, `<hostname>-<port>-<random>`
 * (e.g. `web-1-8080-3fa9c2`): readable in Redis keys and logs, and the random part tells a
 * restarted instance from its predecessor. Only `[a-z0-9-]`, so it is safe inside keys and members.
 */
export function newInstanceId(hint: InstanceIdHint = {}): string {
  const host =
    (hint.hostname ?? os.hostname())
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 32) || 'host';
  const parts = [host];
  if (hint.port !== undefined) parts.push(String(hint.port));
  parts.push(randomBytes(3).toString('hex'));
  return parts.join('-');
}
