/**
 * Scoring one research report against the gold of a benchmark corpus (pure functions; the run is
 * in quality.ts). All matching is case-insensitive on whitespace-normalised text, and only the
 * report's body counts: everything from its last "Sources" heading on is the source list.
 */
import type { GoldFact } from '../fixtures/model.js';

/** What the scorer needs from a finished task. */
export interface ScoredReport {
  /** `result.final_synthesis`. */
  report: string;
  /** `result.sources` (`[n]` → corpus path), when the task record has them. */
  sources?: Array<{ n: number; path?: string; title?: string }>;
}

export interface FactResult {
  id: string;
  part: number;
  found: boolean;
  /** The `all` strings the report lacks. */
  missing: string[];
}

export interface FlaggedLine {
  text: string;
  /** Stale strings on the line (stale lines) or nothing (off-topic sentences). */
  strings: string[];
  /** Paths of the stale or distractor sources the line cites. */
  sources: string[];
}

const SOURCES_HEADING = /^(?:#+\s*)?\**Sources\**:?\s*$/gim;
/** `[3] finance/funding-history.docx — Equity rounds (lines 4-9)`, the report's own source list. */
const SOURCE_LINE = /^\s*[-*]?\s*\[(\d+)\]\s+(\S+?)(?:\s+—\s+.*?)?(?:\s+\(lines \d+[-–]\d+\))?\s*$/;
const CITATION = /\[(\d+(?:\s*,\s*\d+)*)\]/g;
const NOT_FOUND = /do(es)? not (answer|say|mention|cover)|no (information|answer)|not found/i;

/**
 * A line states an older value "as history" when it says so in words — one of these — or uses
 * `was`/`were` together with a year older than the newest year the report mentions
 * ("revenue was $58.9M in FY2024"). Deliberately simple: a wrong figure labelled this way passes.
 */
const HISTORY_WORDS = /\b(superseded|supersedes|earlier|previously|previous|prior|archived|archive|draft|preliminary|history|historical|formerly|outdated|older)\b/i;
const YEAR = /(?<!\d)(?:19|20)\d\d(?!\d)/g;

export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/\*\*/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** The report without its trailing source list. */
export function reportBody(report: string): string {
  const headings = [...report.matchAll(SOURCES_HEADING)];
  const last = headings.at(-1);
  return last ? report.slice(0, last.index) : report;
}

/** `[n]` → corpus path: from `result.sources`, else from the report's own "Sources" list. */
export function sourcePaths(scored: ScoredReport): Map<number, string> {
  const map = new Map<number, string>();
  if (scored.sources?.length) {
    for (const s of scored.sources) if (s.path) map.set(s.n, s.path);
    return map;
  }
  const body = reportBody(scored.report);
  for (const line of scored.report.slice(body.length).split('\n')) {
    const m = SOURCE_LINE.exec(line);
    if (m) map.set(Number(m[1]), m[2]!);
  }
  return map;
}

/** The source numbers a piece of text cites (`[2]`, `[2, 5]`). */
export function citedNumbers(text: string): number[] {
  return [...text.matchAll(CITATION)].flatMap((m) => m[1]!.split(',').map((n) => Number(n.trim())));
}

const isListOrTableLine = (line: string) => /^\s*([-*•+]|\d+[.)]|\|)\s/.test(line) || /^\s*\|/.test(line);

/**
 * Sentences and bullets of a body: a list item or table row is one unit, other lines split into
 * sentences (a citation after the full stop stays with its sentence). Headings, rules and code
 * fences are not units.
 */
export function reportUnits(body: string): string[] {
  const units: string[] = [];
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (!line || /^#{1,6}\s/.test(line) || /^(```|~~~)/.test(line) || /^[-|:\s]+$/.test(line)) continue;
    if (isListOrTableLine(line)) units.push(line);
    else units.push(...line.split(/(?<=[.!?]["”’)]?(?:\s*\[\d+(?:\s*,\s*\d+)*\])*)\s+(?=[A-Z0-9"“(])/).filter(Boolean));
  }
  return units;
}

/** Whether every `all` string of each fact occurs in the body. */
export function scoreFacts(body: string, facts: GoldFact[]): FactResult[] {
  const text = normalise(body);
  return facts.map((fact) => {
    const missing = fact.all.filter((s) => !text.includes(normalise(s)));
    return { id: fact.id, part: fact.part, found: missing.length === 0, missing };
  });
}

/** The HISTORY_WORDS / `was` + older year rule above. */
export function isLabelledHistory(line: string, newestYear: number): boolean {
  // Emphasis marks (`_Superseded (…):_`) are presentation, not words.
  if (HISTORY_WORDS.test(line.replace(/[_*]/g, ' '))) return true;
  if (!/\b(was|were)\b/i.test(line)) return false;
  return [...line.matchAll(YEAR)].some((m) => Number(m[0]) < newestYear);
}

const newestYearOf = (body: string) => Math.max(0, ...[...body.matchAll(YEAR)].map((m) => Number(m[0])));

/**
 * Lines of the body that state a stale value or cite a stale document (archived, superseded,
 * draft) without labelling it as history.
 */
export function staleLines(body: string, paths: Map<number, string>, staleStrings: string[], stalePaths: Set<string>): FlaggedLine[] {
  const newest = newestYearOf(body);
  const out: FlaggedLine[] = [];
  for (const line of body.split('\n')) {
    const text = normalise(line);
    if (!text) continue;
    const strings = staleStrings.filter((s) => text.includes(normalise(s)));
    const sources = citedNumbers(line).map((n) => paths.get(n)).filter((p): p is string => p !== undefined && stalePaths.has(p));
    if ((strings.length || sources.length) && !isLabelledHistory(line, newest)) out.push({ text: line.trim(), strings, sources: [...new Set(sources)] });
  }
  return out;
}

/** Units that cite a distractor document. */
export function offTopicUnits(body: string, paths: Map<number, string>, distractors: Set<string>): FlaggedLine[] {
  const out: FlaggedLine[] = [];
  for (const unit of reportUnits(body)) {
    const sources = citedNumbers(unit).map((n) => paths.get(n)).filter((p): p is string => p !== undefined && distractors.has(p));
    if (sources.length) out.push({ text: unit, strings: [], sources: [...new Set(sources)] });
  }
  return out;
}

/** Units that quote the corpus: they cite a source or are a block quote. */
export function quotedUnits(body: string): string[] {
  return reportUnits(body).filter((u) => citedNumbers(u).length > 0 || u.startsWith('>'));
}

/** The report says plainly that the documents do not answer, and quotes nothing. */
export function isHonestNotFound(body: string): boolean {
  return NOT_FOUND.test(body) && quotedUnits(body).length === 0;
}
