// Small DOM helpers. Text always goes in as text (never as HTML); only the sanitised report uses innerHTML.
/* global document */ // browser globals (the lint config knows Node's only)

export const $ = (sel, root = document) => root.querySelector(sel);

/** `el('div', {class: 'x', dataset: {id: 1}}, 'text', child)` */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) node.append(c);
  return node;
}

export const time = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : '');
export const money = (n) => `$${(n ?? 0).toFixed((n ?? 0) < 1 ? 4 : 2)}`;
export const short = (value, n = 160) => {
  const s = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  return s.length > n ? `${s.slice(0, n)}…` : s;
};

export function notice(message) {
  const box = $('#notice');
  box.textContent = message ?? '';
  box.hidden = !message;
}
