// What the page knows of the indexer, as named setters over the store (each keeps one
// rule about how a value may change) and the facts derived from it (the latest finished
// run, whether the index is being built for the first time, the health to show).
import { set, state } from './store.js';

/** Merges runs into `state.runs`; a stale "running" snapshot never overwrites a finished run. */
export function upsertRuns(runs) {
  set({ runs: withRuns(state.runs, runs) });
}

/** Progress of the run under way: merged into what is known of the same run, else replacing it. */
export function setProgress(p) {
  set({ current: withProgress(state.current, p) });
}

/** Run `id` ended (null: whichever run was under way). */
export function endProgress(id) {
  set({ current: withoutRun(state.current, id) });
}

/** A status from the server, with its last run (into the runs) and its run under way: one change. */
export function setStatus(s) {
  if (!s || typeof s !== 'object') return;
  set({
    status: s,
    runs: s.lastRun && typeof s.lastRun === 'object' ? withRuns(state.runs, [s.lastRun]) : state.runs,
    current: s.currentRun && typeof s.currentRun === 'object' ? withProgress(state.current, s.currentRun) : null,
  });
}

/** A run finished (pushed by the live feed): when no other run is under way, the indexer is idle. */
export function finishRun(run) {
  const current = withoutRun(state.current, Number(run.id));
  set({
    runs: withRuns(state.runs, [run]),
    current,
    status: !current && state.status ? { ...state.status, state: 'idle' } : state.status,
  });
}

/** `runs` with `list` merged in (the same Map when nothing changes). */
function withRuns(runs, list) {
  let next = null;
  for (const run of list) {
    if (!run || run.id === undefined || run.id === null) continue;
    const id = Number(run.id);
    if (!Number.isFinite(id)) continue;
    const prev = (next || runs).get(id);
    if (prev && prev.status && prev.status !== 'running' && run.status === 'running') continue;
    next = next || new Map(runs);
    next.set(id, prev ? { ...prev, ...run } : run);
  }
  return next || runs;
}

function withProgress(current, p) {
  if (!p || p.id === undefined || p.id === null) return current;
  const prev = current && Number(current.id) === Number(p.id) ? current : {};
  return { ...prev, ...p };
}

function withoutRun(current, id) {
  return id !== null && current && Number(current.id) !== Number(id) ? current : null;
}

/** The newest finished run we know of (the status' lastRun may be the one still running). */
export function latestFinishedRun() {
  let best = null;
  for (const [id, run] of state.runs) {
    if (run.status !== 'running' && (best === null || id > Number(best.id))) best = run;
  }
  const fromStatus = state.status && state.status.lastRun;
  if (fromStatus && fromStatus.status && fromStatus.status !== 'running' && (best === null || Number(fromStatus.id) > Number(best.id))) {
    best = fromStatus;
  }
  return best;
}

/**
 * True while the index is being built for the first time: the indexer is starting or
 * syncing and no run has ever finished. The page then says so instead of "healthy",
 * "no problems" or "no entries", which would not be true yet.
 */
export function isFirstBuild() {
  const s = state.status;
  if (!s) return false;
  const busy = s.state === 'starting' || s.state === 'syncing' || state.current !== null;
  return busy && latestFinishedRun() === null;
}

/** The health word to show: "building" rather than a "healthy" nobody checked yet (unhealthy stays: it is news). */
export function shownHealth() {
  const health = state.status && state.status.health;
  const value = typeof health === 'string' && health ? health : 'unknown';
  return isFirstBuild() && value !== 'unhealthy' ? 'building' : value;
}

/** What the indexer is doing: syncing while a run is under way (the live feed says so first). */
export function shownState() {
  if (state.current) return 'syncing';
  const v = state.status && state.status.state;
  return typeof v === 'string' && v ? v : 'unknown';
}
