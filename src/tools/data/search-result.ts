/** One hit of `wikipedia_search` or `arxiv_search` (SPEC section 8). */
export interface DataSearchResult {
  /** `wikipedia:<pageid>` or the arXiv id with its version (`arXiv:2101.00001v1`). */
  id: string;
  title: string;
  /** The paper's authors in order (arXiv); absent for Wikipedia. */
  authors?: string[];
  /** Plain text: the article's lead section (or the search snippet), or the paper's abstract. */
  summary: string;
  /**
   * ISO 8601, UTC. arXiv: when version 1 was submitted. Wikipedia: when the page was last edited
   * (a wiki page has no publication date; citation styles cite the last edit).
   */
  published?: string;
  /** The article or abstract page, for `fetch_url`. */
  url: string;
}

/** What both tools answer. */
export interface DataSearchOutput {
  results: DataSearchResult[];
}

/** Collapse runs of whitespace (line breaks and indentation of the XML, double spaces) to one space. */
export function normalizeWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `text` cut to at most `max` characters at a word boundary, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** An ISO 8601 timestamp as UTC without milliseconds (`2021-01-01T00:00:01Z`), or undefined if it is not one. */
export function toIsoTimestamp(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const time = Date.parse(value.trim());
  return Number.isNaN(time) ? undefined : new Date(time).toISOString().replace('.000Z', 'Z');
}
