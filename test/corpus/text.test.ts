import { describe, expect, it } from 'vitest';
import { bestSnippet, countTokens, jaccard, similar } from '../../src/corpus/text.js';

/** What `countTokens` counted before it stopped building the array of matches. */
const byMatches = (text: string) => (text.match(/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? []).length;

/** `bestSnippet` as it was, slicing the text once per window. */
function snippetBySlices(text: string, terms: string[], width = 220): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= width) return flat;
  const lower = flat.toLowerCase();
  let best = 0;
  let bestScore = -1;
  for (let start = 0; start < flat.length; start += Math.max(20, Math.floor(width / 4))) {
    const window = lower.slice(start, start + width);
    const score = terms.reduce((n, t) => n + (window.includes(t.toLowerCase()) ? 1 : 0), 0);
    if (score > bestScore) [best, bestScore] = [start, score];
  }
  const snippet = flat.slice(best, best + width).trim();
  return `${best > 0 ? '…' : ''}${snippet}${best + width < flat.length ? '…' : ''}`;
}

/** A small deterministic generator, so a failure names a reproducible case. */
function random(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('text tools', () => {
  it('counts tokens as the regular expression matches them, in any script, astral and lone surrogates included', () => {
    const alphabet = ['a', 'Z', '9', '_', ' ', '\n', '\t', '.', ',', '\u00a0', 'é', 'ß', '\u2028', '\ufeff', '😀', '\ud83d', '\ude00', '中', '٣', '\u3000', '-', '[', '’'];
    const next = random(7);
    for (let k = 0; k < 5_000; k++) {
      let text = '';
      for (let i = Math.floor(next() * 30); i > 0; i--) text += alphabet[Math.floor(next() * alphabet.length)];
      expect(countTokens(text), JSON.stringify(text)).toBe(byMatches(text));
    }
    expect(countTokens('Series B raised $40M [2].')).toBe(byMatches('Series B raised $40M [2].'));
  });

  it('similar(a, b, t) is jaccard(a, b) >= t, sizes that rule it out included', () => {
    const next = random(11);
    const set = () => new Set(Array.from({ length: Math.floor(next() * 8) }, () => `w${Math.floor(next() * 10)}`));
    for (let k = 0; k < 5_000; k++) {
      const [a, b] = [set(), set()];
      for (const t of [0.5, 0.6, 0.8]) expect(similar(a, b, t)).toBe(jaccard(a, b) >= t);
    }
  });

  it('picks the snippet window holding most of the terms, as slicing the text per window did', () => {
    const text = `${'filler words here. '.repeat(30)}The backup runs nightly with SQLite online backup. ${'more filler. '.repeat(30)}`;
    const snippet = bestSnippet(text, ['backup', 'sqlite']);
    expect(snippet).toContain('backup runs nightly with SQLite');
    expect(bestSnippet(text, ['backup', 'sqlite'])).toBe(snippet); // from the cache
    expect(bestSnippet('short text', ['x'])).toBe('short text');
    const words = ['backup', 'restore', 'İstanbul', 'wal', 'cron', 'x', '', 'sqlite', 'ß'];
    const next = random(5);
    for (let k = 0; k < 300; k++) {
      const body = Array.from({ length: 20 + Math.floor(next() * 120) }, () => words[Math.floor(next() * words.length)]).join(next() < 0.5 ? ' ' : '\n ');
      const asked = words.filter(() => next() < 0.3);
      expect(bestSnippet(body, asked, 60)).toBe(snippetBySlices(body, asked, 60));
    }
  });
});
