import { Lexer, type Token } from 'marked';
import { splitSourceList } from '../../orchestrator/citations.js';
import { splitParts } from '../../orchestrator/parts.js';
import { similar, terms } from '../../corpus/text.js';

/**
 * Merging findings offline: cited claims (a fact, or a list or code block quoted whole) are parsed
 * out of each finding, repeats dropped (their citations joined), and regrouped. Citation numbers
 * are the task's and stay as they are.
 */

interface Claim {
  text: string;
  cites: number[];
  words: Set<string>;
  block: boolean;
}

interface Group {
  label: string;
  claims: Claim[];
  /** What the finding said when the documents did not answer. */
  notFound?: string;
}

export type MergeMode = 'mid' | 'report' | 'swarm';

const DUPLICATE = 0.8;
const NOT_FOUND = /\bdo(?:es)? not (?:answer|say|mention|cover)\b/i;
const CITE = /\[(\d+)\]/g;
const HAS_CITE = /\[\d+\]/;

/**
 * Words of recently merged claims, by text: a drummer's claims are its workers' again, and the
 * executive merge reads them a third time. A cache, bounded; the sets are never changed.
 */
const claimWords = new Map<string, Set<string>>();

function wordsOf(plain: string): Set<string> {
  let words = claimWords.get(plain);
  if (!words) {
    words = new Set(terms(plain.replace(/\[\d+\]/g, '')));
    if (claimWords.size >= 5_000) claimWords.clear();
    claimWords.set(plain, words);
  }
  return words;
}

function claim(text: string, block: boolean): Claim {
  const cites = [...new Set([...text.matchAll(CITE)].map((m) => Number(m[1])))];
  const plain = block ? text : text.replace(/\s*\[\d+\]/g, '').trim();
  return { text: plain, cites, words: wordsOf(plain), block };
}

/**
 * A body's Markdown blocks, as `marked.lexer` gives them but without lexing their inline text:
 * claims are read from the blocks' own `text` and `raw`, and the inline pass was half of a merge.
 */
const blockTokens = (body: string): Token[] => new Lexer().blockTokens(body.replace(/\r\n|\r/g, '\n'), []);

/** Claims of a finding's body: bullets one by one; a paragraph that introduces a list or code keeps them. */
function claimsOf(body: string): { claims: Claim[]; notFound?: string } {
  const claims: Claim[] = [];
  let notFound: string | undefined;
  const tokens = blockTokens(body).filter((t) => t.type !== 'space');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'list' && !t.ordered && t.items.every((item: Token & { text: string }) => !item.text.includes('\n'))) {
      for (const item of t.items as Array<{ text: string }>) claims.push(claim(item.text.trim(), false));
    } else if (t.type === 'paragraph' && /[:：]\s*$/.test(t.text) && tokens[i + 1] && ['list', 'code'].includes(tokens[i + 1]!.type)) {
      let raw = t.raw.trim();
      while (tokens[i + 1] && ['list', 'code'].includes(tokens[i + 1]!.type)) raw += `\n\n${tokens[++i]!.raw.trim()}`;
      claims.push(claim(raw, true));
    } else if (t.type === 'paragraph' && NOT_FOUND.test(t.text) && !HAS_CITE.test(t.text)) {
      notFound = t.text.trim();
    } else if (t.type !== 'heading' && t.type !== 'hr') {
      claims.push(claim(t.raw.trim(), t.type !== 'paragraph'));
    }
  }
  return { claims, notFound };
}

/** Groups of one finding: its `#### label` sub-sections (a drummer's), or the finding as one group. */
function groupsOf(label: string, content: string): Group[] {
  const { body } = splitSourceList(content);
  const parts = body.split(/^#### +(.+)$/m);
  const make = (l: string, text: string): Group => ({ label: l, ...claimsOf(text) });
  if (parts.length === 1) return [make(label, body)];
  const groups: Group[] = parts[0]!.trim() ? [make(label, parts[0]!)] : [];
  for (let i = 1; i < parts.length; i += 2) groups.push(make(parts[i]!.trim(), parts[i + 1] ?? ''));
  return groups;
}

/** Drop claims that repeat an earlier one, joining their citations into it. */
function dedupe(groups: Group[]): Group[] {
  const kept: Claim[] = [];
  return groups.map((g) => ({
    ...g,
    claims: g.claims.filter((c) => {
      const twin = kept.find((k) => k.text === c.text || (!c.block && !k.block && similar(k.words, c.words, DUPLICATE)));
      if (!twin) return kept.push(c), true;
      for (const n of c.cites) if (!twin.cites.includes(n)) twin.cites.push(n);
      return false;
    }),
  }));
}

const render = (c: Claim) => (c.block ? c.text : `- ${c.text}${c.cites.length ? ` ${c.cites.map((n) => `[${n}]`).join('')}` : ''}`);

function renderClaims(claims: Claim[]): string[] {
  const facts = claims.filter((c) => !c.block).map(render);
  return [...(facts.length ? [facts.join('\n')] : []), ...claims.filter((c) => c.block).map(render)].flatMap((p) => [p, '']);
}

const isHistory = (c: Claim) => /^_[^_]+:_/.test(c.text);

/** A figure: a number that is not only a date or a year. */
const hasFigure = (text: string) =>
  /\d/.test(text.replace(/\b\d{4}-\d{2}(?:-\d{2})?\b|\b\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w* \d{4}\b|\b(?:19|20)\d{2}\b/gi, ''));

/** Key figures: the first claims with a figure from each section, never a labelled older figure. */
function keyFigures(groups: Group[]): Claim[] {
  return groups.flatMap((g) => g.claims.filter((c) => !c.block && hasFigure(c.text) && !isHistory(c)).slice(0, 2)).slice(0, 10);
}

function section(g: Group, level: string): string[] {
  const body = g.claims.length ? renderClaims(g.claims) : [g.notFound ?? 'The documents in the corpus do not answer this.', ''];
  return [`${level} ${g.label}`, '', ...body];
}

/** Facets of one question ("Q — Backups", "Q — Restore") are labelled by their facet alone. */
function shortLabels(groups: Group[]): Group[] {
  const prefix = /^(.+?) — /.exec(groups[0]?.label ?? '')?.[1];
  if (!prefix || groups.length < 2 || !groups.every((g) => g.label.startsWith(`${prefix} — `))) return groups;
  return groups.map((g) => ({ ...g, label: g.label.slice(prefix.length + 3) }));
}

/** Merge labelled findings into one cited Markdown text. */
export function merge(task: string, findings: Array<{ label: string; content: string }>, mode: MergeMode): string {
  const groups = shortLabels(dedupe(findings.flatMap((f) => groupsOf(f.label, f.content))));
  const answered = groups.filter((g) => g.claims.length > 0);
  const out: string[] = [];
  if (mode === 'report') {
    if (answered.length === 0) return groups.map((g) => g.notFound).find(Boolean) ?? `The documents in the corpus do not answer this: ${task}`;
    if (groups.length === 1) return renderClaims(groups[0]!.claims).join('\n').trim();
    const figures = splitParts(task).parts.length > 1 ? keyFigures(answered) : [];
    if (figures.length) out.push('## Key figures', '', ...figures.map(render), '');
    for (const g of groups) out.push(...section(g, '##'));
  } else if (mode === 'swarm') {
    const byType = new Map<string, Group[]>();
    for (const g of groups) {
      const [type, ...rest] = g.label.split(': ');
      const key = rest.length ? type! : 'general';
      byType.set(key, [...(byType.get(key) ?? []), { ...g, label: rest.length ? rest.join(': ') : g.label }]);
    }
    for (const [type, list] of byType) out.push(`## ${type}`, '', ...list.flatMap((g) => section(g, '####')));
  } else {
    for (const g of groups) out.push(...section(g, '####'));
  }
  return out.join('\n').trim();
}
