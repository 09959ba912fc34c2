/** Small text tools shared by the search index and the offline `local` model. */

/**
 * Phrasal verbs written as one word when they are nouns ("back up" / "backup", "roll back" /
 * "rollback"): both forms become the one word, so a question meets either spelling.
 */
const PHRASAL = /\b(back|roll|set|log|sign|shut|start|clean|look|fail|work|check|hand|break|lock|pick|drop|push|pop|sign|tear|turn|log)[\s-]+(up|in|out|down|back|off|over|around)\b/gi;

/** Phrasal verbs as one word: "back up" → "backup". */
export const joinPhrasal = (text: string): string => text.replace(PHRASAL, '$1$2');

/** Words: letters and digits, in any script; everything else separates. */
export function tokenize(text: string): string[] {
  return text
    .replace(PHRASAL, '$1$2')
    // "Series B", "Plan A", "Gate C": a name and its letter are one word (the letter alone is nothing).
    .replace(/\b(\p{Lu}\p{Ll}+)\s+(\p{Lu})\b(?!\p{Ll}|[.'’]\p{L})/gu, '$1_$2')
    .split(/[^\p{L}\p{N}_]+/u)
    .filter(Boolean);
}

export const STOPWORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves also may might must shall us via vs etc per get gets got use used using ' +
    'tell explain describe please what\'s whats does doesn\'t dont'
  ).split(' '),
);

/**
 * A light English stemmer: plural and verb endings off (`policies` → `policy`, `backed` → `back`),
 * then at most six letters, so a question's words meet the documents' forms of them. Short words
 * and words with digits are left alone.
 */
export function stem(word: string): string {
  // A stem is its own stem: callers may pass either a word or the key the index stores for it
  // (`documentFrequency('kestre')` must find what "Kestrel" was indexed as), so the steps repeat
  // until nothing changes; each one only ever shortens the word.
  let key = IRREGULAR.get(word) ?? word;
  for (let next = stemOnce(key); next !== key; next = stemOnce(key)) key = next;
  return key;
}

/**
 * Past forms of common irregular verbs that no ending rule reaches ("led" for "lead", "sold" for
 * "sell"), so "who led the round" meets "Lead investor". Forms that are also other words ("found",
 * "left", "saw", "lay") are left out.
 */
const IRREGULAR = new Map(
  (
    'led:lead sold:sell paid:pay made:make built:build bought:buy brought:bring held:hold ran:run won:win grew:grow grown:grow ' +
    'rose:rise risen:rise fell:fall fallen:fall spent:spend sent:send took:take taken:take gave:give given:give began:begin ' +
    'begun:begin wrote:write written:write chose:choose chosen:choose met:meet lost:lose kept:keep told:tell thought:think ' +
    'taught:teach caught:catch sought:seek went:go gone:go drove:drive driven:drive flew:fly flown:fly'
  )
    .split(' ')
    .map((pair) => pair.split(':') as [string, string]),
);

function stemOnce(word: string): string {
  // A silent final e goes too, so "raise" meets "raised" (rais) and "lease" meets "leased".
  const base = /[\d_]/.test(word) ? word : suffixOff(word).replace(/(?<=\p{L}{2}[bcdfgklmnprstvz])e$/u, '');
  // Word families share their first six letters (financial, finance; investor, investment;
  // delivery, delivered): the key keeps them together.
  return base.length > 6 && !/[\d_]/.test(base) ? base.slice(0, 6) : base;
}

function suffixOff(word: string): string {
  if (word.length < 4 || /[\d_]/.test(word)) return word;
  if (/(?:series|species)$/.test(word)) return word;
  if (/ies$/.test(word) && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(?:ss|us|is)$/.test(word)) return word;
  if (/(?:sses|shes|ches|xes|zes)$/.test(word)) return word.slice(0, -2);
  if (/s$/.test(word)) return word.slice(0, -1);
  if (/ing$/.test(word) && word.length > 6) return undo(word.slice(0, -3));
  if (/ed$/.test(word) && word.length > 5) return undo(word.slice(0, -2));
  return word;
}

/** `stopp` → `stop`, `runn` → `run` (a doubled final consonant after -ing/-ed). */
function undo(base: string): string {
  return /([b-df-hj-np-tv-z])\1$/.test(base) && !/(?:ll|ss|ff|zz)$/.test(base) ? base.slice(0, -1) : base;
}

/** Lower-case content words of a text (no stopwords, no single characters). */
export function contentWords(text: string): string[] {
  // Tokenized before lower-casing: "Series B" is one word only while its capitals show.
  return tokenize(text)
    .map((w) => w.toLowerCase())
    .filter((w) => w.length > 1 && !STOPWORDS.has(w));
}

/** Stemmed content words: what the index and the scoring compare. */
export function terms(text: string): string[] {
  return contentWords(text).map(stem);
}

/** Split prose into sentences; list items and headings count as sentences of their own. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const block of text.split(/\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.)\s)|\n(?=#)/)) {
    const flat = block.replace(/\s*\n\s*/g, ' ').trim();
    if (!flat) continue;
    // A citation marker like `[2]` after a full stop belongs to the sentence before it.
    for (const s of flat.split(/(?<=[.!?](?:\s*\[\d+\])*)\s+(?=[A-Z0-9`"'(*_]|\[(?!\d+\]))/)) if (s.trim()) out.push(s.trim());
  }
  return out;
}

/**
 * Passages as one line, and in lower case, by text: a search makes a snippet of every hit, and the
 * same passages are found again and again. A cache, bounded; the index's stored texts are its keys.
 */
const flatTexts = new Map<string, { flat: string; lower: string }>();

function flattened(text: string): { flat: string; lower: string } {
  let known = flatTexts.get(text);
  if (!known) {
    const flat = text.replace(/\s+/g, ' ').trim();
    known = { flat, lower: flat.toLowerCase() };
    if (flatTexts.size >= 2_000) flatTexts.clear();
    flatTexts.set(text, known);
  }
  return known;
}

/** The window of `text` (about `width` characters) holding most of `terms`, with ellipses. */
export function bestSnippet(text: string, terms: string[], width = 220): string {
  const { flat, lower } = flattened(text);
  if (flat.length <= width) return flat;
  const wanted = terms.map((t) => t.toLowerCase());
  // Each term's next occurrence at or after the window's start, searched again only when the
  // window has passed it, and never again once a term is not found: one pass over the text.
  const next = wanted.map((t) => lower.indexOf(t));
  let best = 0;
  let bestScore = -1;
  for (let start = 0; start < flat.length; start += Math.max(20, Math.floor(width / 4))) {
    const end = Math.min(start + width, lower.length);
    let score = 0;
    for (let i = 0; i < wanted.length; i++) {
      if (next[i]! !== -1 && next[i]! < start) next[i] = lower.indexOf(wanted[i]!, start);
      if (next[i]! !== -1 && next[i]! + wanted[i]!.length <= end) score++;
    }
    if (score > bestScore) [best, bestScore] = [start, score];
  }
  const snippet = flat.slice(best, best + width).trim();
  return `${best > 0 ? '…' : ''}${snippet}${best + width < flat.length ? '…' : ''}`;
}

/** Jaccard similarity of two sets of words. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / (a.size + b.size - shared);
}

/**
 * Whether two sets of words are at least `threshold` alike (`jaccard(a, b) >= threshold`), without
 * counting shared words when the sizes alone rule it out: at most the smaller set is shared, so the
 * similarity is at most `smaller / larger`.
 */
export function similar(a: ReadonlySet<string>, b: ReadonlySet<string>, threshold: number): boolean {
  const larger = Math.max(a.size, b.size);
  if (larger > 0 && Math.min(a.size, b.size) / larger < threshold) return false;
  return jaccard(a, b) >= threshold;
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;
const SPACE = /\s/u;

/**
 * A rough token count (words and punctuation marks), for usage reports of the local model: what
 * `/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu` would match, counted without building the matches (every
 * answer is counted, and the array of its words was garbage at once).
 */
export function countTokens(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; ) {
    const code = text.codePointAt(i)!;
    i += code > 0xffff ? 2 : 1;
    let word: boolean;
    let space: boolean;
    if (code < 0x80) {
      word = (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
      space = code === 0x20 || (code >= 0x09 && code <= 0x0d);
    } else {
      const char = String.fromCodePoint(code);
      word = WORD_CHAR.test(char);
      space = !word && SPACE.test(char);
    }
    if (word && !inWord) n++;
    else if (!word && !space) n++;
    inWord = word;
  }
  return n;
}
