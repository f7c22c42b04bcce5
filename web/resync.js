// The "Resync now" button: asks the server for a run, then follows that run in the store
// ("Resyncing…" while it is under way) until it, or a later run, has finished.
import { $, setText } from './dom.js';
import { api } from './api.js';
import { isNum } from './format.js';
import { state, subscribe } from './store.js';

const asked = { pending: false, runId: null, timer: null };

function setPending(pending) {
  const btn = $('resync');
  asked.pending = pending;
  btn.disabled = pending;
  btn.setAttribute('aria-busy', pending ? 'true' : 'false');
  setText(btn, pending ? 'Resync requested…' : 'Resync now');
  clearTimeout(asked.timer);
  if (!pending) asked.runId = null;
  else {
    // If the live stream is down we may never hear that the run finished: don't lock the button forever.
    asked.timer = setTimeout(function check() {
      if (!asked.pending) return;
      if (state.live !== 'live') setPending(false);
      else asked.timer = setTimeout(check, 60000);
    }, 60000);
  }
}

/** True once run `id` or a later one has finished. */
function finishedSince(id) {
  for (const [runId, run] of state.runs) {
    if (runId >= id && run.status && run.status !== 'running') return true;
  }
  return false;
}

/** The store changed: is the requested run under way, or over? */
function follow() {
  if (!asked.pending) return;
  const id = asked.runId;
  const current = state.current;
  if (id === null) {
    // the server has not said which run yet: a manual run starting is this one
    if (current && current.trigger === 'manual') setText($('resync'), 'Resyncing…');
  } else if (finishedSince(id)) {
    setPending(false);
  } else if (state.runs.get(id)?.status === 'running' || (current && Number(current.id) === id)) {
    setText($('resync'), 'Resyncing…');
  }
}

async function resync() {
  if (asked.pending) return;
  const errEl = $('resync-error');
  errEl.hidden = true;
  setPending(true);
  try {
    const data = await api('/api/resync', { method: 'POST' });
    const run = data && data.run;
    const id = run && Number(run.id);
    if (!asked.pending) return;
    if (!isNum(id)) return setPending(false); // nothing to follow
    asked.runId = id;
    if (run.status && run.status !== 'running' && run.finishedAt) setPending(false); // a fast run, already over
    else follow();
  } catch (err) {
    setPending(false);
    setText(errEl, `Resync failed: ${err.message}`);
    errEl.hidden = false;
  }
}

export function wireResync() {
  $('resync').addEventListener('click', resync);
  subscribe(['runs', 'current'], follow);
}
