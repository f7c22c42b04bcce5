// The header card: health and state at a glance, the last run, counts, the index file
// and the watcher. During the first build it says the index is being built.
import { $, h, replace, setText } from './dom.js';
import { api } from './api.js';
import { fmtBytes, fmtDuration, fmtNum, isNum, plural, relTime, setRelTime } from './format.js';
import { state, isFirstBuild, latestFinishedRun } from './state.js';
import { hideBanner, showBanner } from './banner.js';
import { showProgress, hideProgress } from './view-progress.js';
import { upsertRun } from './view-runs.js';
import { setResyncPending } from './resync.js';
import { refreshIndexViews } from './refresh.js';

const HEALTH_COLOURS = { healthy: '#1b7a46', degraded: '#b7791f', unhealthy: '#c0392b', unknown: '#3456b5', building: '#3456b5' };

function setFavicon(health) {
  const colour = HEALTH_COLOURS[health] || HEALTH_COLOURS.unknown;
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
    `<rect x="2" y="2" width="28" height="28" rx="7" fill="${colour}"/>` +
    '<path d="M10 22V10M16 22V14M22 22V8" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>';
  $('favicon').setAttribute('href', `data:image/svg+xml,${encodeURIComponent(svg)}`);
}

export function updateTitle() {
  const s = state.status;
  let title = 'inkdex';
  if (state.current) {
    const { processed, total } = state.current;
    const what = isFirstBuild() ? 'building' : 'syncing';
    title += isNum(total) && total > 0 && isNum(processed)
      ? ` · ${what} ${Math.min(100, Math.floor((processed / total) * 100))}%`
      : ` · ${what}`;
  } else if (s && typeof s.health === 'string') {
    title += ` · ${s.health}`;
  }
  // in the finder, what is shown comes first (tabs and the back button's list name it)
  if (state.viewTitle) title = `${state.viewTitle} — ${title}`;
  if (document.title !== title) document.title = title;
}

export function renderHealth(health) {
  let value = typeof health === 'string' && health ? health : 'unknown';
  // "Healthy" before anything was read would be a claim nobody checked (unhealthy stays: it is news).
  if (isFirstBuild() && value !== 'unhealthy') value = 'building';
  const known = ['healthy', 'degraded', 'unhealthy', 'building'].includes(value) ? value : 'unknown';
  $('badge').dataset.health = known;
  $('health').dataset.health = value;
  setText($('health'), value === 'building' ? 'Building the index' : value);
  setFavicon(known);
}

export function renderState(value) {
  const v = typeof value === 'string' && value ? value : 'unknown';
  $('state').dataset.state = v;
  setText($('state'), v === 'unknown' ? '' : v);
}

function renderReasons(health, reasons) {
  const list = $('health-reasons');
  const items = Array.isArray(reasons) ? reasons.filter((r) => r !== null && r !== undefined && r !== '') : [];
  replace(list, ...items.map((r) => h('li', null, String(r))));
  list.hidden = health === 'healthy' || items.length === 0;
}

export function renderLastRun() {
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

let wasFirstBuild = false;

export function renderStatus(s) {
  if (!s || typeof s !== 'object') return;
  state.status = s;
  hideBanner();
  if (s.lastRun && typeof s.lastRun === 'object') upsertRun(s.lastRun);
  if (s.currentRun && typeof s.currentRun === 'object') showProgress(s.currentRun);
  else hideProgress(null);

  renderHealth(s.health);
  renderState(s.state);
  renderReasons(s.health, s.healthReasons);

  const c = s.counts || {};
  renderCount('count-entries', c.entries);
  renderCount('count-tags', c.tags);
  renderCount('count-errors', c.errors);
  $('stat-errors').dataset.errors = isNum(c.errors) && c.errors > 0 ? 'some' : '0';

  setText($('journal'), s.journal || '–');
  if (s.journal) $('journal').title = s.journal;
  const db = s.db || {};
  setText($('db-path'), db.path || '–');
  if (db.path) $('db-path').title = db.path;
  setText($('db-size'), fmtBytes(db.sizeBytes));
  if (isNum(db.sizeBytes)) $('db-size').title = `${fmtNum(db.sizeBytes)} bytes`;
  setRelTime($('db-write'), db.lastWriteAt || null);
  renderWatcher(s.watcher);
  setText($('version'), s.version ? `v${String(s.version).replace(/^v/, '')}` : '');
  renderLastRun();
  noteFirstBuild();

  // Fallback for a missed run-finished (e.g. while the stream was down).
  if (state.resyncPending && state.resyncRunId !== null && !s.currentRun) {
    const last = s.lastRun && Number(s.lastRun.id);
    if (isNum(last) && last >= state.resyncRunId && s.lastRun.status !== 'running') setResyncPending(false);
  }
  updateTitle();
}

/** The first build ended (or began): the views that spoke of it say what is there now. */
export function noteFirstBuild() {
  const now = isFirstBuild();
  document.body.dataset.firstBuild = now ? 'true' : 'false';
  if (wasFirstBuild && !now) refreshIndexViews();
  wasFirstBuild = now;
}

export async function loadStatus() {
  try {
    const s = await api('/api/status');
    renderStatus(s);
  } catch (err) {
    if (err.status !== 401) {
      showBanner(`Could not load the status: ${err.message}`, () => {
        hideBanner();
        refreshIndexViews();
      });
    }
    renderHealth(state.status ? state.status.health : 'unknown');
  }
}
