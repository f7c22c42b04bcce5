// The hash router: every place a person can go has an address, so back/forward,
// reloads and bookmarks work. `#/` (or no hash, or a plain anchor like #problems) is
// the status dashboard; the others are the finder's views:
//   #/search?q=words&offset=25   #/tag/work   #/day/2024-01-05   #/entry/12
//   #/tasks (open tasks by due date)   #/field/mood?value=7 (entries with a field)
//   #/changes/2024-01-05 (what changed in the journal that day)
// (The page's own `?token=` stays in the query string, outside the hash.)

const enc = encodeURIComponent;

function withOffset(base, offset, extra) {
  const q = new URLSearchParams(extra || {});
  if (offset > 0) q.set('offset', String(offset));
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

export const homeHref = () => '#/';
export const entryHref = (id) => `#/entry/${enc(String(id))}`;
export const tagHref = (tag, offset = 0) => withOffset(`#/tag/${enc(String(tag))}`, offset);
export const dayHref = (date, offset = 0) => withOffset(`#/day/${enc(String(date))}`, offset);
export const searchHref = (q, offset = 0) => withOffset('#/search', offset, { q: q || '' });
export const tasksHref = (offset = 0) => withOffset('#/tasks', offset);
/** Entries with the field `key` (any value), or with `key` equal to `value`. */
export const fieldHref = (key, value = '', offset = 0) => withOffset(`#/field/${enc(String(key))}`, offset, value === '' || value === null || value === undefined ? {} : { value: String(value) });
export const changesHref = (date) => `#/changes/${enc(String(date))}`;

function offsetOf(params) {
  const n = Number(params.get('offset'));
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The route a hash names: {view:'home'|'search'|'tag'|'day'|'changes'|'entry'|'tasks'|'field'|'unknown', …}. */
export function parseRoute(hash) {
  const raw = String(hash || '').replace(/^#/, '');
  if (!raw.startsWith('/') || raw === '/') return { view: 'home', anchor: raw.startsWith('/') ? '' : raw };
  const qi = raw.indexOf('?');
  const pathPart = qi < 0 ? raw : raw.slice(0, qi);
  const params = new URLSearchParams(qi < 0 ? '' : raw.slice(qi + 1));
  const parts = pathPart.split('/').slice(1); // drop the leading ''
  const [name, ...rest] = parts;
  const arg = decode(rest.join('/'));
  switch (name) {
    case 'search':
      return { view: 'search', q: params.get('q') || '', offset: offsetOf(params) };
    case 'tag':
      return arg ? { view: 'tag', tag: arg, offset: offsetOf(params) } : { view: 'unknown', hash: raw };
    case 'day':
      return /^\d{4}-\d{2}-\d{2}$/.test(arg) ? { view: 'day', date: arg, offset: offsetOf(params) } : { view: 'unknown', hash: raw };
    case 'changes':
      return /^\d{4}-\d{2}-\d{2}$/.test(arg) ? { view: 'changes', date: arg } : { view: 'unknown', hash: raw };
    case 'entry':
      return /^\d{1,15}$/.test(arg) && Number(arg) > 0 ? { view: 'entry', id: Number(arg) } : { view: 'unknown', hash: raw };
    case 'tasks':
      return rest.length === 0 ? { view: 'tasks', offset: offsetOf(params) } : { view: 'unknown', hash: raw };
    case 'field':
      return arg ? { view: 'field', key: arg, value: params.get('value') || '', offset: offsetOf(params) } : { view: 'unknown', hash: raw };
    default:
      return { view: 'unknown', hash: raw };
  }
}

let onRoute = () => {};
let current = parseRoute('');

export function currentRoute() {
  return current;
}

/** Calls `handler(route, {previous})` now and on every change of the hash. */
export function startRouter(handler) {
  onRoute = handler;
  window.addEventListener('hashchange', () => render());
  render();
}

/** Shows the current address again (also when a form asks for the address already shown). */
export function render(opts = {}) {
  const previous = current;
  current = parseRoute(location.hash);
  return onRoute(current, { previous, ...opts });
}

/**
 * Goes to `href` (a hash) through the History API and renders it (pushState fires no
 * hashchange): `replace` swaps the current entry instead of adding one; `state` marks it.
 */
export function navigate(href, { replace = false, state = null } = {}) {
  if (replace) history.replaceState(state, '', href);
  else history.pushState(state, '', href);
  return render();
}

/** Goes to `href` (a hash); renders again when it is the address already shown. */
export function go(href) {
  if (location.hash === href || (href === '#/' && (location.hash === '' || location.hash === '#'))) render();
  else location.hash = href;
}
