// The live feed (Server-Sent Events): status, run-started, run-progress and run-finished
// go into the store (the views render from there); a finished run or a reconnection
// fetches again what a run may have changed.
import { eventsUrl } from './api.js';
import { set } from './store.js';
import { finishRun, setProgress, setStatus, upsertRuns } from './indexer-state.js';
import { refreshIndexViews, scheduleRefresh } from './refresh.js';

function parseData(e) {
  try {
    return JSON.parse(e.data);
  } catch {
    return null;
  }
}

let retryDelay = 2000;
let eventSource = null;
let everOpened = false;

export function connectEvents() {
  const es = new EventSource(eventsUrl());
  eventSource = es;

  es.addEventListener('open', () => {
    retryDelay = 2000;
    set({ live: 'live' });
    // reconnected: catch up on whatever we missed
    if (everOpened) refreshIndexViews();
    everOpened = true;
  });

  es.addEventListener('error', () => {
    if (es.readyState === EventSource.CLOSED) {
      set({ live: 'offline' });
      es.close();
      if (eventSource === es) {
        setTimeout(connectEvents, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 30000);
      }
    } else {
      set({ live: 'reconnecting' });
    }
  });

  es.addEventListener('status', (e) => {
    const s = parseData(e);
    if (s) setStatus(s);
  });

  es.addEventListener('run-started', (e) => {
    const run = parseData(e);
    if (!run) return;
    upsertRuns([run]);
    setProgress({ id: run.id, trigger: run.trigger, kind: run.kind, processed: 0, total: 0, startedAt: run.startedAt });
  });

  es.addEventListener('run-progress', (e) => {
    const p = parseData(e);
    if (p) setProgress(p);
  });

  es.addEventListener('run-finished', (e) => {
    const run = parseData(e);
    if (!run) return;
    finishRun(run);
    scheduleRefresh();
  });
}
