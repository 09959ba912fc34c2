import type { RawAnswer } from './raw-client.js';

/**
 * The fuzz invariant, as an error message (undefined when it holds): never a 5xx; always an
 * `X-Request-Id`; every 4xx is JSON in the SPEC shape `{"success":false,"error":{"code","message","details"?}}`.
 */
export function answerProblem(res: RawAnswer): string | undefined {
  if (res.status >= 500) return `a ${res.status}: ${res.body.slice(0, 300)}`;
  if (typeof res.headers['x-request-id'] !== 'string' || res.headers['x-request-id'] === '') return 'no X-Request-Id';
  if (res.status < 400) return undefined;
  if (!/^application\/json/.test(res.headers['content-type'] ?? '')) return `a ${res.status} that is not JSON: ${res.headers['content-type']}`;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return `a ${res.status} with a body that does not parse: ${res.body.slice(0, 200)}`;
  }
  const { success, error } = (body ?? {}) as { success?: unknown; error?: { code?: unknown; message?: unknown; details?: unknown } };
  if (success !== false || !error) return `a ${res.status} not in the error shape: ${res.body.slice(0, 200)}`;
  if (typeof error.code !== 'string' || !/^[a-z_]+$/.test(error.code)) return `bad error.code in ${res.body.slice(0, 200)}`;
  if (typeof error.message !== 'string' || error.message === '') return `bad error.message in ${res.body.slice(0, 200)}`;
  if (error.details !== undefined) {
    const ok = Array.isArray(error.details) && error.details.every((d: { path?: unknown; message?: unknown }) => typeof d.path === 'string' && typeof d.message === 'string');
    if (!ok) return `bad error.details in ${res.body.slice(0, 200)}`;
  }
  return undefined;
}
