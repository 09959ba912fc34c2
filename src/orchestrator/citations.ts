import type { AgentResult, Citation } from './task.js';

const URL_PATTERN = /https?:\/\/[^\s<>()[\]"'`]+[^\s<>()[\]"'`.,;:!?]/g;

const SOURCES_HEADING = /^(?:#+\s*)?Sources:?\s*$/im;
/** `[3] api.md — HTTP API › The event stream (lines 120-135)`, as the local model writes them. */
const SOURCE_LINE = /^\s*\[(\d+)\]\s+(.+?)(?:\s+—\s+(.+?))?(?:\s+\(lines (\d+-\d+)\))?\s*$/;

/** Entries of a numbered source list (after a `Sources` line) that are not URLs. */
function listedSources(content: string): Citation[] {
  const heading = SOURCES_HEADING.exec(content);
  if (!heading) return [];
  const out: Citation[] = [];
  for (const line of content.slice(heading.index + heading[0].length).split('\n')) {
    const m = SOURCE_LINE.exec(line);
    if (!m || /^https?:\/\//.test(m[2]!)) continue;
    out.push({ source: m[2]!, ...(m[3] ? { title: m[3] } : {}), ...(m[4] ? { lines: m[4] } : {}) });
  }
  return out;
}

/** Sources an answer cites: its numbered document sources and its URLs, in order, each once. */
export function extractCitations(content: string): Citation[] {
  const seen = new Set<string>();
  const out: Citation[] = [];
  const add = (c: Citation) => {
    const key = `${c.source}#${c.lines ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(c);
  };
  listedSources(content).forEach(add);
  for (const match of content.matchAll(URL_PATTERN)) add({ source: match[0], url: match[0] });
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
