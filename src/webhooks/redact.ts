/**
 * A webhook URL as shown anywhere but the response that registered it (`GET /tasks`, task records,
 * the stream's `workflow_start`): its origin and a redacted path. A path or query often is the
 * secret itself (`/hooks/T0/B1/xyz`, `?token=`), and stream tokens reach people who must not get it.
 */
export function redactWebhookUrl(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname === '/' && parsed.search === '' && parsed.hash === '' ? `${parsed.origin}/` : `${parsed.origin}/[redacted]`;
}
