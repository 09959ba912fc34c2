import { describe, expect, it } from 'vitest';
import { createEventLog } from '../../src/events/event-log.js';
import { observeEvents } from '../../src/metrics/event-metrics.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { parsePromText, sumOf } from './prom-text.js';

const P = 'mcp_orchestrator_';

function setup() {
  const events = createEventLog(createMemoryStore().events);
  const metrics = createMetrics({ defaultMetrics: false });
  const stop = observeEvents(events, metrics);
  const samples = async () => parsePromText(await metrics.registry.metrics()).samples;
  return { events, metrics, stop, samples };
}

describe('metrics from the event log', () => {
  it('labels failed tasks with their error code and agents with the task’s provider and model', async () => {
    const { events, samples } = setup();
    const id = 'research_abc';
    events.append(id, { event_type: 'workflow_start', data: { pattern: 'cascade', provider: 'xai', model: 'grok-3' } });
    events.append(id, { event_type: 'agent_start', agent_id: 'w1', data: { role: 'worker' } });
    events.append(id, {
      event_type: 'agent_error',
      agent_id: 'w1',
      data: { role: 'worker', duration_ms: 1500, usage: { input_tokens: 10, output_tokens: 0 }, cost_usd: 0.5, error: { code: 'timeout' } },
    });
    events.append(id, { event_type: 'workflow_error', data: { status: 'failed', error: { code: 'budget_exceeded' } } });
    events.append(id, { event_type: 'stream_closed', data: {} });
    const s = await samples();
    expect(sumOf(s, `${P}tasks_finished_total`, { pattern: 'cascade', status: 'failed', error_code: 'budget_exceeded' })).toBe(1);
    expect(sumOf(s, `${P}agent_run_duration_seconds_sum`, { role: 'worker', provider: 'xai', model: 'grok-3', outcome: 'error' })).toBe(1.5);
    expect(sumOf(s, `${P}model_tokens_total`, { provider: 'xai', model: 'grok-3', direction: 'input' })).toBe(10);
    expect(sumOf(s, `${P}model_cost_usd_total`, { provider: 'xai', model: 'grok-3' })).toBe(0.5);
  });

  it('keeps the model label bounded when every request names a new model (cardinality)', async () => {
    const { events, samples } = setup();
    for (let i = 0; i < 200; i++) {
      const id = `search_${i}`;
      events.append(id, { event_type: 'workflow_start', data: { provider: 'openai', model: `model-${i}` } });
      events.append(id, { event_type: 'agent_complete', agent_id: 'a', data: { role: 'searcher', duration_ms: 1, usage: { input_tokens: 1, output_tokens: 1 }, cost_usd: 0 } });
      events.append(id, { event_type: 'stream_closed', data: {} });
    }
    const models = new Set((await samples()).filter((x) => x.name === `${P}model_tokens_total`).map((x) => x.labels.model));
    expect(models.size).toBeLessThanOrEqual(51);
    expect(models.has('other')).toBe(true);
    expect(sumOf(await samples(), `${P}model_tokens_total`, { direction: 'input' })).toBe(200);
  });

  it('ignores malformed event data rather than throwing into the appending task', () => {
    const { events, stop } = setup();
    expect(() =>
      events.append('search_x', { event_type: 'agent_complete', data: { duration_ms: -5, usage: 'nonsense', cost_usd: Number.NaN } }),
    ).not.toThrow();
    stop();
  });
});
