import type { Standing } from '../orchestrator/task.js';

/** When a document was written and whether it still stands, as the corpus judges it. */
export interface Vintage {
  /** ISO `YYYY-MM-DD`, `YYYY-MM` or `YYYY`. */
  date: string;
  /** Where the date came from. */
  dateFrom: 'text' | 'name' | 'mtime';
  standing: Standing;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH = `(${MONTHS.map((m) => `${m.slice(0, 3)}(?:${m.slice(3)})?`).join('|')})\\.?`;
const pad = (n: number) => String(n).padStart(2, '0');
const monthOf = (name: string) => MONTHS.findIndex((m) => m.startsWith(name.toLowerCase().slice(0, 3))) + 1;

/** Words that introduce a document's own date ("Last updated: May 2026", "Prepared … in April 2025"). */
const DATE_CUE = /\b(?:last\s+(?:updated|revised|reviewed)|updated|revised|reviewed|prepared|published|issued|dated|effective|as\s+of|date)\b/i;

/** Every date written in `text`, as ISO strings, in order. */
export function datesIn(text: string): string[] {
  const found: Array<{ at: number; iso: string }> = [];
  const add = (at: number, y: number, m?: number, d?: number) => {
    if (y < 1900 || y > 2200 || (m !== undefined && (m < 1 || m > 12)) || (d !== undefined && (d < 1 || d > 31))) return;
    found.push({ at, iso: `${y}${m ? `-${pad(m)}` : ''}${m && d ? `-${pad(d)}` : ''}` });
  };
  for (const x of text.matchAll(/\b(\d{4})-(\d{2})(?:-(\d{2}))?\b/g)) add(x.index, +x[1]!, +x[2]!, x[3] ? +x[3] : undefined);
  for (const x of text.matchAll(new RegExp(`\\b(\\d{1,2})\\s+${MONTH},?\\s+(\\d{4})\\b`, 'gi'))) add(x.index, +x[3]!, monthOf(x[2]!), +x[1]!);
  for (const x of text.matchAll(new RegExp(`\\b${MONTH}\\s+(?:(\\d{1,2}),?\\s+)?(\\d{4})\\b`, 'gi'))) add(x.index, +x[3]!, monthOf(x[1]!), x[2] ? +x[2] : undefined);
  // "12 March 2026" holds "March 2026": a date inside one already found is the same date.
  const sorted = found.sort((a, b) => a.at - b.at || b.iso.length - a.iso.length);
  return sorted.filter((f, i) => i === 0 || !(f.at - sorted[i - 1]!.at < 12 && sorted[i - 1]!.iso.startsWith(f.iso))).map((f) => f.iso);
}

/** The document's own date: the first date after a cue word near the top of the text. */
function dateFromText(text: string): string | undefined {
  const head = text.slice(0, 3000);
  for (const line of head.split('\n')) {
    const cue = DATE_CUE.exec(line);
    if (!cue) continue;
    const date = datesIn(line.slice(cue.index))[0];
    if (date) return date;
  }
  return undefined;
}

/** A year (and month) in a file name: `board-update-2025.pdf`, `report_2024-03.md`, `fy2025.docx`. */
function dateFromName(relPath: string): string | undefined {
  const name = relPath.split('/').pop() ?? relPath;
  const ym = /(?:^|[^\d])((?:19|20|21)\d{2})[-_.]?(0[1-9]|1[0-2])(?:[-_.]?(0[1-9]|[12]\d|3[01]))?(?!\d)/.exec(name);
  if (ym) return [ym[1], ym[2], ym[3]].filter(Boolean).join('-');
  return /(?:^|[^\d])((?:19|20|21)\d{2})(?!\d)/.exec(name)?.[1];
}

const FOLDER_STANDING: Array<[RegExp, Standing]> = [
  [/^(?:superseded|obsolete|deprecated|outdated)$/i, 'superseded'],
  [/^(?:archives?|archived|old|previous|history|historical|retired)$/i, 'archived'],
  [/^(?:drafts?|wip|unreviewed)$/i, 'draft'],
];
const NAME_STANDING: Array<[RegExp, Standing]> = [
  [/(?:^|[^a-z])(?:superseded|obsolete|deprecated|outdated)(?:[^a-z]|$)/i, 'superseded'],
  [/(?:^|[^a-z])archived?(?:[^a-z]|$)|[-_.]old$/i, 'archived'],
  [/(?:^|[^a-z])(?:draft|wip)(?:[^a-z]|$)/i, 'draft'],
];
/** Phrases in which a document speaks of itself, anywhere near its top. */
const SELF_STANDING: Array<[RegExp, Standing]> = [
  [/\bthis (?:document|version|report|policy|page|file|summary|schedule) (?:is|has been|was) (?:now )?(?:superseded|replaced|obsolete|withdrawn|retired)\b|\bno longer (?:current|valid|in (?:force|effect))\b/i, 'superseded'],
  [/\bthis (?:document|version|report|page) (?:is|has been) archived\b|\bkept for (?:reference|the record) only\b/i, 'archived'],
  [/\bdraft\s*(?:—|-|:|–)\s*not for (?:distribution|circulation)|\bthis is a draft\b|\bdraft for (?:review|comment|discussion)\b|\bunreviewed draft\b/i, 'draft'],
];
/**
 * A status word opening one of the first lines, as a label ("SUPERSEDED — see …", "Draft.",
 * "Status: archived"), not as the first word of a sentence ("Archived records are kept …").
 */
const LABEL_STANDING: Array<[RegExp, Standing]> = [
  [/^\s*(?:status:\s*)?(?:superseded|obsolete|withdrawn)\b(?=\s*(?:$|[—–:.(-]|by\b|see\b))/i, 'superseded'],
  [/^\s*(?:status:\s*)?archived\b(?=\s*(?:$|[—–:.(-]))/i, 'archived'],
  [/^\s*(?:status:\s*)?(?:draft|preliminary|work in progress)\b(?=\s*(?:$|[—–:.(-]|v?\d))/i, 'draft'],
];
const RANK: Record<Standing, number> = { current: 0, draft: 1, archived: 2, superseded: 3 };

/** The worse of two standings (superseded > archived > draft > current). */
export function worse(a: Standing, b: Standing): Standing {
  return RANK[a] >= RANK[b] ? a : b;
}

/** How far a standing is from current: 0 for current, 3 for superseded. */
export function standingRank(s: Standing): number {
  return RANK[s];
}

function standingOf(relPath: string, text: string): Standing {
  let standing: Standing = 'current';
  const parts = relPath.split('/');
  for (const folder of parts.slice(0, -1)) for (const [re, s] of FOLDER_STANDING) if (re.test(folder)) standing = worse(standing, s);
  const base = parts.at(-1)!.replace(/\.[^.]+$/, '');
  for (const [re, s] of NAME_STANDING) if (re.test(base)) standing = worse(standing, s);
  const head = text.slice(0, 1500);
  for (const [re, s] of SELF_STANDING) if (re.test(head)) standing = worse(standing, s);
  const firstLines = head.split('\n').filter((l) => l.trim() && !/^#/.test(l)).slice(0, 3);
  for (const line of firstLines) for (const [re, s] of LABEL_STANDING) if (re.test(line)) standing = worse(standing, s);
  return standing;
}

/**
 * Date and standing of a document: the date from its own words, else a year in its name, else its
 * modification time; the standing from its folders (`archive/`, `drafts/`), its name and its own
 * words near the top ("This document is superseded by …", "DRAFT — not for distribution").
 */
export function vintageOf(relPath: string, text: string, mtime: Date): Vintage {
  const fromText = dateFromText(text);
  const fromName = fromText ? undefined : dateFromName(relPath);
  const date = fromText ?? fromName ?? mtime.toISOString().slice(0, 10);
  return { date, dateFrom: fromText ? 'text' : fromName ? 'name' : 'mtime', standing: standingOf(relPath, text) };
}
