// The live view of one task: header, progress, agent cards, report, timeline. It follows the task's
// event stream with EventSource; on open (or reload) it replays from the start and rebuilds state.
/* global clearTimeout, URL, location, EventSource, setTimeout, requestAnimationFrame */ // browser globals (the lint config knows Node's only)
import { drawAgent } from './agent-card.js';
import { documentItems } from './documents.js';
import { ApiError, apiKey, cancelTask, getTask, streamUrlFor } from './api.js';
import { $, el, money, notice, short, time } from './dom.js';
import { FetchEventStream } from './fetch-stream.js';
import { renderMarkdown, withoutTitle } from './markdown.js';
import { applyEvent, applyRecord, createTaskState, isEnded, isFinished, progressOf } from './task-state.js';

// Events after which the record's counts change: it is fetched again (one request at a time).
const COUNTED = new Set(['decomposition_complete', 'agent_start', 'agent_complete', 'agent_error', 'synthesis_start', 'synthesis_complete']);

let current; // { id, state, es, stopped }

export function stopTask() {
  if (!current) return;
  current.stopped = true;
  current.es?.close();
  clearTimeout(current.retry);
  current = undefined;
}

export async function showTask(id) {
  stopTask();
  const view = { id, state: createTaskState(), es: undefined, stopped: false, drawn: 0, frame: 0 };
  current = view;
  for (const sel of ['#agents', '#timeline', '#citations', '#report-body']) $(sel).replaceChildren();
  $('#report').hidden = true;
  $('#task-error').hidden = true;
  $('#task-status').textContent = '';
  delete $('#task-status').dataset.status;
  $('#task-id').textContent = id;
  $('#task-title').textContent = '';
  // Nothing of the view shows until the record is there: an unknown task gets the notice alone.
  $('#view-task').hidden = true;
  let record;
  try {
    record = await getTask(id);
  } catch (error) {
    if (view.stopped) return;
    notice(error instanceof ApiError && error.status === 404 ? `No task ${id} on this server.` : `Cannot load ${id}: ${error.message}`);
    return;
  }
  if (view.stopped) return;
  $('#view-task').hidden = false;
  view.state = createTaskState(record);
  drawHeader(view);
  draw(view);
  openStream(view, streamUrlFor(id, record));
}

function openStream(view, url) {
  // EventSource cannot send headers: with a key and no stream token in the URL, read with fetch.
  const key = apiKey();
  const tokened = new URL(url, location.href).searchParams.has('token');
  const es = key && !tokened ? new FetchEventStream(url, { Authorization: `Bearer ${key}` }) : new EventSource(url);
  view.es = es;
  $('#stat-stream').textContent = 'connecting…';
  es.onopen = () => ($('#stat-stream').textContent = 'live');
  es.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (!applyEvent(view.state, event)) return;
    if (event.event_type === 'stream_closed') es.close();
    if (event.event_type === 'stream_closed' || COUNTED.has(event.event_type)) refresh(view);
    schedule(view);
  };
  es.onerror = () => {
    if (view.stopped || view.state.closed) return;
    // The browser reconnects by itself (sending Last-Event-ID) unless the server refused the stream
    // (e.g. an expired token): then fetch the record again for a fresh URL and resume after lastSeq.
    $('#stat-stream').textContent = 'reconnecting…';
    if (es.readyState !== 2) return; // EventSource.CLOSED: refused, not just dropped
    view.retry = setTimeout(() => void reopen(view), 1000);
  };
}

async function reopen(view) {
  if (view.stopped) return;
  try {
    const record = await getTask(view.id);
    // A remembered stream token may have expired: with a key, resume with the key instead.
    const url = new URL(apiKey() ? `stream/${encodeURIComponent(view.id)}` : streamUrlFor(view.id, record), location.href);
    url.searchParams.set('last_event_id', String(view.state.lastSeq));
    openStream(view, url.href);
  } catch {
    view.retry = setTimeout(() => void reopen(view), 3000);
  }
}

/**
 * Fetch the record again (its counts; after `stream_closed` its end and report). One request at a
 * time: events arriving meanwhile ask for one more, so the last answer is never an old one.
 */
function refresh(view) {
  if (view.loading) {
    view.again = true;
    return;
  }
  view.loading = true;
  getTask(view.id)
    .then((record) => {
      if (view.stopped) return;
      applyRecord(view.state, record);
      if (view.state.closed && isEnded(record.status)) {
        drawReport(view, record);
        $('#stat-stream').textContent = 'finished';
      }
      draw(view);
    }, (error) => {
      if (!view.state.closed || view.again) return;
      $('#stat-stream').textContent = 'finished';
      notice(`Cannot load the result: ${error.message}`);
    })
    .finally(() => {
      view.loading = false;
      if (view.again && !view.stopped) {
        view.again = false;
        refresh(view);
      }
    });
}

function schedule(view) {
  if (view.frame) return;
  view.frame = requestAnimationFrame(() => {
    view.frame = 0;
    if (!view.stopped) draw(view);
  });
}

function drawHeader(view) {
  const r = view.state.record;
  $('#task-title').textContent = r.title || r.input?.query || r.input?.task || r.task_id;
  $('#task-pattern').textContent = r.pattern;
  $('#task-model').textContent = [r.provider, r.model].filter(Boolean).join(' / ');
  const cancel = $('#cancel-button');
  cancel.onclick = async () => {
    cancel.disabled = true;
    try {
      await cancelTask(view.id);
    } catch (error) {
      notice(`Cancel failed: ${error.message}`);
    }
    cancel.disabled = false;
  };
}

function draw(view) {
  const s = view.state;
  const status = $('#task-status');
  status.textContent = s.status;
  status.dataset.status = s.status;
  $('#cancel-button').hidden = isFinished(s);
  const p = progressOf(s);
  $('#progress-bar').style.width = `${Math.round(p.ratio * 100)}%`;
  $('#progress-bar').dataset.status = s.status;
  $('#stat-agents').textContent = `${p.done}/${p.total} agents`;
  $('#stat-tokens').textContent = `${s.usage.input_tokens + s.usage.output_tokens} tokens (${s.usage.input_tokens} in, ${s.usage.output_tokens} out)`;
  $('#stat-cost').textContent = money(s.usage.cost_usd);
  if (s.error) {
    $('#task-error').hidden = false;
    $('#task-error').textContent = `${s.error.code}: ${s.error.message}`;
  }
  for (const agent of s.agents.values()) drawAgent(agent);
  const timeline = $('#timeline');
  for (const ev of s.timeline.slice(view.drawn)) timeline.append(timelineItem(ev));
  view.drawn = s.timeline.length;
}

function timelineItem(ev) {
  const d = ev.data ?? {};
  const detail = d.error?.message ?? d.error ?? d.tool_name ?? d.level ?? d.role ?? d.status ?? '';
  return el('li', { dataset: { type: ev.event_type } },
    el('span', { class: 'seq', text: `#${ev.seq}` }), el('time', { text: time(ev.timestamp) }),
    el('span', { class: 'type', text: ev.event_type }), ev.agent_id ? el('code', { text: ev.agent_id }) : '',
    detail ? el('span', { class: 'muted', text: ` ${short(detail, 100)}` }) : '');
}

function drawReport(view, record) {
  const final = view.state.final;
  if (final === undefined || final === null || final === '') return;
  $('#report').hidden = false;
  // The title is the page's heading already: a report that starts with it does not repeat it.
  renderMarkdown($('#report-body'), withoutTitle(final, record.title));
  // The task's own numbered sources: the numbers the report cites.
  const items = (record.result?.sources ?? []).map((s) => {
    const href = s.url && /^https?:\/\//.test(s.url) ? s.url : undefined;
    const label = `[${s.n}] ${s.url ? (s.title && s.title !== s.url ? `${s.title} — ${s.url}` : s.url) : `${s.path ?? s.title}${s.heading ? ` — ${s.heading}` : ''}`}`;
    const vintage = [s.lines ? `lines ${s.lines}` : '', s.date ?? '', s.standing && s.standing !== 'current' ? s.standing : ''].filter(Boolean).join(' · ');
    return el('li', {}, href ? el('a', { href, target: '_blank', rel: 'noopener noreferrer', text: label }) : el('span', { text: label }),
      vintage ? el('span', { class: 'muted', text: ` (${vintage})` }) : '');
  });
  $('#citations').replaceChildren(...(items.length ? items : [el('li', { class: 'muted', text: 'none' })]));
  // The documents the task wrote, each a download.
  const docs = documentItems(record);
  $('#documents-box').hidden = docs.length === 0;
  $('#documents').replaceChildren(...docs);
}
