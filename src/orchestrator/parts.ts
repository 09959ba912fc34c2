/**
 * The parts a request enumerates, in the user's own words: "(1) … (2) …", "a) … b) …", a list,
 * or several questions. A request with none is one part.
 */
export interface RequestParts {
  /** What comes before the parts ("Prepare a due-diligence brief on Northwind:"), the context of each. */
  preamble: string;
  parts: string[];
  /**
   * Topics the preamble names one per part ("on its leadership, products and manufacturing: (1) who
   * runs it, (2) …"), in order; empty when it names none or not as many as there are parts.
   */
  topics: string[];
}

/** "leadership, products and manufacturing" → its items, when the preamble lists `count` of them. */
function topicsOf(preamble: string, count: number): string[] {
  const list = /((?:[\p{L}\p{N}'’ -]+,\s*)+[\p{L}\p{N}'’ -]+?,?\s+(?:and|or|&)\s+[\p{L}\p{N}'’ -]+?)\s*[:.]?\s*$/u.exec(preamble)?.[1];
  if (!list) return [];
  const items = list.split(/\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+/).map((t) => t.trim()).filter(Boolean);
  // The first item carries the words before the list ("Brief me on Northwind's leadership"): keep its last word.
  items[0] = items[0]!.split(/\s+/).at(-1)!;
  return items.length === count ? items : [];
}

const tidy = (s: string) =>
  s
    .replace(/\s+/g, ' ')
    .replace(/^[\s,;:–—-]+|[\s,;:–—-]+$/g, '')
    .replace(/(?:,|;)?\s*\band\s*$/i, '')
    .replace(/[\s,;.]+$/g, '')
    .trim();
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** `(1) … (2) …`, `1) … 2) …`, `(a) … (b) …`, numbered the same way throughout and in order. */
function byMarkers(text: string): Omit<RequestParts, 'topics'> | undefined {
  const marker = /(?:^|[\s:;,(])\(?((?:\d{1,2})|[a-h]|(?:i{1,3}|iv|v|vi{0,3}))[).](?=\s)/gi;
  const found = [...text.matchAll(marker)];
  for (const style of [/^\d+$/, /^[a-h]$/i, /^[ivx]+$/i]) {
    const marks = found.filter((m) => style.test(m[1]!));
    if (marks.length < 2) continue;
    const values = marks.map((m) => m[1]!.toLowerCase());
    const inOrder = values.every((v, i) => (style.source === '^\\d+$' ? Number(v) === Number(values[0]) + i : i === 0 || v !== values[i - 1]));
    if (!inOrder) continue;
    const starts = marks.map((m) => m.index + m[0].length);
    const parts = marks.map((m, i) => tidy(text.slice(starts[i]!, i + 1 < marks.length ? marks[i + 1]!.index : undefined))).filter(Boolean);
    if (parts.length >= 2) return { preamble: tidy(text.slice(0, marks[0]!.index)), parts };
  }
  return undefined;
}

/** Bulleted or numbered lines. */
function byLines(text: string): Omit<RequestParts, 'topics'> | undefined {
  const lines = text.split('\n');
  const items = lines.filter((l) => /^\s*(?:[-*•]|\d{1,2}[.)])\s+\S/.test(l));
  if (items.length < 2) return undefined;
  const first = lines.findIndex((l) => /^\s*(?:[-*•]|\d{1,2}[.)])\s+\S/.test(l));
  return { preamble: tidy(lines.slice(0, first).join(' ')), parts: items.map((l) => tidy(l.replace(/^\s*(?:[-*•]|\d{1,2}[.)])\s+/, ''))) };
}

/** Several questions in a row: "What …? How …? Who …?", or joined: "How …, and what …?" */
function byQuestions(text: string): Omit<RequestParts, 'topics'> | undefined {
  // A clause that refers back ("…, and how much did it raise?") stays with the question it belongs to.
  const joined = text.replace(/,?\s+and\s+(?=(?:what|how|why|when|where|who|which|whose|is|are|does|do|can)\b)([^?]*\?)/gi, (whole, clause: string) =>
    /\b(?:it|its|they|their|them|this|that|these|those|he|she|his|her)\b/i.test(clause) ? whole : `? ${clause}`,
  );
  const sentences = joined.match(/[^.?!]+[.?!]+/g)?.map((s) => s.trim()) ?? [];
  const questions = sentences.filter((s) => s.endsWith('?'));
  if (questions.length < 2) return undefined;
  const preamble = sentences.filter((s) => !s.endsWith('?')).join(' ');
  return { preamble: tidy(preamble), parts: questions };
}

/** The parts of a request; a request that enumerates none is one part, itself. */
export function splitParts(request: string): RequestParts {
  const text = request.trim();
  const found = byLines(text) ?? byMarkers(text) ?? byQuestions(text);
  if (!found) return { preamble: '', parts: [text], topics: [] };
  return { preamble: found.preamble, parts: found.parts.map(capital), topics: topicsOf(found.preamble, found.parts.length) };
}

/**
 * At most `count` sub-questions covering every part: with more parts than agents, neighbouring parts
 * share an agent ("Funding; Financials") rather than any part being dropped.
 */
export function partsWithin(parts: string[], count: number): string[] {
  if (parts.length <= count) return parts;
  const out: string[] = [];
  const per = parts.length / count;
  for (let i = 0; i < count; i++) out.push(parts.slice(Math.round(i * per), Math.round((i + 1) * per)).join('; '));
  return out;
}

/** The request's parts as sub-questions, each with the topic the preamble names for it. */
export function subQuestions(request: string): string[] {
  const { parts, topics } = splitParts(request);
  return parts.map((part, i) => (topics[i] && !part.toLowerCase().includes(topics[i]!.toLowerCase()) ? `${part} (${topics[i]})` : part));
}
