// Entry point: routes on the URL hash (#new, #tasks, #task/<id>), so a reload keeps the view.
/* global document, location, window */ // browser globals (the lint config knows Node's only)
import { apiKey, onKeyNeeded, rememberStreamUrl, setApiKey, startTask } from './api.js';
import { $, notice } from './dom.js';
import { showTasks } from './task-list.js';
import { showTask, stopTask } from './task-view.js';

const AGENT_TYPES = ['text', 'image', 'video', 'news', 'academic', 'social', 'product', 'technical', 'general'];
let kind = 'search';

function askForKey() {
  const dialog = $('#key-dialog');
  const form = $('#key-form');
  form.reset();
  if (dialog.open) dialog.close();
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(form.elements.key.value.trim() || undefined), { once: true });
  });
}

function setKind(next) {
  kind = next;
  for (const tab of document.querySelectorAll('[data-kind]')) tab.setAttribute('aria-selected', String(tab.dataset.kind === kind));
  for (const node of document.querySelectorAll('[data-only]')) node.hidden = node.dataset.only !== kind;
  $('#prompt-label').textContent = kind === 'research' ? 'Research task' : 'Query';
  $('#start-button').textContent = kind === 'research' ? 'Start research' : 'Start search';
}

function formBody(form) {
  const f = form.elements;
  const body = { [kind === 'research' ? 'task' : 'query']: f.prompt.value.trim() };
  for (const name of ['num_agents', 'timeout', 'max_total_cost']) if (f[name].value !== '') body[name] = Number(f[name].value);
  for (const name of ['provider', 'model']) if (f[name].value.trim()) body[name] = f[name].value.trim();
  if (kind === 'research') {
    if (f.title.value.trim()) body.title = f.title.value.trim();
    body.enable_drummer = f.enable_drummer.checked;
    body.enable_camina = f.enable_camina.checked;
    if (f.generate_documents.checked) {
      body.generate_documents = true;
      body.document_formats = ['markdown', 'pdf', 'docx'];
    }
  } else {
    const types = [...form.querySelectorAll('input[name="agent_type"]:checked')].map((i) => i.value);
    if (types.length) body.allowed_agent_types = types;
  }
  return body;
}

async function submit(event) {
  event.preventDefault();
  const button = $('#start-button');
  button.disabled = true;
  notice('');
  try {
    const started = await startTask(kind, formBody(event.target));
    rememberStreamUrl(started.task_id, started.stream_url);
    location.hash = `#task/${encodeURIComponent(started.task_id)}`;
  } catch (error) {
    notice(`${error.code ?? 'error'}: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [name, ...rest] = hash.split('/');
  const view = name === 'task' && rest.length ? 'task' : name === 'tasks' ? 'tasks' : 'new';
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== `view-${view}`;
  for (const link of document.querySelectorAll('[data-nav]')) link.classList.toggle('active', link.dataset.nav === view);
  notice('');
  if (view !== 'task') stopTask();
  if (view === 'task') void showTask(decodeURIComponent(rest.join('/')));
  else if (view === 'tasks') void showTasks();
}

function init() {
  onKeyNeeded(askForKey);
  $('#agent-types').replaceChildren(
    ...AGENT_TYPES.map((t) => {
      const label = document.createElement('label');
      label.className = 'check';
      const box = Object.assign(document.createElement('input'), { type: 'checkbox', name: 'agent_type', value: t });
      label.append(box, ` ${t}`);
      return label;
    }),
  );
  for (const tab of document.querySelectorAll('[data-kind]')) tab.addEventListener('click', () => setKind(tab.dataset.kind));
  $('#start-form').addEventListener('submit', submit);
  const keyButton = $('#key-button');
  keyButton.hidden = !apiKey();
  keyButton.addEventListener('click', async () => {
    const key = await askForKey();
    if (key) setApiKey(key);
  });
  setKind('search');
  window.addEventListener('hashchange', route);
  route();
}

init();
