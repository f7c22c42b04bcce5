// The live feed (Server-Sent Events): status, run-started, run-progress, run-finished.
import { $, setText } from './dom.js';
import { eventsUrl } from './api.js';
import { state } from './state.js';
import { renderLastRun, renderState, renderStatus, noteFirstBuild } from './view-status.js';
import { hideProgress, showProgress } from './view-progress.js';
import { upsertRun } from './view-runs.js';
import { setResyncPending } from './resync.js';
import { refreshIndexViews, scheduleRefresh } from './refresh.js';

function parseData(e) {
  try {
    return JSON.parse(e.data);
  } catch {
    return null;
  }
}

function setLive(mode) {
  const el = $('live');
  el.dataset.live = mode;
  setText(el, { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline — retrying' }[mode] || mode);
  el.title =
    mode === 'live'
      ? 'Receiving live updates from the server'
      : 'Live updates are interrupted; the page will catch up when the connection is back';
}

let retryDelay = 2000;
let eventSource = null;

export function connectEvents() {
  const es = new EventSource(eventsUrl());
  eventSource = es;

  es.addEventListener('open', () => {
    state.sseOpen = true;
    retryDelay = 2000;
    setLive('live');
    // reconnected: catch up on whatever we missed
    if (state.sseEverOpened) refreshIndexViews();
    state.sseEverOpened = true;
  });

  es.addEventListener('error', () => {
    state.sseOpen = false;
    if (es.readyState === EventSource.CLOSED) {
      setLive('offline');
      es.close();
      if (eventSource === es) {
        setTimeout(connectEvents, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 30000);
      }
    } else {
      setLive('reconnecting');
    }
  });

  es.addEventListener('status', (e) => {
    const s = parseData(e);
    if (s) renderStatus(s);
  });

  es.addEventListener('run-started', (e) => {
    const run = parseData(e);
    if (!run) return;
    upsertRun(run);
    showProgress({ id: run.id, trigger: run.trigger, kind: run.kind, processed: 0, total: 0, startedAt: run.startedAt });
    renderState('syncing');
    if (state.resyncPending && (state.resyncRunId === Number(run.id) || (state.resyncRunId === null && run.trigger === 'manual'))) {
      setText($('resync'), 'Resyncing…');
    }
  });

  es.addEventListener('run-progress', (e) => {
    const p = parseData(e);
    if (!p) return;
    showProgress(p);
    if (state.resyncPending && state.resyncRunId === Number(p.id)) setText($('resync'), 'Resyncing…');
  });

  es.addEventListener('run-finished', (e) => {
    const run = parseData(e);
    if (!run) return;
    const id = Number(run.id);
    upsertRun(run);
    hideProgress(id);
    if (!state.current) renderState('idle');
    if (state.status) renderLastRun();
    noteFirstBuild();
    if (state.resyncPending && (state.resyncRunId === null || id >= state.resyncRunId)) setResyncPending(false);
    scheduleRefresh();
  });
}
