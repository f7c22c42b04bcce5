// The "Resync now" button.
import { $, setText } from './dom.js';
import { api } from './api.js';
import { isNum } from './format.js';
import { state } from './state.js';

export function setResyncPending(pending, label) {
  const btn = $('resync');
  state.resyncPending = pending;
  btn.disabled = pending;
  btn.setAttribute('aria-busy', pending ? 'true' : 'false');
  setText(btn, pending ? label || 'Resync requested…' : 'Resync now');
  clearTimeout(state.resyncTimer);
  if (!pending) state.resyncRunId = null;
  else {
    // If the live stream is down we may never hear run-finished: don't lock the button forever.
    state.resyncTimer = setTimeout(function check() {
      if (!state.resyncPending) return;
      if (!state.sseOpen) setResyncPending(false);
      else state.resyncTimer = setTimeout(check, 60000);
    }, 60000);
  }
}

async function resync() {
  if (state.resyncPending) return;
  const errEl = $('resync-error');
  errEl.hidden = true;
  setResyncPending(true);
  try {
    const data = await api('/api/resync', { method: 'POST' });
    const run = data && data.run;
    const id = run && Number(run.id);
    if (!state.resyncPending) return; // already finished (fast run)
    if (isNum(id)) {
      state.resyncRunId = id;
      const known = state.runs.get(id);
      if ((known && known.status && known.status !== 'running') || (run.status && run.status !== 'running' && run.finishedAt)) {
        setResyncPending(false);
      } else if ((known && known.status === 'running') || (state.current && Number(state.current.id) === id)) {
        setText($('resync'), 'Resyncing…');
      }
    }
  } catch (err) {
    setResyncPending(false);
    setText(errEl, `Resync failed: ${err.message}`);
    errEl.hidden = false;
  }
}

export function wireResync() {
  $('resync').addEventListener('click', resync);
}
