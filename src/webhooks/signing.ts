import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { WEBHOOK_SECRET_PATTERN } from '../config.js';

/** Where a generated secret is kept, inside `DATA_DIR`. */
export const SECRET_FILE = 'webhook-secret';

/** The headers of one signed delivery attempt (Standard Webhooks). A type, not an interface, so it passes as a header record. */
export type SignedHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** A new Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The HMAC key of a secret: the base64-decoded part after `whsec_`. */
export function secretKey(secret: string): Buffer {
  if (!WEBHOOK_SECRET_PATTERN.test(secret)) throw new Error('a webhook secret must be whsec_ followed by base64');
  return Buffer.from(secret.slice('whsec_'.length), 'base64');
}

/**
 * The secret to sign with: `configured` when set, else the one kept in `dataDir`, generated (mode
 * 0600) the first time. A kept file that is not a valid secret stops the start rather than being replaced,
 * since receivers already trust it.
 */
export function loadWebhookSecret(dataDir: string, configured?: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, SECRET_FILE);
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    // `wx`: two processes starting at once cannot both write one.
    fs.writeFileSync(file, `${generateSecret()}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (!WEBHOOK_SECRET_PATTERN.test(secret)) throw new Error(`${file} does not hold a whsec_ webhook secret; fix or remove it`);
  return secret;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function sign(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The three headers of an attempt made at `now` (epoch ms). */
export function signedHeaders(key: Buffer, id: string, body: string, now = Date.now()): SignedHeaders {
  const timestamp = Math.floor(now / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(key, id, timestamp, body) };
}

/**
 * Whether a delivery is genuine, as a receiver checks it: one of the space-separated `v1,` signatures
 * matches, and the timestamp is within `toleranceS` of `now`.
 */
export function verify(secret: string, headers: Partial<Record<string, string | string[]>>, body: string, toleranceS = 300, now = Date.now()): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > toleranceS) return false;
  const expected = Buffer.from(sign(secretKey(secret), id, Number(timestamp), body));
  return signatures.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
