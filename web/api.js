// The server's JSON API. A `?token=` in the page's own address is passed on as a
// bearer token (and in the event stream's URL, which cannot carry headers).

export const TOKEN = new URLSearchParams(location.search).get('token') || '';

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

let onUnauthorized = () => {};
/** What to do when the server answers 401 (the banner module sets it). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/** A read refused as over capacity (503 with Retry-After) is asked again this many times. */
const BUSY_RETRIES = 3;

export async function api(path, { method = 'GET' } = {}) {
  const headers = { Accept: 'application/json' };
  if (TOKEN) headers.Authorization = `Bearer ${TOKEN}`;
  let res;
  for (let attempt = 0; ; attempt++) {
    try {
      res = await fetch(path, { method, headers, cache: 'no-store', credentials: 'same-origin' });
    } catch {
      throw new ApiError('Could not reach the inkdex server.', 0);
    }
    // The server was busy (SPEC §4: a prompt 503 with Retry-After): wait as told, then ask again.
    const retryAfter = Number(res.headers.get('Retry-After'));
    if (method !== 'GET' || res.status !== 503 || !(retryAfter > 0) || attempt >= BUSY_RETRIES) break;
    await res.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 5) * 1000));
  }
  let data = null;
  const text = await res.text().catch(() => '');
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const message =
      data && typeof data.error === 'string' && data.error
        ? data.error
        : `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    if (res.status === 401) onUnauthorized();
    throw new ApiError(message, res.status);
  }
  return data;
}

/** `/api/…?a=1&b=2` from a path and a plain object (empty values left out). */
export function apiPath(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export function eventsUrl() {
  return TOKEN ? `/api/events?token=${encodeURIComponent(TOKEN)}` : '/api/events';
}
