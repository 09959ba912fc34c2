import { describe, expect, it, vi } from 'vitest';
import { pickAgentType } from '../../src/orchestrator/agent-types.js';
import { createCoalescer } from '../../src/orchestrator/coalescer.js';
import { fallbackPlan, parsePlan } from '../../src/orchestrator/prompts.js';
import { chunk } from '../../src/orchestrator/patterns/pattern.js';

describe('parsePlan', () => {
  it('reads a JSON array, even wrapped in prose or a code fence', () => {
    expect(parsePlan('Here:\n```json\n["a b c", "d e f"]\n```', 'task', 2)).toEqual(['a b c', 'd e f']);
  });
  it('reads a numbered or bulleted list when there is no JSON', () => {
    expect(parsePlan('1. first one\n2) second one\n- third one', 'task', 3)).toEqual(['first one', 'second one', 'third one']);
  });
  it('drops duplicates, never pads a short plan with filler, truncates a long one', () => {
    expect(parsePlan('["same q", "Same Q"]', 'the task', 3)).toEqual(['same q']);
    expect(parsePlan('["aaa","bbb","ccc"]', 't', 2)).toEqual(['aaa', 'bbb']);
  });
  it('falls back to the parts the request enumerates, or the request itself', () => {
    expect(parsePlan('[]', 'Brief: (1) funding and investors, (2) financials, (3) risks.', 8)).toEqual(['Funding and investors', 'Financials', 'Risks']);
    expect(fallbackPlan('How do streams resume?', 8)).toEqual(['How do streams resume?']);
    expect(fallbackPlan('Brief: (1) a one, (2) b two, (3) c three.', 2)).toEqual(['A one; B two', 'C three']);
  });
});

describe('pickAgentType', () => {
  it('picks by keywords, honours allowed types, defaults to general', () => {
    expect(pickAgentType('recent news about chips')).toBe('news');
    expect(pickAgentType('peer-reviewed studies on sleep')).toBe('academic');
    expect(pickAgentType('best laptop price comparison')).toBe('product');
    expect(pickAgentType('something plain')).toBe('general');
    expect(pickAgentType('recent news about chips', ['academic', 'text'])).toBe('academic');
    expect(pickAgentType('nothing matches', ['video', 'image'])).toBe('video');
  });
});

describe('chunk', () => {
  it('groups up to the size', () => {
    expect(chunk([1, 2, 3, 4, 5, 6, 7, 8], 5)).toEqual([[1, 2, 3, 4, 5], [6, 7, 8]]);
    expect(chunk([], 5)).toEqual([]);
  });
});

describe('createCoalescer', () => {
  it('emits at most once per interval and flushes the rest', () => {
    vi.useFakeTimers();
    try {
      const out: Array<[string, number]> = [];
      const c = createCoalescer(100, (d, total) => out.push([d, total]));
      for (let i = 0; i < 50; i++) c.push('ab');
      expect(out).toEqual([['ab', 2]]);
      vi.advanceTimersByTime(100);
      expect(out).toHaveLength(2);
      expect(out[1]![1]).toBe(100);
      c.push('z');
      c.flush();
      expect(out.at(-1)).toEqual(['z', 101]);
      c.reset();
      c.push('q');
      vi.advanceTimersByTime(100);
      expect(out.at(-1)).toEqual(['q', 1]);
    } finally {
      vi.useRealTimers();
    }
  });
});
