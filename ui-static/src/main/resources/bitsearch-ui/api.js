// Thin client of the bitsearch HTTP API (see README, "HTTP API").
const TOKEN_KEY = 'bitsearch.token';

export const token = () => sessionStorage.getItem(TOKEN_KEY) || '';
export const setToken = (t) => sessionStorage.setItem(TOKEN_KEY, t);

/** An API error: HTTP status, message and the problems the server listed. */
export class ApiError extends Error {
  constructor(status, message, problems = []) {
    super(message);
    this.status = status;
    this.problems = problems;
  }
}

async function failure(response) {
  let body = {};
  try { body = await response.json(); } catch (_) { /* not JSON */ }
  return new ApiError(response.status, body.error || `${response.status} ${response.statusText}`, body.problems || []);
}

/** A URL that carries the token as ?token= (for EventSource and links, which cannot send headers). */
export const withToken = (path) => (token() ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token())}` : path);

const headers = () => {
  const h = { Accept: 'application/json' };
  if (token()) h.Authorization = `Bearer ${token()}`;
  return h;
};

export async function get(path) {
  const response = await fetch(path, { headers: headers() });
  if (!response.ok) throw await failure(response);
  return response.json();
}

export async function post(path, body = null, contentType = 'application/json') {
  const h = headers();
  if (body !== null) h['Content-Type'] = contentType;
  const response = await fetch(path, { method: 'POST', headers: h, body });
  if (!response.ok) throw await failure(response);
  return response.json();
}

export async function del(path) {
  const response = await fetch(path, { method: 'DELETE', headers: headers() });
  if (!response.ok) throw await failure(response);
  return null;
}

export const api = {
  cluster: () => get('api/cluster'),
  info: () => get('api/info'),
  searches: () => get('api/searches'),
  search: (id) => get(`api/searches/${id}`),
  trials: (id) => get(`api/searches/${id}/trials`),
  trial: (id, n) => get(`api/searches/${id}/trials/${n}`),
  logs: (id, n) => get(`api/searches/${id}/trials/${n}/logs`),
  log: (id, n, name) => get(`api/searches/${id}/trials/${n}/logs/${encodeURIComponent(name)}`),
  reports: (id) => get(`api/searches/${id}/reports`),
  pareto: (id) => get(`api/searches/${id}/pareto`),
  hypervolume: (id) => get(`api/searches/${id}/hypervolume`),
  importance: (id) => get(`api/searches/${id}/importance`),
  remove: (id) => del(`api/searches/${id}`),
  submit: (text) => post('api/searches', text, text.trim().startsWith('{') ? 'application/json' : 'application/yaml'),
  stop: (id) => post(`api/searches/${id}/stop`),
  resume: (id) => post(`api/searches/${id}/resume`),
  exportUrl: (id) => withToken(`api/searches/${id}/export`),
  eventsUrl: () => withToken('api/events'),
};
