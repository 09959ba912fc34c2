import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { configProblems } from '../helpers/config-problems.js';

describe('webhook settings', () => {
  it('defaults: no secret (generated later), private targets refused, retries over about an hour, 10 s timeout', () => {
    const { webhooks } = loadConfig({});
    expect(webhooks.secret).toBeUndefined();
    expect(webhooks.allowPrivate).toBe(false);
    expect(webhooks.retryDelaysMs).toEqual([5_000, 30_000, 120_000, 300_000, 600_000, 900_000, 1_800_000]);
    const total = webhooks.retryDelaysMs.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(55 * 60_000);
    expect(total).toBeLessThan(75 * 60_000);
    expect(webhooks.timeoutMs).toBe(10_000);
  });

  it('reads fractions of seconds, spaces allowed, and the other values', () => {
    const { webhooks } = loadConfig({
      WEBHOOK_RETRY_DELAYS: '0.05, 1.5,60',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT_MS: '250',
      WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    expect(webhooks).toEqual({ retryDelaysMs: [50, 1500, 60_000], allowPrivate: true, timeoutMs: 250, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
  });

  it.each([
    ['WEBHOOK_RETRY_DELAYS', 'soon'],
    ['WEBHOOK_RETRY_DELAYS', '5,,10'],
    ['WEBHOOK_RETRY_DELAYS', '0'],
    ['WEBHOOK_RETRY_DELAYS', '-5'],
    ['WEBHOOK_RETRY_DELAYS', '100000'],
    ['WEBHOOK_ALLOW_PRIVATE', 'sometimes'],
    ['WEBHOOK_TIMEOUT_MS', 'fast'],
  ])('%s=%s is one problem naming the variable and the value', (name, value) => {
    const lines = configProblems({ [name]: value });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${name}: `));
    expect(lines[0]).toContain(JSON.stringify(value));
  });

  it.each(['secret', 'whsec_', 'whsec_c2hvcnQ=', 'whsec_not base64 at all!!', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'])(
    'refuses WEBHOOK_SECRET=%s without echoing it',
    (value) => {
      const lines = configProblems({ WEBHOOK_SECRET: value });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^WEBHOOK_SECRET: must be whsec_/);
      expect(lines[0]).toContain('(got a value that is not shown)');
      expect(lines[0]!.replace(/must be whsec_/, '')).not.toContain(value);
    },
  );
});
