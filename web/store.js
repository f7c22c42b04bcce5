// The page's one state store: what the page knows, changed only through set(), and
// subscriptions that views render from. Views never import each other; they read
// `state`, write with set() (or a named setter in indexer-state.js) and re-render
// in the callback they subscribed.
//
// To add a feature (a panel, a filter): give it a key in `state` below with its starting
// value and a comment; change it with `set({ key: value })` — always a new value (a new
// object, array or Map), never one changed in place, so that set() sees the change; and
// render it with `subscribe(['key'], render)` once, when its module is wired in app.js.
// A rule about how a value may change (a finished run never becomes "running" again)
// goes into a named setter next to the others in indexer-state.js, not into a view.

const data = {
  /** The indexer's status as last fetched or pushed (`/api/status`), or null before the first. */
  status: null,
  /** Runs by id (a new Map on every change); see upsertRuns(). */
  runs: new Map(),
  /** The run under way: {id, trigger, kind, processed, total, startedAt}, or null. */
  current: null,
  /** The run whose details are open, or null. */
  selectedRunId: null,
  /** The live feed's connection: 'connecting' | 'live' | 'reconnecting' | 'offline'. */
  live: 'connecting',
  /** What the finder shows ("Search: zeppelin"), '' on the dashboard: the document title names it. */
  viewTitle: '',
  /**
   * The Writing panel's figures: {summary, days, error} — `/api/stats/summary`, the
   * `daily_stats` rows of the year up to its day, and why the last load failed (null) —
   * or null before the first load.
   */
  writing: null,
};

/** The store's values, read-only: a write throws (use set()). */
export const state = new Proxy(data, {
  set(_target, key) {
    throw new TypeError(`state.${String(key)} is read-only: change it with set()`);
  },
  deleteProperty(_target, key) {
    throw new TypeError(`state.${String(key)} is read-only: change it with set()`);
  },
});

const subscribers = new Set(); // {keys: Set<string>, render: (state) => void}

/**
 * Changes the keys of `patch` and then calls, once each, the subscribers of the keys
 * whose value changed (by identity). An unknown key is a mistake, and throws.
 */
export function set(patch) {
  const changed = new Set();
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in data)) throw new TypeError(`the store has no key "${key}": add it to store.js`);
    if (Object.is(data[key], value)) continue;
    data[key] = value;
    changed.add(key);
  }
  if (changed.size === 0) return;
  for (const sub of [...subscribers]) {
    if ([...sub.keys].some((k) => changed.has(k))) sub.render(state);
  }
}

/** Calls `render(state)` after every change of one of `keys`; returns the unsubscribe. */
export function subscribe(keys, render) {
  for (const key of keys) if (!(key in data)) throw new TypeError(`the store has no key "${key}": add it to store.js`);
  const sub = { keys: new Set(keys), render };
  subscribers.add(sub);
  return () => subscribers.delete(sub);
}
