import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSecret, loadWebhookSecret, SECRET_FILE, secretKey, sign, signedHeaders, verify } from '../../src/webhooks/signing.js';
import { signatureMatches } from './receiver.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-secret-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('sign', () => {
  it('matches the Standard Webhooks reference example', () => {
    // The example of the Standard Webhooks libraries' own tests.
    const key = secretKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(sign(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs id.timestamp.body with the decoded key, verifiable by an independent check', () => {
    const secret = generateSecret();
    const body = JSON.stringify({ type: 'workflow_complete', data: { ü: 'ünïcode' } });
    const headers = signedHeaders(secretKey(secret), 'msg_abc', body, 1_700_000_000_123);
    expect(headers['webhook-id']).toBe('msg_abc');
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(signatureMatches(secret, headers, body)).toBe(true);
    expect(signatureMatches(secret, headers, `${body} `)).toBe(false);
    expect(signatureMatches(generateSecret(), headers, body)).toBe(false);
  });
});

describe('verify', () => {
  const secret = generateSecret();
  const body = '{"a":1}';
  const now = 1_700_000_000_000;
  const headers = signedHeaders(secretKey(secret), 'msg_1', body, now);

  it('accepts a genuine delivery, also among other signatures', () => {
    expect(verify(secret, headers, body, 300, now)).toBe(true);
    expect(verify(secret, { ...headers, 'webhook-signature': `v1,AAAA ${headers['webhook-signature']}` }, body, 300, now)).toBe(true);
  });

  it('refuses a changed body, id or timestamp, a stale timestamp, missing headers', () => {
    expect(verify(secret, headers, '{"a":2}', 300, now)).toBe(false);
    expect(verify(secret, { ...headers, 'webhook-id': 'msg_2' }, body, 300, now)).toBe(false);
    expect(verify(secret, { ...headers, 'webhook-timestamp': String(now / 1000 + 1) }, body, 300, now)).toBe(false);
    expect(verify(secret, headers, body, 300, now + 301_000)).toBe(false);
    expect(verify(secret, { 'webhook-id': 'msg_1' }, body, 300, now)).toBe(false);
  });
});

describe('loadWebhookSecret', () => {
  it('generates a secret once, keeps it in DATA_DIR with mode 0600, and reuses it', () => {
    const dir = path.join(tempDir(), 'nested', 'data');
    const first = loadWebhookSecret(dir);
    expect(first).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(first)).toHaveLength(32);
    const file = path.join(dir, SECRET_FILE);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(first);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadWebhookSecret(dir)).toBe(first);
  });

  it('uses WEBHOOK_SECRET when set, and then writes no file', () => {
    const dir = tempDir();
    const configured = generateSecret();
    expect(loadWebhookSecret(dir, configured)).toBe(configured);
    expect(fs.existsSync(path.join(dir, SECRET_FILE))).toBe(false);
  });

  it('stops on a kept file that is not a secret instead of replacing it', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, SECRET_FILE), 'garbage\n');
    expect(() => loadWebhookSecret(dir)).toThrow(/does not hold a whsec_ webhook secret/);
    expect(fs.readFileSync(path.join(dir, SECRET_FILE), 'utf8')).toBe('garbage\n');
  });
});
