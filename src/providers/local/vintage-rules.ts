import type { SearchHit } from '../../corpus/corpus-index.js';
import { similar } from '../../corpus/text.js';
import { standingRank } from '../../corpus/vintage.js';
import type { Unit } from './answer.js';

/**
 * Which of two documents to believe: current before draft, archived and superseded; then the newer.
 * Negative when `a` comes first.
 */
export function currentFirst(a: SearchHit, b: SearchHit): number {
  return standingRank(a.standing) - standingRank(b.standing) || (b.date > a.date ? 1 : b.date < a.date ? -1 : 0);
}

const NUMBER = /\d[\d,.]*/g;
/** Figures of recently compared texts: every chosen unit is compared with every other, so each text's are read once. */
const figures = new Map<string, Set<string>>();
function numbersOf(text: string): Set<string> {
  let numbers = figures.get(text);
  if (!numbers) {
    numbers = new Set((text.match(NUMBER) ?? []).map((n) => n.replace(/[,.]$/, '')));
    if (figures.size >= 5_000) figures.clear();
    figures.set(text, numbers);
  }
  return numbers;
}
/** A unit's words without figures, by its (cached, never changed) set of words. */
const wordsWithoutFigures = new WeakMap<ReadonlySet<string>, Set<string>>();
function wordsOf(u: Unit): Set<string> {
  let words = wordsWithoutFigures.get(u.words);
  if (!words) wordsWithoutFigures.set(u.words, (words = new Set([...u.words].filter((w) => !/\d/.test(w)))));
  return words;
}
const rowKey = (text: string) => {
  const cells = text.split('; ');
  const keys = cells.map((c) => c.split(': ')[0]);
  return { first: (cells[0]?.split(': ').at(-1) ?? '').toLowerCase(), keys: keys.join('|') };
};

/** Two units state the same figure differently: the same subject in other documents, other numbers. */
function twins(a: Unit, b: Unit): boolean {
  if (a.hit.path === b.hit.path || a.text === b.text) return false;
  if (a.hit.kind === 'row' && b.hit.kind === 'row') {
    const [ka, kb] = [rowKey(a.text), rowKey(b.text)];
    return ka.first === kb.first && ka.first !== '';
  }
  const [na, nb] = [numbersOf(a.text), numbersOf(b.text)];
  if (na.size === 0 || nb.size === 0) return false;
  const same = [...na].every((n) => nb.has(n)) && [...nb].every((n) => na.has(n));
  return !same && similar(wordsOf(a), wordsOf(b), 0.5);
}

const STANDING_LABEL = { draft: 'Draft', archived: 'Archived', superseded: 'Superseded' } as const;
const origin = (h: SearchHit) => `${h.title}, ${h.date}`;

/**
 * Vintage rules on the chosen units (`pool` is every unit above the floor): a non-current document
 * never states a current figure — it is dropped where a current document gives the same figure, and
 * labelled as history where none does; of two current documents that disagree, the older one's
 * figure is labelled "Earlier".
 */
export function labelHistory(chosen: Unit[], pool: Unit[]): Unit[] {
  const out: Unit[] = [];
  const add = (u: Unit) => {
    if (!out.includes(u)) out.push(u);
  };
  for (const unit of chosen) {
    const rivals = pool.filter((p) => twins(unit, p));
    const better = rivals.filter((r) => currentFirst(r.hit, unit.hit) < 0).sort((a, b) => currentFirst(a.hit, b.hit))[0];
    if (unit.hit.standing !== 'current') {
      if (better && better.hit.standing === 'current') {
        add(better);
        continue;
      }
      add({ ...unit, label: `${STANDING_LABEL[unit.hit.standing]} (${origin(unit.hit)})` });
      continue;
    }
    if (better) {
      add(better);
      add({ ...unit, label: `Earlier (${origin(unit.hit)})` });
      continue;
    }
    add(unit);
  }
  return out;
}
