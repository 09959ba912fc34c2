import { contentWords, jaccard, selectMmr, splitSentences } from '../../corpus/text.js';

/** Merging findings offline: parse cited bullets, drop near-duplicates, renumber sources, regroup. */

interface Claim {
  text: string;
  sources: string[];
  words: Set<string>;
}

interface Group {
  label: string;
  claims: Claim[];
}

export type MergeMode = 'mid' | 'report' | 'swarm';

const SOURCES_LINE = /^(?:#+\s*)?Sources:?\s*$/im;
const DUPLICATE = 0.8;

/** Split a findings text into its body and its numbered source list. */
function splitSources(content: string): { body: string; sources: Map<string, string> } {
  const match = SOURCES_LINE.exec(content);
  const sources = new Map<string, string>();
  if (!match) return { body: content, sources };
  for (const line of content.slice(match.index + match[0].length).split('\n')) {
    const m = /^\s*\[(\d+)\]\s+(.+?)\s*$/.exec(line);
    if (m) sources.set(m[1]!, m[2]!);
  }
  return { body: content.slice(0, match.index), sources };
}

function claimsOf(body: string, sources: Map<string, string>): Claim[] {
  const out: Claim[] = [];
  for (const raw of splitSentences(body)) {
    const text = raw.replace(/^[-*+]\s+/, '').replace(/^#+\s.*$/, '').trim();
    if (!text) continue;
    const cited = [...text.matchAll(/\[(\d+)\]/g)].map((m) => sources.get(m[1]!)).filter((s): s is string => !!s);
    const clean = text.replace(/\s*\[\d+\]/g, '').trim();
    if (clean) out.push({ text: clean, sources: cited, words: new Set(contentWords(clean)) });
  }
  return out;
}

/** Groups of claims from one finding: `#### label` sub-sections (a drummer's), or the finding as one group. */
function groupsOf(label: string, content: string): Group[] {
  const { body, sources } = splitSources(content);
  const parts = body.split(/^#### +(.+)$/m);
  if (parts.length === 1) return [{ label, claims: claimsOf(body, sources) }];
  const groups: Group[] = [];
  if (parts[0]!.trim()) groups.push({ label, claims: claimsOf(parts[0]!, sources) });
  for (let i = 1; i < parts.length; i += 2) groups.push({ label: parts[i]!.trim(), claims: claimsOf(parts[i + 1] ?? '', sources) });
  return groups;
}

/** Parse the `### label` findings of a synthesis prompt (the format `findingsPrompt` writes). */
export function parseFindings(prompt: string): { task: string; findings: Array<{ label: string; content: string }> } {
  const task = /Original request:\n([\s\S]*?)\n\nFindings:/.exec(prompt)?.[1]?.trim() ?? '';
  const body = prompt.slice(prompt.indexOf('Findings:') + 'Findings:'.length);
  const parts = body.split(/^### (?!#)(.+)$/m);
  const findings: Array<{ label: string; content: string }> = [];
  for (let i = 1; i < parts.length; i += 2) findings.push({ label: parts[i]!.trim(), content: (parts[i + 1] ?? '').trim() });
  return { task, findings };
}

/** Drop claims that repeat an earlier one (merging their sources into it). */
function dedupe(groups: Group[]): Group[] {
  const kept: Claim[] = [];
  return groups
    .map((g) => ({
      label: g.label,
      claims: g.claims.filter((claim) => {
        const twin = kept.find((k) => jaccard(k.words, claim.words) >= DUPLICATE);
        if (!twin) return kept.push(claim), true;
        for (const s of claim.sources) if (!twin.sources.includes(s)) twin.sources.push(s);
        return false;
      }),
    }))
    .filter((g) => g.claims.length > 0);
}

/** Merge the findings of a synthesis prompt into one cited Markdown text. */
export function merge(prompt: string, mode: MergeMode): string {
  const { task, findings } = parseFindings(prompt);
  const groups = dedupe(findings.flatMap((f) => groupsOf(f.label, f.content)));
  const numbers = new Map<string, number>();
  const cite = (c: Claim) => c.sources.map((s) => `[${numbers.get(s) ?? numbers.set(s, numbers.size + 1).get(s)}]`).join('');
  const bullet = (c: Claim) => `- ${c.text}${c.sources.length ? ` ${cite(c)}` : ''}`;
  const out: string[] = [];
  if (mode === 'report') {
    const taskWords = new Set(contentWords(task));
    const all = groups.flatMap((g) => g.claims);
    const relevance = (c: Claim) => [...c.words].filter((w) => taskWords.has(w)).length / Math.sqrt(c.words.size + 1);
    out.push(`# ${task || 'Report'}`, '', '## Summary', '', ...selectMmr(all, 3, relevance, (c) => c.words).map(bullet), '');
    for (const g of groups) out.push(`## ${g.label}`, '', ...g.claims.map(bullet), '');
  } else if (mode === 'swarm') {
    const byType = new Map<string, Group[]>();
    for (const g of groups) {
      const [type, ...rest] = g.label.split(': ');
      const key = rest.length ? type! : 'general';
      byType.set(key, [...(byType.get(key) ?? []), { label: rest.length ? rest.join(': ') : g.label, claims: g.claims }]);
    }
    for (const [type, list] of byType) {
      out.push(`## ${type}`, '');
      for (const g of list) out.push(`#### ${g.label}`, '', ...g.claims.map(bullet), '');
    }
  } else {
    for (const g of groups) out.push(`#### ${g.label}`, '', ...g.claims.map(bullet), '');
  }
  if (numbers.size) {
    out.push(mode === 'mid' ? 'Sources:' : '## Sources', '');
    for (const [source, n] of numbers) out.push(`[${n}] ${source}`);
  }
  return out.join('\n').trim();
}
