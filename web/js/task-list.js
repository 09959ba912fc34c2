// The task list (GET /tasks) with status filters and "more" paging.
/* global document */ // browser globals (the lint config knows Node's only)
import { listTasks } from './api.js';
import { $, el, money, notice } from './dom.js';

let status = '';
let cursor;

function row(t) {
  const label = t.title || t.input?.query || t.input?.task || t.task_id;
  const p = t.progress ?? {};
  return el('tr', { dataset: { taskId: t.task_id } },
    el('td', {}, el('a', { href: `#task/${encodeURIComponent(t.task_id)}`, text: label }), el('div', { class: 'muted', text: t.task_id })),
    el('td', {}, el('span', { class: 'status', dataset: { status: t.status }, text: t.status })),
    el('td', { text: t.pattern }),
    el('td', { text: `${(p.agents_done ?? 0) + (p.agents_failed ?? 0)}/${p.agents_total ?? 0}` }),
    el('td', { text: money(t.usage?.cost_usd) }),
    el('td', { text: new Date(t.created_at).toLocaleString() }));
}

async function load(append) {
  try {
    const page = await listTasks({ status, cursor: append ? cursor : undefined });
    const rows = page.tasks.map(row);
    if (append) $('#task-rows').append(...rows);
    else $('#task-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'No tasks.' }))]));
    cursor = page.next_cursor ?? undefined;
    $('#tasks-more').hidden = !cursor;
  } catch (error) {
    notice(`Cannot list tasks: ${error.message}`);
  }
}

let wired = false;
export function showTasks() {
  if (!wired) {
    wired = true;
    for (const b of document.querySelectorAll('#status-filters [data-status]')) {
      b.addEventListener('click', () => {
        status = b.dataset.status;
        for (const o of document.querySelectorAll('#status-filters [data-status]')) o.setAttribute('aria-pressed', String(o === b));
        void load(false);
      });
    }
    $('#tasks-refresh').addEventListener('click', () => void load(false));
    $('#tasks-more').addEventListener('click', () => void load(true));
  }
  return load(false);
}
