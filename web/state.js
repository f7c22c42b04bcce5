// What the page knows about the indexer, shared by the views.

export const state = {
  status: null,
  runs: new Map(), // id -> Run
  runsLoadedOldest: null, // smallest id fetched through /api/runs paging
  hasOlder: false,
  hasOlderKnown: false,
  selectedRunId: null,
  rovingId: null,
  detailSeq: 0,
  current: null, // live progress {id, trigger, kind, processed, total, startedAt}
  resyncPending: false,
  resyncRunId: null,
  resyncTimer: null,
  sseOpen: false,
  sseEverOpened: false,
  viewTitle: '', // what the finder shows ("Search: zeppelin"), for the document title
};

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
