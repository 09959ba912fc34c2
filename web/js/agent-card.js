// One agent's card: role, status, streaming text, tool calls (readable, not raw JSON), error.
/* global document, CSS */ // browser globals (the lint config knows Node's only)
import { $, el, short } from './dom.js';
import { isEnded } from './task-state.js';

export function drawAgent(a) {
  let card = document.querySelector(`.agent[data-agent-id="${CSS.escape(a.id)}"]`);
  if (!card) {
    card = el('article', { class: 'agent', dataset: { agentId: a.id } },
      el('header', {}, el('strong', { class: 'agent-id', text: a.id }), el('span', { class: 'role' }), el('span', { class: 'agent-status' })),
      el('p', { class: 'subtask' }),
      el('pre', { class: 'text' }),
      el('ul', { class: 'tools' }),
      el('p', { class: 'agent-error error' }));
    $('#agents').append(card);
  }
  const was = card.dataset.status;
  card.dataset.status = a.status;
  card.querySelector('.role').textContent = [a.role, a.type].filter(Boolean).join(' · ');
  card.querySelector('.agent-status').textContent = a.retries ? `${a.status} (retry ${a.retries})` : a.status;
  card.querySelector('.subtask').textContent = a.subtask;
  drawText(card.querySelector('.text'), a, was !== a.status);
  drawTools(card.querySelector('.tools'), a.tools);
  const err = card.querySelector('.agent-error');
  err.textContent = a.error;
  err.hidden = !a.error;
}

/** While the agent streams the box follows the end of its text; once it has finished, its first line. */
function drawText(pre, a, statusChanged) {
  const ended = isEnded(a.status);
  if (pre.textContent !== a.text) {
    pre.textContent = a.text;
    pre.scrollTop = ended ? 0 : pre.scrollHeight;
  } else if (ended && statusChanged) {
    pre.scrollTop = 0;
  }
}

function drawTools(list, tools) {
  // Redrawn only when a call or a result arrived.
  const key = tools.map((t) => (t.output === undefined ? '0' : '1')).join('');
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  list.replaceChildren(...tools.map(toolItem));
}

/** `search_documents (query: tides, limit: 3) → 3 results: api.md — HTTP API; …` (separators come from the CSS). */
function toolItem(t) {
  return el('li', { class: t.isError ? 'tool error' : 'tool' },
    el('code', { class: 'tool-name', text: t.name }),
    el('span', { class: 'tool-args' }, ...argsOf(t.input)),
    el('span', { class: 'tool-result', text: t.output === undefined ? '…' : resultOf(t.output, t.isError) }));
}

function argsOf(input) {
  if (input === undefined || input === null || input === '') return [];
  if (typeof input !== 'object' || Array.isArray(input)) return [el('span', { class: 'tool-arg', text: brief(input) })];
  return Object.entries(input).map(([k, v]) => el('span', { class: 'tool-arg' }, el('span', { class: 'key', text: k }), `: ${brief(v)}`));
}

/** A value in words: strings as they are, lists joined, objects as `key: value` pairs; cut at `n`. */
export function brief(value, n = 80) {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return short(String(value), n);
  if (Array.isArray(value)) return short(value.map((v) => brief(v, 40)).join(', '), n);
  return short(Object.entries(value).map(([k, v]) => `${k}: ${brief(v, 40)}`).join(', '), n);
}

const labelOf = (item) => {
  if (!item || typeof item !== 'object') return item === undefined ? '' : brief(item, 50);
  if (item.path) return `${item.path}${item.heading ? ` — ${item.heading}` : ''}`;
  return item.title ?? item.url ?? item.name ?? item.id ?? '';
};

/** A short result: how many hits and the first of them, how much text was read, or the value. */
export function resultOf(output, isError) {
  if (isError) return `error: ${brief(output?.message ?? output, 120)}`;
  if (output === null || typeof output !== 'object') return brief(output, 120);
  const list = Array.isArray(output) ? output : Array.isArray(output.results) ? output.results : undefined;
  if (list) {
    const first = list.length ? labelOf(list[0]) : '';
    return `${list.length} result${list.length === 1 ? '' : 's'}${first ? `: ${short(first, 70)}${list.length > 1 ? '; …' : ''}` : ''}`;
  }
  if (Array.isArray(output.content)) return brief(output.content.map((c) => c?.text ?? c?.type ?? '').join(' '), 120); // an MCP tool's answer
  if (typeof output.text === 'string') {
    const where = [labelOf(output), output.start_line ? `lines ${output.start_line}-${output.end_line}` : ''].filter(Boolean).join(', ');
    return short(`${where ? `${where}: ` : ''}${output.text.length} characters`, 140);
  }
  if ('result' in output) return brief(output.result, 120);
  return brief(output, 120);
}
