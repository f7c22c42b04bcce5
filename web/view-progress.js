// The live progress bar of the run under way (fed by the event stream, no polling).
import { $, h, replace, setText } from './dom.js';
import { fmtNum, isNum, relTime } from './format.js';
import { state, isFirstBuild } from './state.js';
import { renderState, updateTitle } from './view-status.js';

export function showProgress(p) {
  if (!p || p.id === undefined || p.id === null) return;
  const prev = state.current && Number(state.current.id) === Number(p.id) ? state.current : {};
  const cur = { ...prev, ...p };
  state.current = cur;

  $('progress').hidden = false;
  $('progress').dataset.runId = String(cur.id);
  const first = isFirstBuild();
  replace($('progress-label'),
    h('strong', null, first ? 'Building the index' : 'Syncing'),
    ` · ${cur.trigger || 'run'}${cur.kind ? ` · ${cur.kind}` : ''}`,
    cur.startedAt ? ' · started ' : null,
    cur.startedAt ? relTime(cur.startedAt) : null,
  );
  const bar = $('progress-bar');
  const processed = isNum(cur.processed) ? cur.processed : 0;
  if (isNum(cur.total) && cur.total > 0) {
    const done = Math.min(processed, cur.total);
    bar.max = cur.total;
    bar.value = done;
    const pct = Math.floor((done / cur.total) * 100);
    setText($('progress-count'), `${fmtNum(processed)} / ${fmtNum(cur.total)} files · ${pct}%`);
  } else {
    bar.removeAttribute('value'); // indeterminate
    setText($('progress-count'), processed > 0 ? `${fmtNum(processed)} files` : 'preparing…');
  }
  if (state.status && state.status.state !== 'syncing') renderState('syncing');
  updateTitle();
}

export function hideProgress(id) {
  if (id !== null && state.current && Number(state.current.id) !== Number(id)) return;
  state.current = null;
  $('progress').hidden = true;
  delete $('progress').dataset.runId;
  updateTitle();
}
