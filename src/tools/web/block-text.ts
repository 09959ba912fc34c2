/** A DOM subtree as plain text: one paragraph per block element, paragraphs a blank line apart. */

/** The slice of a linkedom node this module reads (the project compiles without the DOM lib). */
export interface TextDomNode {
  nodeType: number;
  tagName?: string;
  textContent: string | null;
  childNodes: ArrayLike<TextDomNode>;
}

/** Elements whose text is never part of what a reader reads. */
const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'IFRAME', 'CANVAS', 'OBJECT', 'EMBED', 'BUTTON', 'SELECT', 'TEXTAREA', 'INPUT']);
/** Elements that start and end a paragraph of their own. */
const BLOCK = new Set([
  'P', 'DIV', 'SECTION', 'ARTICLE', 'MAIN', 'HEADER', 'FOOTER', 'ASIDE', 'NAV', 'BODY', 'HTML', 'ADDRESS', 'FIGURE', 'FIGCAPTION',
  'BLOCKQUOTE', 'DETAILS', 'SUMMARY', 'DL', 'DT', 'DD', 'UL', 'OL', 'LI', 'HR', 'TABLE', 'CAPTION', 'TR', 'H1', 'H2', 'H3',
  'H4', 'H5', 'H6', 'CENTER', 'HGROUP', 'FORM', 'FIELDSET', 'LEGEND',
]);

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();
const ITEM = /^- /;

/**
 * Plain text of `root`: whitespace collapsed within paragraphs, list items as `- item` (one a line), table cells
 * of a row joined by ` | `, preformatted text kept as it is.
 */
export function blockText(root: TextDomNode): string {
  const paragraphs: string[] = [];
  let line: string[] = [];
  const flush = () => {
    const text = collapse(line.join(''));
    line = [];
    if (text) paragraphs.push(text);
  };
  const walk = (node: TextDomNode): void => {
    if (node.nodeType === 3) line.push(node.textContent ?? '');
    if (node.nodeType !== 1) return;
    const tag = (node.tagName ?? '').toUpperCase();
    if (SKIP.has(tag)) return;
    if (tag === 'BR') return void line.push(' ');
    if (tag === 'PRE') {
      flush();
      const code = (node.textContent ?? '').replace(/^\r?\n/, '').trimEnd();
      if (code.trim()) paragraphs.push(code);
      return;
    }
    const block = BLOCK.has(tag);
    if (block) flush();
    if (tag === 'LI') line.push('- ');
    if ((tag === 'TD' || tag === 'TH') && collapse(line.join(''))) line.push(' | ');
    for (const child of Array.from(node.childNodes)) walk(child);
    if (block) flush();
  };
  walk(root);
  flush();
  // Items of one list stay on adjacent lines; everything else is a blank line apart.
  return paragraphs.map((p, i) => (i === 0 ? '' : ITEM.test(p) && ITEM.test(paragraphs[i - 1] ?? '') ? '\n' : '\n\n') + p).join('');
}

