/**
 * A label value from an open set (model names, error codes), kept to at most `max` distinct values:
 * the first `max` seen pass through, later new ones become `other`. Prometheus keeps one series per
 * label combination, so a client sending a fresh model name per request must not grow it without bound.
 */
export function createBoundedLabel(max: number, other = 'other'): (value: unknown) => string {
  const seen = new Set<string>();
  return (value) => {
    const text = typeof value === 'string' && value !== '' ? value.slice(0, 100) : 'unknown';
    if (seen.has(text)) return text;
    if (seen.size >= max) return other;
    seen.add(text);
    return text;
  };
}
