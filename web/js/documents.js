// Download links for the documents a task wrote (`result.documents`): one per format, named after
// the title (the server's Content-Disposition). With an API key a plain link would go out without
// it, so the click fetches the file with the key and saves that.
/* global fetch, URL, document, setTimeout */ // browser globals (the lint config knows Node's only)
import { apiKey } from './api.js';
import { el } from './dom.js';

const LABELS = { markdown: 'Markdown', pdf: 'PDF', docx: 'Word (DOCX)' };

/** `1.2 MB`, `34 KB`, `900 B`. */
export function size(bytes) {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} KB`;
  return `${bytes} B`;
}

/** The file name a download gets: the title as a slug, as the server names it. */
export function filenameOf(title, taskId, format) {
  const ext = { markdown: 'md' }[format] ?? format;
  const slug = (title ?? '').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80).replace(/-+$/, '');
  return `${slug || taskId}.${ext}`;
}

async function downloadWithKey(event, href, filename) {
  event.preventDefault();
  const res = await fetch(href, { headers: { Authorization: `Bearer ${apiKey()}` } });
  if (!res.ok) return;
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** One list item per document (a link with `download`), and one per format that failed to render. */
export function documentItems(record) {
  const docs = record.result?.documents ?? [];
  const items = docs.map((d) => {
    const filename = filenameOf(record.title, record.task_id, d.format);
    const link = el('a', { href: d.url, download: filename, class: 'download', dataset: { format: d.format }, text: LABELS[d.format] ?? d.format });
    link.addEventListener('click', (event) => {
      if (apiKey()) void downloadWithKey(event, d.url, filename);
    });
    return el('li', {}, link, el('span', { class: 'muted', text: ` ${filename} · ${size(d.size ?? d.bytes ?? 0)}` }));
  });
  for (const e of record.result?.document_errors ?? []) {
    items.push(el('li', { class: 'error', text: `${LABELS[e.format] ?? e.format}: not rendered (${e.message})` }));
  }
  return items;
}
