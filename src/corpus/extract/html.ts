/** HTML → Markdown for the corpus: keep the readable content, drop page chrome, never emit URLs. */
import { lazyModule } from '../../lazy-module.js';

const linkedom = lazyModule<typeof import('linkedom')>('linkedom');

/** DomElements whose whole subtree is chrome, code or UI rather than readable content. */
const SKIP = new Set([
  'SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'NAV', 'FOOTER', 'ASIDE', 'SVG', 'FORM',
  'BUTTON', 'SELECT', 'TEXTAREA', 'INPUT', 'IFRAME', 'CANVAS', 'OBJECT', 'EMBED', 'DIALOG',
]);
const SKIP_ROLES = new Set(['navigation', 'contentinfo', 'complementary', 'search']);
/** DomElements that start and end a paragraph of their own. */
const BLOCK = new Set([
  'P', 'DIV', 'SECTION', 'ARTICLE', 'MAIN', 'HEADER', 'BODY', 'HTML', 'ADDRESS', 'FIGURE', 'FIGCAPTION',
  'DETAILS', 'SUMMARY', 'DL', 'DT', 'DD', 'LI', 'HR', 'CAPTION', 'CENTER', 'HGROUP',
]);

/** The slice of the DOM this module reads (the project compiles without the DOM lib). */
interface DomNode {
  nodeType: number;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
}
interface DomElement extends DomNode {
  tagName: string;
  children: ArrayLike<DomElement>;
  parentElement: DomElement | null;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  closest(selector: string): DomElement | null;
}

/** Collects finished Markdown blocks and the inline text of the paragraph being read. */
interface Sink {
  blocks: string[];
  inline: string[];
}

/** Convert an HTML document or fragment to Markdown: headings, paragraphs, lists, code, quotes, tables. */
export function htmlToMarkdown(html: string): string {
  const source = /<html[\s>]/i.test(html) ? html : `<!DOCTYPE html><html><head></head><body>${html}</body></html>`;
  const document = linkedom().parseHTML(source).document as unknown as { body: DomElement | null; documentElement: DomElement | null };
  const root = document.body ?? document.documentElement;
  if (!root) return '';
  return toBlocks(root).join('\n\n').replace(/\n{3,}/g, '\n\n').trim();
}

function toBlocks(root: DomElement): string[] {
  const sink: Sink = { blocks: [], inline: [] };
  for (const child of Array.from(root.childNodes)) walk(child, sink);
  flush(sink);
  return sink.blocks;
}

function isSkipped(el: DomElement): boolean {
  if (SKIP.has(el.tagName.toUpperCase())) return true;
  if (el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true') return true;
  if (SKIP_ROLES.has(el.getAttribute('role') ?? '')) return true;
  return /display\s*:\s*none/i.test(el.getAttribute('style') ?? '');
}

function walk(node: DomNode, sink: Sink): void {
  if (node.nodeType === 3) {
    sink.inline.push(node.textContent ?? '');
    return;
  }
  if (node.nodeType !== 1) return;
  const el = node as DomElement;
  if (isSkipped(el)) return;
  const tag = el.tagName.toUpperCase();
  const block = blockFor(el, tag);
  if (block !== undefined) {
    flush(sink);
    if (block) sink.blocks.push(block);
  } else if (tag === 'BR') {
    sink.inline.push(' ');
  } else if (BLOCK.has(tag)) {
    flush(sink);
    for (const child of Array.from(el.childNodes)) walk(child, sink);
    flush(sink);
  } else {
    for (const child of Array.from(el.childNodes)) walk(child, sink);
  }
}

/** The Markdown of an element that forms one block by itself, or undefined for other elements. */
function blockFor(el: DomElement, tag: string): string | undefined {
  const heading = /^H([1-6])$/.exec(tag);
  if (heading) {
    const text = flatText(el);
    return text ? `${'#'.repeat(Number(heading[1]))} ${text}` : '';
  }
  if (tag === 'UL' || tag === 'OL') return listLines(el, '').join('\n');
  if (tag === 'PRE') return fenced(el);
  if (tag === 'TABLE') return table(el);
  if (tag === 'BLOCKQUOTE') return quote(el);
  return undefined;
}

function flush(sink: Sink): void {
  const text = collapse(sink.inline.join(''));
  sink.inline.length = 0;
  if (text) sink.blocks.push(escapeBlockStart(text));
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Plain paragraph text that would otherwise read as a heading, list item or quote. */
function escapeBlockStart(text: string): string {
  return text.replace(/^(#{1,6}\s|[-*+>]\s)/, '\\$1').replace(/^(\d+)([.)]\s)/, '$1\\$2');
}

/** Visible text of a subtree on one line; nested lists are left out when `skipLists` is set. */
function flatText(el: DomElement, skipLists = false): string {
  const parts: string[] = [];
  const visit = (node: DomNode): void => {
    if (node.nodeType === 3) parts.push(node.textContent ?? '');
    if (node.nodeType !== 1) return;
    const child = node as DomElement;
    const tag = child.tagName.toUpperCase();
    if (isSkipped(child) || (skipLists && (tag === 'UL' || tag === 'OL'))) return;
    if (tag === 'BR' || BLOCK.has(tag) || tag === 'TD' || tag === 'TH') parts.push(' ');
    for (const grandchild of Array.from(child.childNodes)) visit(grandchild);
    if (BLOCK.has(tag)) parts.push(' ');
  };
  for (const child of Array.from(el.childNodes)) visit(child);
  return collapse(parts.join(''));
}

function childElements(el: DomElement, tags: string[]): DomElement[] {
  return Array.from(el.children).filter((c) => tags.includes(c.tagName.toUpperCase()) && !isSkipped(c));
}

/** List items, each nested list indented to its parent item's text (two spaces under `- `). */
function listLines(list: DomElement, indent: string): string[] {
  const ordered = list.tagName.toUpperCase() === 'OL';
  let n = Number.parseInt(list.getAttribute('start') ?? '1', 10) || 1;
  const lines: string[] = [];
  for (const item of childElements(list, ['LI'])) {
    const marker = ordered ? `${n++}. ` : '- ';
    const text = flatText(item, true);
    const nested = Array.from(item.querySelectorAll('ul, ol')).filter((l) => l.parentElement?.closest('ul, ol') === list);
    if (!text && nested.length === 0) continue;
    lines.push(`${indent}${marker}${text}`.trimEnd());
    const inner = indent + ' '.repeat(marker.length);
    for (const sub of nested) if (!isSkipped(sub)) lines.push(...listLines(sub, inner));
  }
  return lines;
}

function fenced(pre: DomElement): string {
  const code = (pre.textContent ?? '').replace(/^\r?\n/, '').replace(/\s+$/, '');
  if (!code) return '';
  const longest = Math.max(2, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const lang = /(?:^|\s)(?:language|lang)-([\w+#-]+)/.exec(pre.querySelector('code')?.getAttribute('class') ?? '')?.[1] ?? '';
  return `${fence}${lang}\n${code}\n${fence}`;
}

function quote(el: DomElement): string {
  const inner = toBlocks(el).join('\n\n');
  return inner ? inner.split('\n').map((line) => (line ? `> ${line}` : '>')).join('\n') : '';
}

function table(el: DomElement): string {
  const rows = Array.from(el.querySelectorAll('tr')).filter((tr) => tr.closest('table') === el && !isSkipped(tr));
  const cells = rows.map((tr) => childElements(tr, ['TD', 'TH']).map((c) => flatText(c).replace(/\|/g, '\\|')));
  const width = Math.max(0, ...cells.map((row) => row.length));
  if (width === 0) return '';
  const headIndex = headerRow(rows);
  const ordered = [cells[headIndex] ?? [], ...cells.filter((_, i) => i !== headIndex)];
  const line = (row: string[]): string => `| ${Array.from({ length: width }, (_, i) => row[i] ?? '').join(' | ')} |`;
  const lines = ordered.filter((row, i) => i === 0 || row.some(Boolean)).map(line);
  lines.splice(1, 0, `| ${Array.from({ length: width }, () => '---').join(' | ')} |`);
  return lines.join('\n');
}

/** The header row: the first in `thead`, else the first made only of `th`, else the first row. */
function headerRow(rows: DomElement[]): number {
  const inHead = rows.findIndex((tr) => tr.parentElement?.tagName.toUpperCase() === 'THEAD');
  if (inHead >= 0) return inHead;
  const allTh = rows.findIndex((tr) => {
    const cells = childElements(tr, ['TD', 'TH']);
    return cells.length > 0 && cells.every((c) => c.tagName.toUpperCase() === 'TH');
  });
  return Math.max(0, allTh);
}
