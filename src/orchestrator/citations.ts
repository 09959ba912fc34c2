import type { AgentResult, Citation } from './task.js';

const URL_PATTERN = /https?:\/\/[^\s<>()[\]"'`]+[^\s<>()[\]"'`.,;:!?]/g;

/** Sources an answer cites: its URLs, in order of first appearance. */
export function extractCitations(content: string): Citation[] {
  const seen = new Set<string>();
  const out: Citation[] = [];
  for (const match of content.matchAll(URL_PATTERN)) {
    const url = match[0];
    if (seen.has(url)) continue;
    seen.add(url);
    out.push({ source: url, url });
  }
  return out;
}

/** Every distinct citation of several results, in order. */
export function mergeCitations(results: AgentResult[]): Citation[] {
  const seen = new Set<string>();
  const out: Citation[] = [];
  for (const citation of results.flatMap((r) => r.citations)) {
    const key = `${citation.source}#${citation.lines ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(citation);
  }
  return out;
}
