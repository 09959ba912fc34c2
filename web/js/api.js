// HTTP calls to the orchestrator. Every URL is relative to the page, so the console works at `/`
// and under a proxy prefix such as `/mcp/`.
/* global sessionStorage, fetch, URLSearchParams */ // browser globals (the lint config knows Node's only)

const KEY = 'mcp-orchestrator.api-key';

/** An error answer of the API: `{success:false, error:{code, message}}`. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function apiKey() {
  return sessionStorage.getItem(KEY) || '';
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

let askKey = async () => undefined;
/** Install the function that asks the user for a key (a dialog); it resolves with the key or nothing. */
export function onKeyNeeded(fn) {
  askKey = fn;
}

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  const key = apiKey();
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

/** Fetch JSON; on 401 ask for a key once and try again. */
export async function request(path, { method = 'GET', body } = {}, retried = false) {
  const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { error: { code: 'bad_response', message: `HTTP ${res.status}` } };
  }
  if (res.status === 401 && !retried) {
    const key = await askKey();
    if (key) {
      setApiKey(key);
      return request(path, { method, body }, true);
    }
  }
  if (!res.ok) {
    const err = json.error ?? {};
    throw new ApiError(res.status, err.code ?? 'http_error', err.message ?? `HTTP ${res.status}`);
  }
  return json;
}

export const startTask = (kind, body) =>
  request(kind === 'research' ? 'tools/orchestrate_research' : 'tools/orchestrate_search', { method: 'POST', body });
export const getTask = (id) => request(`tasks/${encodeURIComponent(id)}`);
export const cancelTask = (id) => request('tools/cancel_orchestration', { method: 'POST', body: { task_id: id } });
export function listTasks({ status, cursor, limit = 25 } = {}) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (status) q.set('status', status);
  if (cursor) q.set('cursor', cursor);
  return request(`tasks?${q}`);
}

const STREAMS = 'mcp-orchestrator.stream-urls';
/** Remember the stream URL a start answer handed out (it may carry the task's token) for reloads. */
export function rememberStreamUrl(id, url) {
  const all = JSON.parse(sessionStorage.getItem(STREAMS) || '{}');
  all[id] = url;
  sessionStorage.setItem(STREAMS, JSON.stringify(all));
}

/** The stream URL for a task: the record's own, the one remembered from its start, or the plain path. */
export function streamUrlFor(id, record) {
  if (record?.stream_url) return record.stream_url;
  const all = JSON.parse(sessionStorage.getItem(STREAMS) || '{}');
  return all[id] ?? `stream/${encodeURIComponent(id)}`;
}
