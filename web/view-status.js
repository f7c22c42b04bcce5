// The status card and the summary under it: health and state at a glance, the last run,
// counts, the index file and the watcher. During the first build it says the index is
// being built. It renders from the store (status, run under way, runs).
import { $, h, replace, setText } from './dom.js';
import { api } from './api.js';
import { fmtBytes, fmtDuration, fmtNum, isNum, plural, relTime, setRelTime } from './format.js';
import { state, subscribe } from './store.js';
import { isFirstBuild, latestFinishedRun, setStatus, shownHealth, shownState } from './indexer-state.js';
import { hideBanner, showBanner } from './banner.js';
import { refreshIndexViews } from './refresh.js';

/** The health badge ("unknown" when the status could not be loaded at all). */
function renderHealth() {
  const value = shownHealth();
  const known = ['healthy', 'degraded', 'unhealthy', 'building'].includes(value) ? value : 'unknown';
  $('badge').dataset.health = known;
  $('health').dataset.health = value;
  setText($('health'), value === 'building' ? 'Building the index' : value);
}

function renderState() {
  const v = shownState();
  $('state').dataset.state = v;
  setText($('state'), v === 'unknown' ? '' : v);
}

function renderReasons(health, reasons) {
  const list = $('health-reasons');
  const items = Array.isArray(reasons) ? reasons.filter((r) => r !== null && r !== undefined && r !== '') : [];
  replace(list, ...items.map((r) => h('li', null, String(r))));
  list.hidden = health === 'healthy' || items.length === 0;
}

function renderLastRun() {
  if (!state.status) return;
  const run = latestFinishedRun();
  const el = $('last-run');
  if (!run) {
    replace(el,
      isFirstBuild() || state.current
        ? 'The index is being built: every file in the journal is being read for the first time. Counts, problems and activity fill in as it goes.'
        : 'No sync has finished yet.');
    return;
  }
  const how = [run.trigger, run.kind].filter((x) => typeof x === 'string' && x).join(', ');
  const parts = ['Last sync ', relTime(run.finishedAt || run.startedAt), how ? ` (${how})` : ''];
  if (run.status === 'failed') {
    parts.push(' — ', h('strong', { class: 'bad-text' }, 'failed'));
    if (run.message) parts.push(': ', String(run.message));
  } else if (run.status === 'succeeded') {
    const changes = ['added', 'updated', 'moved', 'removed'].reduce((n, k) => n + (isNum(run[k]) ? run[k] : 0), 0);
    parts.push(` — succeeded in ${fmtDuration(run.durationMs)}, ${plural(changes, 'change', 'changes')}`);
    if (isNum(run.errors) && run.errors > 0) parts.push(`, ${plural(run.errors, 'error', 'errors')}`);
  }
  replace(el, ...parts);
}

function renderCount(id, n) {
  const el = $(id);
  setText(el, fmtNum(n));
  if (isNum(n)) el.dataset.value = String(n);
  else delete el.dataset.value;
}

function renderWatcher(w) {
  const box = $('watcher');
  const st = w && typeof w.state === 'string' ? w.state : 'unknown';
  box.dataset.state = st;
  setText($('watcher-state'), st === 'unknown' ? '–' : st);
  let detail = '';
  if (w && st === 'watching' && (isNum(w.files) || isNum(w.dirs))) {
    const bits = [];
    if (isNum(w.files)) bits.push(plural(w.files, 'file', 'files'));
    if (isNum(w.dirs)) bits.push(plural(w.dirs, 'folder', 'folders'));
    detail = `· ${bits.join(' in ')}`;
  } else if (st === 'off') detail = '· changes are picked up by periodic syncs only';
  else if (st === 'down') detail = '· changes are not being picked up';
  setText($('watcher-detail'), detail);
}

function renderFacts({ status: s }) {
  if (!s) return;
  renderReasons(s.health, s.healthReasons);
  const c = s.counts || {};
  renderCount('count-entries', c.entries);
  renderCount('count-tags', c.tags);
  renderCount('count-errors', c.errors);
  $('stat-errors').dataset.errors = isNum(c.errors) && c.errors > 0 ? 'some' : '0';
  const db = s.db || {};
  setText($('db-path'), db.path || '–');
  if (db.path) $('db-path').title = db.path;
  setText($('db-size'), fmtBytes(db.sizeBytes));
  if (isNum(db.sizeBytes)) $('db-size').title = `${fmtNum(db.sizeBytes)} bytes`;
  setRelTime($('db-write'), db.lastWriteAt || null);
  renderWatcher(s.watcher);
}

export async function loadStatus() {
  try {
    setStatus(await api('/api/status'));
  } catch (err) {
    if (err.status !== 401) {
      showBanner(`Could not load the status: ${err.message}`, () => {
        hideBanner();
        refreshIndexViews();
      });
    }
    renderHealth();
  }
}

export function wireStatus() {
  subscribe(['status', 'current'], renderState); // the live feed may say "syncing" before any status
  subscribe(['status', 'current', 'runs'], () => state.status && renderHealth()); // "building" depends on all three
  subscribe(['status'], renderFacts);
  subscribe(['status', 'current', 'runs'], renderLastRun);
}
