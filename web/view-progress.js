// The live progress bar of the run under way (fed by the event stream, no polling),
// rendered from the store's `current`.
import { $, h, replace, setText } from './dom.js';
import { fmtNum, isNum, relTime } from './format.js';
import { subscribe } from './store.js';
import { isFirstBuild } from './indexer-state.js';

function render({ current: cur }) {
  const box = $('progress');
  if (!cur) {
    box.hidden = true;
    delete box.dataset.runId;
    return;
  }
  box.hidden = false;
  box.dataset.runId = String(cur.id);
  replace($('progress-label'),
    h('strong', null, isFirstBuild() ? 'Building the index' : 'Syncing'),
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
}

export function wireProgress() {
  subscribe(['current', 'status', 'runs'], render); // "Building the index" depends on all three
}
