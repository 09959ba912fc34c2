import { convert } from 'html-to-text';

/** A searchable piece of a document, with what a citation needs. */
export interface Passage {
  /** File path relative to the corpus root, with `/` separators. */
  path: string;
  /** Headings from the top down to this passage's section (`API › Event stream`). */
  heading: string;
  /** 1-based, inclusive line range in the file. */
  startLine: number;
  endLine: number;
  text: string;
}

/** File types the corpus reads. */
export const CORPUS_EXTENSIONS = new Set(['.md', '.markdown', '.txt', '.text', '.html', '.htm']);

/** The longest passage; longer sections are cut at paragraph breaks. */
const MAX_PASSAGE_CHARS = 1500;

interface Section {
  heading: string;
  startLine: number;
  lines: string[];
}

/** Cut a section into passages at blank lines, each at most ~MAX_PASSAGE_CHARS. */
function cutSection(path: string, section: Section, clean: (text: string) => string = (t) => t): Passage[] {
  const out: Passage[] = [];
  let start = 0;
  let size = 0;
  const emit = (end: number) => {
    const text = clean(section.lines.slice(start, end).join('\n')).trim();
    if (text) out.push({ path, heading: section.heading, startLine: section.startLine + start, endLine: section.startLine + end - 1, text });
    start = end;
    size = 0;
  };
  section.lines.forEach((line, i) => {
    size += line.length + 1;
    if (size >= MAX_PASSAGE_CHARS && line.trim() === '') emit(i + 1);
  });
  emit(section.lines.length);
  return out;
}

/** Markdown: one section per heading (fenced code is not a heading), then cut by size. */
export function splitMarkdown(path: string, content: string): Passage[] {
  const lines = content.split(/\r?\n/);
  const trail: string[] = [];
  const sections: Section[] = [{ heading: '', startLine: 1, lines: [] }];
  let inFence = false;
  lines.forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const match = !inFence && /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (match) {
      trail.length = match[1]!.length - 1;
      trail[match[1]!.length - 1] = match[2]!;
      sections.push({ heading: trail.filter(Boolean).join(' › '), startLine: i + 1, lines: [line] });
    } else {
      sections.at(-1)!.lines.push(line);
    }
  });
  return sections.flatMap((s) => cutSection(path, s));
}

/** Plain text: paragraphs, cut by size; no headings. */
export function splitPlainText(path: string, content: string): Passage[] {
  return cutSection(path, { heading: '', startLine: 1, lines: content.split(/\r?\n/) });
}

const htmlToText = (html: string) =>
  convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'h3', options: { uppercase: false } },
      { selector: 'table', format: 'dataTable' },
    ],
  });

/** HTML: sections at `<h1>`–`<h6>` in the source (so line ranges point into the file), text via html-to-text. */
export function splitHtml(path: string, content: string): Passage[] {
  const body = content.replace(/<(script|style|head)[\s\S]*?<\/\1>/gi, (m) => m.replace(/[^\n]/g, ' '));
  const lines = body.split(/\r?\n/);
  const trail: string[] = [];
  const sections: Section[] = [{ heading: '', startLine: 1, lines: [] }];
  lines.forEach((line, i) => {
    const match = /<h([1-6])[^>]*>([\s\S]*?)<\/h\1>/i.exec(line);
    if (match) {
      const level = Number(match[1]);
      trail.length = level - 1;
      trail[level - 1] = htmlToText(match[2]!).trim();
      sections.push({ heading: trail.filter(Boolean).join(' › '), startLine: i + 1, lines: [line] });
    } else {
      sections.at(-1)!.lines.push(line);
    }
  });
  return sections.flatMap((s) => cutSection(path, s, htmlToText));
}

/** Passages of a file by its extension. */
export function splitDocument(path: string, ext: string, content: string): Passage[] {
  if (ext === '.md' || ext === '.markdown') return splitMarkdown(path, content);
  if (ext === '.html' || ext === '.htm') return splitHtml(path, content);
  return splitPlainText(path, content);
}
