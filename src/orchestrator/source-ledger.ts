import type { Citation, Source, Standing } from './task.js';

/** Something a tool handed an agent: a stretch of a document, or a page at a URL. */
interface ReadItem {
  kind: Source['kind'];
  title: string;
  /** The tool whose answer this is (a tool source: an MCP server's tool). */
  tool?: string;
  path?: string;
  heading?: string;
  from?: number;
  to?: number;
  url?: string;
  date?: string;
  standing?: Standing;
}

const span = (lines?: string): [number, number] | undefined => {
  const m = /^(\d+)(?:-(\d+))?$/.exec(lines ?? '');
  return m ? [Number(m[1]), Number(m[2] ?? m[1])] : undefined;
};
const normalPath = (p: string) => p.replace(/^\.\//, '').replace(/\\/g, '/');
const normalUrl = (u: string) => u.replace(/[#].*$/, '').replace(/\/$/, '');

function itemsOfSearch(output: { results?: unknown[] }): ReadItem[] {
  return (output.results ?? []).flatMap((r): ReadItem[] => {
    const hit = r as { path?: string; title?: string; heading?: string; lines?: string; date?: string; date_from?: string; standing?: Standing; url?: string };
    if (hit.path) {
      const [from, to] = span(hit.lines) ?? [];
      // A date taken from the file's mtime says nothing about its content: it is not shown.
      const date = hit.date_from === 'mtime' ? undefined : hit.date;
      return [{ kind: 'document', title: hit.title ?? hit.path, path: normalPath(hit.path), heading: hit.heading, from, to, date, standing: hit.standing }];
    }
    return hit.url ? [{ kind: 'web', title: hit.title ?? hit.url, url: hit.url }] : [];
  });
}

function itemsOfRead(output: { path?: string; start_line?: number; end_line?: number; date?: string; standing?: Standing }): ReadItem[] {
  if (!output.path) return [];
  return [{ kind: 'document', title: output.path, path: normalPath(output.path), from: output.start_line, to: output.end_line, date: output.date, standing: output.standing }];
}

/** URLs anywhere in a tool's output (web search results, fetched pages, other tools). */
function itemsWithUrls(output: unknown): ReadItem[] {
  const out: ReadItem[] = [];
  const visit = (value: unknown, depth: number) => {
    if (depth > 4 || !value || typeof value !== 'object') return;
    const v = value as { url?: unknown; final_url?: unknown; title?: unknown };
    for (const u of [v.url, v.final_url]) if (typeof u === 'string' && /^https?:\/\//.test(u)) out.push({ kind: 'web', title: typeof v.title === 'string' ? v.title : u, url: u });
    for (const child of Array.isArray(value) ? value : Object.values(value)) visit(child, depth + 1);
  };
  visit(output, 0);
  return out;
}

/** A tool's arguments in a few words: `path: notes/a.md, limit: 3`. */
function shortArgs(input: unknown): string {
  if (!input || typeof input !== 'object') return '';
  const parts = Object.entries(input as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const text = parts.join(', ');
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** What another server's tool (`<server>__<tool>`) answered: one source per call with its arguments. */
function itemOfTool(toolName: string, input: unknown): ReadItem {
  const args = shortArgs(input);
  return { kind: 'tool', tool: toolName, title: args ? `${toolName}(${args})` : toolName };
}

/** Tools of connected MCP servers are named `<server>__<tool>`; their answers are sources of kind `tool`. */
const isServerTool = (name: string) => /^[A-Za-z0-9_-]+__[A-Za-z0-9_-]+$/.test(name);

const linesOf = (item: ReadItem) => (item.from !== undefined ? `${item.from}-${item.to ?? item.from}` : undefined);
/** One source per page, or per stretch of a document. */
const keyOf = (item: ReadItem) =>
  item.url ? `url:${normalUrl(item.url)}` : item.tool ? `tool:${item.title}` : `doc:${item.path}#${linesOf(item) ?? ''}`;

function toSource(item: ReadItem, n: number, retrievedAt: string): Source {
  const lines = linesOf(item);
  return {
    n,
    kind: item.kind,
    title: item.title,
    ...(item.path ? { path: item.path } : {}),
    ...(item.heading ? { heading: item.heading } : {}),
    ...(lines ? { lines } : {}),
    ...(item.url ? { url: item.url } : {}),
    ...(item.date ? { date: item.date } : {}),
    ...(item.standing ? { standing: item.standing } : {}),
    retrieved_at: retrievedAt,
  };
}

/**
 * The task's sources: everything its agents read (as tool results), and the numbers citations
 * get. A source is numbered once, when an agent first cites it; a citation that matches nothing
 * read is refused and counted.
 */
export class SourceLedger {
  private readonly read: ReadItem[] = [];
  private readonly cited: Source[] = [];
  private readonly byKey = new Map<string, Source>();
  /** URLs that appear inside what was read: quoting them is not citing them. */
  private readonly mentioned = new Set<string>();
  /** Citations refused because nothing the task read matches them. */
  unverified = 0;
  /** `list()` as last built; every save asks for it, and it changes only when something is read or cited. */
  private listed: Source[] | undefined;

  /**
   * Take up a task another instance started: its sources as stored, the first `cited` of them
   * numbered (they keep their numbers), the rest read but not cited yet.
   */
  restore(sources: readonly Source[], cited: number, unverified: number): void {
    for (const source of sources) {
      const [from, to] = span(source.lines) ?? [];
      const item: ReadItem = {
        kind: source.kind,
        title: source.title,
        ...(source.kind === 'tool' ? { tool: source.title.replace(/\(.*$/, '') } : {}),
        ...(source.path ? { path: source.path } : {}),
        ...(source.heading ? { heading: source.heading } : {}),
        ...(from !== undefined ? { from, to } : {}),
        ...(source.url ? { url: source.url } : {}),
        ...(source.date ? { date: source.date } : {}),
        ...(source.standing ? { standing: source.standing } : {}),
      };
      this.read.push(item);
      if (source.n <= cited) {
        this.cited.push(source);
        this.byKey.set(keyOf(item), source);
      }
    }
    this.unverified = unverified;
    this.listed = undefined;
  }

  /** Record what a tool returned to an agent (`input`: the arguments it was called with). */
  noteToolResult(toolName: string, output: unknown, input?: unknown): void {
    if (!output || typeof output !== 'object') return;
    for (const m of JSON.stringify(output).matchAll(/https?:\/\/[^\s"'<>()[\]\\`]+/g)) this.mentioned.add(normalUrl(m[0].replace(/[.,;:!?]+$/, '')));
    this.listed = undefined;
    if (toolName === 'search_documents') this.read.push(...itemsOfSearch(output as { results?: unknown[] }));
    else if (toolName === 'read_document') this.read.push(...itemsOfRead(output as Parameters<typeof itemsOfRead>[0]));
    else if (isServerTool(toolName)) this.read.push(itemOfTool(toolName, input), ...itemsWithUrls(output));
    else this.read.push(...itemsWithUrls(output));
  }

  /** What was read that a citation points at, if anything: same file and overlapping lines, or same URL. */
  private match(c: Citation): ReadItem | undefined {
    if (c.url) return this.read.find((r) => r.url && normalUrl(r.url) === normalUrl(c.url!));
    const tools = this.read.filter((r) => r.tool && c.source.startsWith(r.tool));
    if (tools.length) return tools.find((r) => r.title === c.source) ?? tools.find((r) => c.title && r.title.includes(c.title)) ?? tools[0];
    const file = normalPath(c.source);
    const cited = span(c.lines);
    // The stretch read that overlaps the cited lines most; lines that match nothing read (a model
    // misremembering them) are corrected to the nearest stretch of the same file.
    let best: ReadItem | undefined;
    let bestScore = -Infinity;
    for (const r of this.read) {
      if (r.path !== file) continue;
      if (!cited || r.from === undefined) return r;
      const score = Math.min(cited[1], r.to ?? r.from) - Math.max(cited[0], r.from);
      if (score > bestScore) [best, bestScore] = [r, score];
    }
    return best;
  }

  private number(item: ReadItem): Source {
    const key = keyOf(item);
    let source = this.byKey.get(key);
    if (!source) {
      source = toSource(item, this.cited.length + 1, new Date().toISOString());
      this.cited.push(source);
      this.byKey.set(key, source);
      this.listed = undefined;
    }
    return source;
  }

  /** The task-wide number of a citation, or undefined (and counted) when nothing read matches it. */
  cite(c: Citation): Source | undefined {
    const item = this.match(c);
    if (!item) {
      this.unverified++;
      return undefined;
    }
    return this.number(item);
  }

  /** Whether a URL appears in something the task read (a document quoting it, say). */
  mentions(url: string): boolean {
    return this.mentioned.has(normalUrl(url));
  }

  /** Whether a page at this URL was itself read (a search result, a fetched page). */
  wasRead(url: string): boolean {
    return this.read.some((r) => r.url && normalUrl(r.url) === normalUrl(url));
  }

  /** The source numbered `n`, if one is. */
  get(n: number): Source | undefined {
    return this.cited[n - 1];
  }

  /** A citation numbered `n` that no source has (a synthesizer's invention): counted. */
  refuse(): void {
    this.unverified++;
  }

  /** Every source: the cited ones by number, then what was read but never cited. */
  list(): Source[] {
    this.listed ??= this.build();
    return this.listed;
  }

  private build(): Source[] {
    const uncited = new Map<string, ReadItem>();
    for (const r of this.read) {
      const key = keyOf(r);
      if (!this.byKey.has(key) && !uncited.has(key)) uncited.set(key, r);
    }
    const now = new Date().toISOString();
    return [...this.cited, ...[...uncited.values()].map((r, i) => toSource(r, this.cited.length + i + 1, now))];
  }
}

/** `[3] reports/fy2025.pdf — Financials › Revenue (lines 12-14)`, as reports list a source. */
export function formatSource(s: Source): string {
  if (s.url) return `[${s.n}] ${s.title && s.title !== s.url ? `${s.title} — ` : ''}${s.url}`;
  const vintage = [s.date, s.standing && s.standing !== 'current' ? s.standing : ''].filter(Boolean).join(', ');
  return `[${s.n}] ${s.path ?? s.title}${s.heading ? ` — ${s.heading}` : ''}${s.lines ? ` (lines ${s.lines})` : ''}${vintage ? ` · ${vintage}` : ''}`;
}
