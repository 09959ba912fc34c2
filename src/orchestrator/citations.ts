import { formatSource, type SourceLedger } from './source-ledger.js';
import type { Citation, Source } from './task.js';

const SOURCES_HEADING = /^\s*(?:#+\s*)?(?:\*\*)?(?:Sources|References)(?:\*\*)?:?(?:\*\*)?\s*$/i;
/** `[3] api.md — HTTP API › The event stream (lines 120-135)`, as agents list their sources. */
const SOURCE_LINE = /^\s*(?:[-*]\s*)?\[(\d+)\]:?\s+(.+?)(?:\s+—\s+(.+?))?(?:\s+\(lines? (\d+(?:-\d+)?)\))?(?:\s+·\s+.*)?\s*$/;
/** A numbered citation in text: `[2]`, not a Markdown link `[2](…)` and not a footnote `[^2]`. */
const MARKER = /\[(\d+)\](?!\()/g;
const URL = /https?:\/\/[^\s<>()[\]"'`]+[^\s<>()[\]"'`.,;:!?]/;

/** A text's body without its numbered source lists, and their entries by number. */
export function splitSourceList(content: string): { body: string; listed: Map<number, Citation> } {
  const listed = new Map<number, Citation>();
  const body: string[] = [];
  let inList = false;
  for (const line of content.split('\n')) {
    if (SOURCES_HEADING.test(line)) {
      inList = true;
      continue;
    }
    const m = inList ? SOURCE_LINE.exec(line) : null;
    if (m) {
      const url = URL.exec(m[2]!)?.[0] ?? (m[3] ? URL.exec(m[3])?.[0] : undefined);
      listed.set(Number(m[1]), url ? { source: url, url } : { source: m[2]!, ...(m[3] ? { title: m[3] } : {}), ...(m[4] ? { lines: m[4] } : {}) });
      continue;
    }
    if (inList && !line.trim()) continue;
    inList = false;
    body.push(line);
  }
  return { body: body.join('\n').trimEnd(), listed };
}

/** Replace each `[k]` of `body` by `[n]`, or drop it when `map` gives nothing (repeats are merged by `withList`). */
function renumber(body: string, map: (k: number) => number | undefined): string {
  return body
    .replace(MARKER, (_m, k: string) => {
      const n = map(Number(k));
      return n === undefined ? '' : `[${n}]`;
    })
    .replace(/[ \t]+([.,;:!?])/g, '$1')
    .replace(/[ \t]+$/gm, '');
}

const INLINE_URL = /\[([^\]]*)\]\((https?:\/\/[^)\s]+)\)|https?:\/\/[^\s<>()[\]"'`]+[^\s<>()[\]"'`.,;:!?]/g;

/** URLs written in the text itself: kept (and listed) when the task read them, removed otherwise. */
function settleUrls(body: string, ledger: SourceLedger, used: Source[]): string {
  return body.replace(INLINE_URL, (whole, text: string | undefined, linked: string | undefined) => {
    const url = linked ?? whole;
    if (ledger.mentions(url) && !ledger.wasRead(url)) return whole;
    const source = ledger.cite({ source: url, url });
    if (!source) return text ?? '';
    used.push(source);
    return `${whole} [${source.n}]`;
  });
}

export interface SettledText {
  content: string;
  citations: Citation[];
}

const asCitation = (s: Source): Citation => ({
  n: s.n,
  source: s.url ?? s.path ?? s.title,
  ...(s.heading ? { title: s.heading } : s.url && s.title !== s.url ? { title: s.title } : {}),
  ...(s.url ? { url: s.url } : {}),
  ...(s.lines ? { lines: s.lines } : {}),
});

function withList(body: string, sources: Source[], heading: string): SettledText {
  const unique = [...new Map(sources.map((s) => [s.n, s])).values()].sort((a, b) => a.n - b.n);
  // A Markdown list, so each source is a line of its own wherever the text is rendered.
  const list = unique.length ? `\n\n${heading}\n\n${unique.map((u) => `- ${formatSource(u)}`).join('\n')}` : '';
  const text = body.replace(/(\[\d+\])(?:\s*\1)+/g, '$1').trim();
  return { content: `${text}${list}`, citations: unique.map(asCitation) };
}

/**
 * A worker's answer in the task's numbering: each `[k]` of its own source list becomes the task's
 * `[n]` for what it points at, and a citation that matches nothing the task read is removed (and
 * counted by the ledger). Its source list is rewritten with the task's numbers.
 */
export function settleWorkerText(content: string, ledger: SourceLedger): SettledText {
  const { body, listed } = splitSourceList(content);
  const numbers = new Map<number, Source | undefined>();
  for (const [k, c] of listed) numbers.set(k, ledger.cite(c));
  const used: Source[] = [];
  const text = renumber(body, (k) => {
    if (!numbers.has(k)) {
      ledger.refuse();
      numbers.set(k, undefined);
    }
    const s = numbers.get(k);
    if (s) used.push(s);
    return s?.n;
  });
  return withList(settleUrls(text, ledger, used), used, 'Sources:');
}

/**
 * A synthesizer's text: its `[n]` already are the task's numbers; one that no source has is
 * removed and counted. Its own source list (if it wrote one) is replaced by the task's.
 */
export function settleSynthesisText(content: string, ledger: SourceLedger, heading = 'Sources:'): SettledText {
  const { body } = splitSourceList(content);
  const used: Source[] = [];
  const text = renumber(body, (n) => {
    const s = ledger.get(n);
    if (s) used.push(s);
    else ledger.refuse();
    return s?.n;
  });
  return withList(settleUrls(text, ledger, used), used, heading);
}
