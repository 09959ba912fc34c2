// Markdown → sanitised HTML. Model output is untrusted: marked renders it, DOMPurify strips scripts,
// event handlers and javascript: URLs before it reaches the page.
import { marked } from '../vendor/marked.esm.js';
import DOMPurify from '../vendor/purify.es.mjs';

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.getAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

const SOURCES_HEADING = /^\s*(?:#{1,6}\s*)?(?:\*\*)?(?:Sources|References|Citations)(?:\*\*)?:?(?:\*\*)?\s*$/i;
const BARE_SOURCE = /^\s*\[\d+\]:?\s+\S/;
const LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s/;

/**
 * Under a Sources (or References) heading, bare `[n] …` lines become list items. Reports stored
 * before the server wrote its source list as a Markdown list (and models that list sources that
 * way) would otherwise run together in one paragraph.
 */
export function listSources(markdown) {
  const out = [];
  let inList = false;
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(?:```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) {
      inList = false;
      out.push(line);
    } else if (SOURCES_HEADING.test(line)) {
      inList = true;
      out.push(line, '');
    } else if (inList && BARE_SOURCE.test(line)) {
      out.push(`- ${line.trim()}`);
    } else {
      if (line.trim() && !LIST_ITEM.test(line)) inList = false;
      out.push(line);
    }
  }
  return out.join('\n');
}

const plain = (s) => s.replace(/[*_`]/g, '').replace(/\s+/g, ' ').trim().replace(/[.:]$/, '').toLowerCase();

/** The report without a first heading that only repeats the task's title (shown above it already). */
export function withoutTitle(markdown, title) {
  const m = /^\s*#{1,6}[ \t]+(.+?)[ \t#]*(?:\n|$)/.exec(markdown ?? '');
  return m && title && plain(m[1]) === plain(title) ? markdown.slice(m[0].length) : markdown;
}

export function renderMarkdown(target, markdown) {
  const html = marked.parse(listSources(markdown ?? ''), { async: false, gfm: true });
  target.innerHTML = DOMPurify.sanitize(html, { USE_PROFILES: { html: true } });
}
