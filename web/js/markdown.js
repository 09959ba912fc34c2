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

export function renderMarkdown(target, markdown) {
  const html = marked.parse(markdown ?? '', { async: false, gfm: true });
  target.innerHTML = DOMPurify.sanitize(html, { USE_PROFILES: { html: true } });
}
