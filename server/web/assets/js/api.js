// The JSON API client: the session cookie (with its CSRF token on unsafe methods) or, for
// development, a bearer token kept in this tab's sessionStorage.

const TOKEN_KEY = 'hallmark.token';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let csrf = '';

/** The event sent to window when the API no longer accepts the caller's credentials. */
export const SIGNED_OUT = 'hallmark:signed-out';

/** An error answer from the API: its HTTP status and the server's message. */
export class APIError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'APIError';
    this.status = status;
  }
}

/** The bearer token of this tab, or "". */
export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

/** Sets (or, with "", forgets) the bearer token of this tab. */
export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** A query string ("?a=1&b=2", or "") of the non-empty values of params. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? '?' + s : '';
}

/**
 * Calls the API: path is relative to /api/v1 unless it starts with /auth/. Resolves to the
 * decoded JSON answer (null when there is none); rejects with an APIError.
 */
export async function request(method, path, { body, signal } = {}) {
  const res = await send(method, path, body, signal);
  let data = null;
  if ((res.headers.get('Content-Type') || '').includes('json')) {
    data = await res.json().catch(() => null);
  }
  if (!res.ok) {
    // A session that ended (expired, or signed out in another tab) shows the login page.
    if (res.status === 401 && path !== '/session') window.dispatchEvent(new Event(SIGNED_OUT));
    throw new APIError(res.status, (data && data.error) || `${res.status} ${res.statusText}`);
  }
  return data;
}

// send makes the request with the caller's credentials.
function send(method, path, body, signal) {
  const headers = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = 'Bearer ' + token;
  if (UNSAFE.has(method) && csrf) headers['X-CSRF-Token'] = csrf;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const url = path.startsWith('/auth/') ? path : '/api/v1' + path;
  return fetch(url, { method, headers, body: payload, signal, credentials: 'same-origin' });
}

/** GETs path as a file (a Blob); rejects with an APIError. */
export async function getFile(path, signal) {
  const res = await send('GET', path, undefined, signal);
  if (!res.ok) {
    const data = await res.json().catch(() => null);
    throw new APIError(res.status, (data && data.error) || `${res.status} ${res.statusText}`);
  }
  return res.blob();
}

/** GET path. */
export function get(path, signal) {
  return request('GET', path, { signal });
}

/** The caller's session ({user, teams, scope, csrf}); remembers its CSRF token. */
export async function session(signal) {
  const s = await get('/session', signal);
  csrf = (s && s.csrf) || '';
  return s;
}

/** Ends the session: forgets the tab's token and logs the session cookie out. */
export async function signOut() {
  const hadToken = getToken() !== '';
  setToken('');
  if (!hadToken) await request('POST', '/auth/logout').catch(() => {});
  csrf = '';
}

/** The items of a list answer ({items: […]} or a bare array). */
export function items(answer) {
  if (Array.isArray(answer)) return answer;
  return (answer && answer.items) || [];
}

let routesPromise = null;

/**
 * Whether the server has the route (method and OpenAPI path template, such as
 * "/api/v1/artifacts/{id}/attestations"), from its OpenAPI document: optional routes are asked
 * for only when the server has them. Resolves to false when the document cannot be read.
 */
export async function hasRoute(method, template) {
  if (!routesPromise) {
    routesPromise = fetch('/api/openapi.json', { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then((res) => (res.ok ? res.json() : { paths: {} }))
      .catch(() => ({ paths: {} }));
  }
  const doc = await routesPromise;
  const item = (doc && doc.paths && doc.paths[template]) || null;
  return item !== null && Object.hasOwn(item, method.toLowerCase());
}
