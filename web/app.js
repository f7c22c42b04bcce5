// inkdex status page — plain ES module, no build step, no dependencies.
//
// Safety rule for this file: every string that comes from the server or the
// journal is inserted as text (textContent / text nodes / attribute values),
// never parsed as HTML. There is no innerHTML anywhere in this file.

const TOKEN = new URLSearchParams(location.search).get('token') || '';
const RUNS_PAGE = 50;
const EVENTS_SHOWN = 200; // run detail: events rendered per "show more" step
const ERRORS_SHOWN = 100;

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- DOM helper

/**
 * h('tr', {class: 'x', data: {runId: 3}, title: 'text'}, child, 'text', ...)
 * Strings and numbers become text nodes; null/undefined/false are skipped.
 */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'data') {
        for (const [k, v] of Object.entries(value)) {
          if (v !== null && v !== undefined) el.dataset[k] = String(v);
        }
      } else if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2), value);
      } else if (value === true) el.setAttribute(key, '');
      else el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Like el.replaceChildren(), but skips null/undefined/false (which the DOM would print as "null"). */
function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

function setText(el, text) {
  const s = text === null || text === undefined ? '' : String(text);
  if (el && el.textContent !== s) el.textContent = s;
}

// ------------------------------------------------------------------- formats

const nf = new Intl.NumberFormat('en-US');
const isNum = (n) => typeof n === 'number' && Number.isFinite(n);
const fmtNum = (n) => (isNum(n) ? nf.format(n) : '–');
const plural = (n, one, many) => `${fmtNum(n)} ${n === 1 ? one : many}`;

function fmtBytes(bytes) {
  if (!isNum(bytes)) return '–';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 999.95 && i < units.length - 1);
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

function fmtDuration(ms) {
  if (!isNum(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function parseTime(iso) {
  if (!iso) return NaN;
  return Date.parse(iso);
}

function fmtAbs(iso) {
  const t = parseTime(iso);
  if (Number.isNaN(t)) return '';
  return new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

function fmtShortDate(t) {
  const d = new Date(t);
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return d.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    year: sameYear ? undefined : 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

function fmtRel(iso, now = Date.now()) {
  const t = parseTime(iso);
  if (Number.isNaN(t)) return iso ? String(iso) : 'never';
  const sec = Math.max(0, Math.round((now - t) / 1000));
  if (sec < 1) return 'just now';
  if (sec < 60) return `${sec} s ago`;
  const min = Math.floor(sec / 60);
  if (min < 60) return `${min} min ago`;
  const hr = Math.floor(min / 60);
  if (hr < 24) return `${hr} h ago`;
  const days = Math.floor(hr / 24);
  if (days < 7) return `${days} d ago`;
  return fmtShortDate(t);
}

/** A <time> whose text is kept relative ("12 s ago") by the ticker. */
function relTime(iso, cls) {
  const el = h('time', { class: cls, datetime: iso || null, title: fmtAbs(iso) || null });
  el.dataset.rel = iso || '';
  el.textContent = fmtRel(iso);
  return el;
}

function setRelTime(el, iso) {
  el.dataset.rel = iso || '';
  if (iso) {
    el.setAttribute('datetime', iso);
    el.title = fmtAbs(iso);
  } else {
    el.removeAttribute('datetime');
    el.removeAttribute('title');
  }
  setText(el, iso ? fmtRel(iso) : 'never');
}

function tickRelativeTimes() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-rel]')) {
    const iso = el.dataset.rel;
    setText(el, iso ? fmtRel(iso, now) : 'never');
  }
}

// ------------------------------------------------------------------------ api

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function api(path, { method = 'GET' } = {}) {
  const headers = { Accept: 'application/json' };
  if (TOKEN) headers.Authorization = `Bearer ${TOKEN}`;
  let res;
  try {
    res = await fetch(path, { method, headers, cache: 'no-store', credentials: 'same-origin' });
  } catch {
    throw new ApiError('Could not reach the inkdex server.', 0);
  }
  let data = null;
  const text = await res.text().catch(() => '');
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const message =
      data && typeof data.error === 'string' && data.error
        ? data.error
        : `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    if (res.status === 401) showAuthBanner();
    throw new ApiError(message, res.status);
  }
  return data;
}

// --------------------------------------------------------------------- state

const state = {
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
};

// ------------------------------------------------------------------- banner

let bannerRetry = null;

function showBanner(message, retry) {
  setText($('banner-text'), message);
  bannerRetry = retry || null;
  $('banner-retry').hidden = !retry;
  $('banner').hidden = false;
}

function hideBanner() {
  $('banner').hidden = true;
}

function showAuthBanner() {
  showBanner(
    TOKEN
      ? 'The server rejected the token in this page’s address. Open the page with the token inkdex was started with: /?token=…'
      : 'This inkdex server was started with --token. Open the page as /?token=YOUR_TOKEN to see it.',
    null,
  );
}

// -------------------------------------------------------------- health/state

const HEALTH_COLOURS = { healthy: '#1b7a46', degraded: '#b7791f', unhealthy: '#c0392b', unknown: '#3456b5' };

function setFavicon(health) {
  const colour = HEALTH_COLOURS[health] || HEALTH_COLOURS.unknown;
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
    `<rect x="2" y="2" width="28" height="28" rx="7" fill="${colour}"/>` +
    '<path d="M10 22V10M16 22V14M22 22V8" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>';
  $('favicon').setAttribute('href', `data:image/svg+xml,${encodeURIComponent(svg)}`);
}

function updateTitle() {
  const s = state.status;
  let title = 'inkdex';
  if (state.current) {
    const { processed, total } = state.current;
    title += isNum(total) && total > 0 && isNum(processed)
      ? ` · syncing ${Math.min(100, Math.floor((processed / total) * 100))}%`
      : ' · syncing';
  } else if (s && typeof s.health === 'string') {
    title += ` · ${s.health}`;
  }
  if (document.title !== title) document.title = title;
}

function renderHealth(health) {
  const value = typeof health === 'string' && health ? health : 'unknown';
  const known = ['healthy', 'degraded', 'unhealthy'].includes(value) ? value : 'unknown';
  $('badge').dataset.health = known;
  $('health').dataset.health = value;
  setText($('health'), value);
  setFavicon(known);
}

function renderState(value) {
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

/** The newest finished run we know of (the status' lastRun may be the one still running). */
function latestFinishedRun() {
  let best = null;
  for (const [id, run] of state.runs) {
    if (run.status !== 'running' && (best === null || id > Number(best.id))) best = run;
  }
  return best;
}

function renderLastRun() {
  const fromStatus = state.status && state.status.lastRun;
  const run = latestFinishedRun() || (fromStatus && fromStatus.status !== 'running' ? fromStatus : null);
  const el = $('last-run');
  if (!run) {
    replace(el, state.current ? 'The first sync is under way.' : 'No sync has finished yet.');
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
  } else if (run.status === 'running') {
    parts.push(' — running');
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

function renderStatus(s) {
  if (!s || typeof s !== 'object') return;
  state.status = s;
  hideBanner();
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
  if (isNum(db.sizeBytes)) $('db-size').title = `${nf.format(db.sizeBytes)} bytes`;
  setRelTime($('db-write'), db.lastWriteAt || null);
  renderWatcher(s.watcher);
  setText($('version'), s.version ? `v${String(s.version).replace(/^v/, '')}` : '');

  if (s.lastRun && typeof s.lastRun === 'object') upsertRun(s.lastRun);
  renderLastRun();

  if (s.currentRun && typeof s.currentRun === 'object') showProgress(s.currentRun);
  else hideProgress(null);

  // Fallback for a missed run-finished (e.g. while the stream was down).
  if (state.resyncPending && state.resyncRunId !== null && !s.currentRun) {
    const last = s.lastRun && Number(s.lastRun.id);
    if (isNum(last) && last >= state.resyncRunId && s.lastRun.status !== 'running') setResyncPending(false);
  }
  updateTitle();
}

// ------------------------------------------------------------------ progress

function showProgress(p) {
  if (!p || p.id === undefined || p.id === null) return;
  const prev = state.current && Number(state.current.id) === Number(p.id) ? state.current : {};
  const cur = { ...prev, ...p };
  state.current = cur;

  $('progress').hidden = false;
  $('progress').dataset.runId = String(cur.id);
  const label = $('progress-label');
  replace(label,
    h('strong', null, 'Syncing'),
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

function hideProgress(id) {
  if (id !== null && state.current && Number(state.current.id) !== Number(id)) return;
  state.current = null;
  $('progress').hidden = true;
  delete $('progress').dataset.runId;
  updateTitle();
}

// ---------------------------------------------------------------- run table

const NUM_FIELDS = [
  ['added', 'added'],
  ['updated', 'updated'],
  ['moved', 'moved'],
  ['removed', 'removed'],
  ['errors', 'errors'],
];

function numCell(run, field, label) {
  const v = run[field];
  let cls = 'num';
  if (!isNum(v) || v === 0) cls += ' zero';
  else if (field === 'errors') cls += ' bad-text';
  return h('td', { class: `${cls} c-${field}`, data: { label } }, isNum(v) ? fmtNum(v) : '–');
}

function statusPill(status) {
  const s = typeof status === 'string' && status ? status : 'unknown';
  return h('span', { class: 'pill', data: { status: s } }, s);
}

function runRow(run) {
  const id = Number(run.id);
  const when = run.startedAt || run.finishedAt;
  const row = h(
    'tr',
    {
      tabindex: '-1',
      class: 'run-row',
      'aria-controls': 'run-detail',
      data: { runId: id, status: run.status || 'unknown', trigger: run.trigger || '' },
    },
    h(
      'td',
      { class: 'c-trigger' },
      h('span', { class: 'trigger' }, run.trigger || '–'),
      // incremental runs are the norm; only full syncs get a tag
      run.kind === 'full' ? h('span', { class: 'kind', title: 'full sync' }, 'full') : null,
    ),
    h('td', { class: 'c-when' }, when ? relTime(when, 'when') : '–'),
    h('td', { class: 'num c-duration' }, run.status === 'running' ? '…' : fmtDuration(run.durationMs)),
    NUM_FIELDS.map(([field, label]) => numCell(run, field, label)),
    h('td', { class: 'c-status' }, statusPill(run.status)),
  );
  if (state.selectedRunId === id) {
    row.classList.add('selected');
    row.setAttribute('aria-current', 'true');
  }
  return row;
}

function upsertRun(run) {
  if (!run || run.id === undefined || run.id === null) return;
  const id = Number(run.id);
  if (!Number.isFinite(id)) return;
  const prev = state.runs.get(id);
  // Never let a stale "running" snapshot overwrite a finished run.
  if (prev && prev.status && prev.status !== 'running' && run.status === 'running') return;
  const merged = prev ? { ...prev, ...run } : run;
  state.runs.set(id, merged);

  const tbody = $('runs');
  const row = runRow(merged);
  const existing = tbody.querySelector(`tr[data-run-id="${id}"]`);
  if (existing) {
    const hadFocus = document.activeElement === existing;
    existing.replaceWith(row);
    if (hadFocus) row.focus({ preventScroll: true });
  } else {
    const rows = tbody.rows;
    const last = rows[rows.length - 1];
    if (!last || Number(last.dataset.runId) > id) tbody.append(row);
    else {
      let before = null;
      for (const r of rows) {
        if (Number(r.dataset.runId) < id) {
          before = r;
          break;
        }
      }
      tbody.insertBefore(row, before);
    }
  }
  $('runs-empty').hidden = true;
  syncRovingTab();
}

/**
 * The run table is one Tab stop: the selected (or last focused, or newest) row has
 * tabindex 0, the others -1; ↑/↓/Home/End move between rows, Enter opens one.
 */
function syncRovingTab() {
  const rows = $('runs').rows;
  if (!rows.length) return;
  const want = state.rovingId ?? state.selectedRunId;
  let target = null;
  if (want !== null && want !== undefined) target = $('runs').querySelector(`tr[data-run-id="${want}"]`);
  if (!target) target = rows[0];
  for (const r of rows) {
    const t = r === target ? '0' : '-1';
    if (r.getAttribute('tabindex') !== t) r.setAttribute('tabindex', t);
  }
}

async function loadRuns({ older = false, refresh = false } = {}) {
  const btn = $('runs-more');
  const params = new URLSearchParams({ limit: String(RUNS_PAGE) });
  if (older && state.runsLoadedOldest !== null) params.set('before', String(state.runsLoadedOldest));
  if (older) {
    btn.disabled = true;
    setText(btn, 'Loading…');
  }
  try {
    const data = await api(`/api/runs?${params}`);
    const runs = data && Array.isArray(data.runs) ? data.runs : [];
    if (refresh && runs.length >= RUNS_PAGE && state.runs.size && !runs.some((r) => state.runs.has(Number(r.id)))) {
      // we were away for more than a page of runs: start the history afresh instead of leaving a gap
      state.runs.clear();
      $('runs').replaceChildren();
      state.runsLoadedOldest = null;
      state.hasOlderKnown = false;
    }
    for (const run of runs) upsertRun(run);
    const ids = runs.map((r) => Number(r.id)).filter(Number.isFinite);
    if (ids.length) {
      const min = Math.min(...ids);
      state.runsLoadedOldest = state.runsLoadedOldest === null ? min : Math.min(state.runsLoadedOldest, min);
    }
    if (older || !state.hasOlderKnown) {
      state.hasOlder = runs.length >= RUNS_PAGE;
      state.hasOlderKnown = true;
    }
    $('runs-error').hidden = true;
    $('runs-empty').hidden = state.runs.size > 0;
    if (state.status) renderLastRun();
  } catch (err) {
    const e = $('runs-error');
    setText(e, `Could not load the run history: ${err.message}`);
    e.hidden = false;
  } finally {
    btn.disabled = false;
    setText(btn, 'Load older runs');
    btn.hidden = !state.hasOlder;
    $('runs-end').hidden = state.hasOlder || state.runs.size === 0 || !older;
  }
}

// ---------------------------------------------------------------- run detail

function selectRow(id) {
  for (const r of $('runs').querySelectorAll('tr.selected')) {
    r.classList.remove('selected');
    r.removeAttribute('aria-current');
  }
  if (id === null) return;
  const row = $('runs').querySelector(`tr[data-run-id="${id}"]`);
  if (row) {
    row.classList.add('selected');
    row.setAttribute('aria-current', 'true');
  }
}

function closeDetail() {
  const id = state.selectedRunId;
  state.selectedRunId = null;
  state.detailSeq++;
  selectRow(null);
  const detail = $('run-detail');
  detail.hidden = true;
  detail.replaceChildren();
  delete detail.dataset.runId;
  $('run-detail-placeholder').hidden = false;
  const row = id !== null && $('runs').querySelector(`tr[data-run-id="${id}"]`);
  if (row) row.focus();
}

function isNarrow() {
  return window.matchMedia('(max-width: 1099px)').matches;
}

async function openRun(id, { quiet = false } = {}) {
  id = Number(id);
  if (!Number.isFinite(id)) return;
  state.selectedRunId = id;
  selectRow(id);
  const seq = ++state.detailSeq;
  const detail = $('run-detail');
  $('run-detail-placeholder').hidden = true;
  detail.hidden = false;
  detail.dataset.runId = String(id);
  if (!quiet) {
    const known = state.runs.get(id);
    replace(detail, detailHeader(known || { id }), h('p', { class: 'muted loading' }, 'Loading details…'));
    detail.setAttribute('aria-busy', 'true');
  }
  try {
    const run = await api(`/api/runs/${encodeURIComponent(String(id))}`);
    if (seq !== state.detailSeq) return;
    renderDetail(run || { id });
  } catch (err) {
    if (seq !== state.detailSeq) return;
    replace(detail,
      detailHeader(state.runs.get(id) || { id }),
      h('p', { class: 'inline-error', role: 'alert' }, `Could not load this run: ${err.message}`),
    );
  } finally {
    if (seq === state.detailSeq) {
      detail.removeAttribute('aria-busy');
      if (!quiet) revealDetail();
    }
  }
}

/** On narrow screens the detail sits below the table: bring it into view. */
function revealDetail() {
  if (!isNarrow()) return;
  const pane = $('run-detail').closest('.detail-pane');
  const r = pane.getBoundingClientRect();
  if (r.top < 0 || r.top > window.innerHeight - 120) {
    pane.scrollIntoView({ block: 'start', behavior: prefersReducedMotion() ? 'auto' : 'smooth' });
    // the row that opened it is now off screen: keyboard users continue in the detail (Escape goes back)
    $('run-detail').focus({ preventScroll: true });
  }
}

function prefersReducedMotion() {
  return window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

function detailHeader(run) {
  return h(
    'div',
    { class: 'detail-head' },
    h('h3', { id: 'run-detail-title' }, `Run #${run.id}`),
    run.status ? statusPill(run.status) : null,
    h('button', { type: 'button', class: 'btn btn-small btn-quiet detail-close', onclick: closeDetail }, 'Close'),
  );
}

function renderDetail(run) {
  const detail = $('run-detail');
  const events = Array.isArray(run.events) ? run.events : [];
  const errors = Array.isArray(run.errors) ? run.errors : [];
  // keep the summary row in the table in step with what we just fetched
  const { events: _e, errors: _r, ...summary } = run;
  // (`errors` is the list here, so the summary keeps the count it had)
  if (summary.id !== undefined) upsertRun(summary);

  const facts = h(
    'dl',
    { class: 'detail-facts' },
    fact('Trigger', `${run.trigger || '–'}${run.kind ? ` · ${run.kind} sync` : ''}`),
    fact('Started', run.startedAt ? [fmtAbs(run.startedAt), ' (', relTime(run.startedAt), ')'] : '–'),
    fact('Finished', run.finishedAt ? fmtAbs(run.finishedAt) : run.status === 'running' ? 'still running' : '–'),
    fact('Duration', fmtDuration(run.durationMs)),
    fact('Scanned', isNum(run.scanned) ? plural(run.scanned, 'file', 'files') : '–'),
    fact('Unchanged', fmtNum(run.unchanged)),
  );

  const counts = h(
    'ul',
    { class: 'detail-counts', 'aria-label': 'Changes in this run' },
    ['added', 'updated', 'moved', 'removed'].map((k) =>
      h('li', { data: { kind: k } }, h('span', { class: 'n' }, fmtNum(summaryNum(run, k, events))), ` ${k}`),
    ),
    h(
      'li',
      { data: { kind: 'errors' } },
      h('span', { class: 'n' }, fmtNum(isNum(run.errors) ? run.errors : errors.length)),
      ' errors',
    ),
  );

  const message = run.message
    ? h('p', { class: `detail-message${run.status === 'failed' ? ' is-failed' : ''}` }, String(run.message))
    : null;

  const eventsBlock = detailList('Changes', events, 'No entries changed in this run.', 'events', eventItem, EVENTS_SHOWN, 'changes');
  const errorsBlock = detailList('Errors', errors, 'No file errors in this run.', 'problem-list compact', problemItem, ERRORS_SHOWN, 'errors');
  replace(detail, detailHeader(run), message, facts, counts, eventsBlock, errorsBlock);
}

/** A titled block of a run's details: its items (the first `shown`, then more on demand), or `empty`. */
function detailList(title, items, empty, listClass, renderItem, shown, noun) {
  const block = h(
    'div',
    { class: 'detail-block' },
    h('h4', null, `${title} (${fmtNum(items.length)})`),
    items.length ? null : h('p', { class: 'muted' }, empty),
  );
  if (items.length) {
    const list = h('ul', { class: listClass });
    block.append(list);
    renderChunked(list, items, renderItem, shown, block, noun);
  }
  return block;
}

function summaryNum(run, kind, events) {
  if (isNum(run[kind])) return run[kind];
  return events.filter((e) => e && e.kind === kind).length;
}

function fact(label, value) {
  return h('div', null, h('dt', null, label), h('dd', null, value));
}

/** Renders items into list `step` at a time with a "Show more" button. */
function renderChunked(list, items, render, step, container, noun) {
  let shown = 0;
  const more = h('button', { type: 'button', class: 'btn btn-small show-more' });
  const showNext = () => {
    const next = items.slice(shown, shown + step);
    append(list, next.map(render));
    shown += next.length;
    const left = items.length - shown;
    if (left > 0) setText(more, `Show ${fmtNum(Math.min(step, left))} more (${fmtNum(left)} ${noun} not shown)`);
    more.hidden = left <= 0;
  };
  more.addEventListener('click', () => {
    const firstNew = shown;
    showNext();
    const el = list.children[firstNew];
    if (el && el.querySelector) (el.querySelector('.path') || el).setAttribute('tabindex', '-1');
    if (el) (el.querySelector('.path') || el).focus({ preventScroll: false });
  });
  container.append(more);
  showNext();
}

function eventItem(ev) {
  const kind = ev && typeof ev.kind === 'string' ? ev.kind : 'changed';
  const path = h('span', { class: 'path' }, ev && ev.path ? String(ev.path) : '–');
  const body =
    kind === 'moved' && ev.oldPath
      ? [h('span', { class: 'path old-path' }, String(ev.oldPath)), h('span', { class: 'arrow', 'aria-label': 'moved to' }, ' → '), path]
      : [path];
  return h('li', { class: 'event', data: { kind } }, h('span', { class: 'event-kind' }, kind), h('span', { class: 'event-paths' }, body));
}

// ------------------------------------------------------------------- errors

function problemItem(p) {
  const item = h(
    'li',
    { class: 'problem' },
    h(
      'div',
      { class: 'problem-head' },
      h('span', { class: 'path' }, p && p.path ? String(p.path) : '–'),
      p && p.at ? relTime(p.at, 'problem-when') : null,
    ),
    h('p', { class: 'problem-message' }, p && p.message ? String(p.message) : ''),
  );
  return item;
}

async function loadErrors() {
  const box = $('errors');
  try {
    const data = await api('/api/errors');
    const list = data && Array.isArray(data.errors) ? data.errors : [];
    if (!list.length) {
      replace(box, h('p', { class: 'empty ok-text' }, 'No files with problems. Every file was read and indexed.'));
      box.dataset.count = '0';
      return;
    }
    const ul = h('ul', { class: 'problem-list card' });
    replace(box, ul);
    box.dataset.count = String(list.length);
    renderChunked(ul, list, problemItem, ERRORS_SHOWN, box, 'files');
  } catch (err) {
    replace(box, h('p', { class: 'inline-error' }, `Could not load the list of problems: ${err.message}`));
  }
}

// ----------------------------------------------------------------- activity

const DAY_MS = 86400000;
const WEEKS = 53;

function ymd(d) {
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${d.getFullYear()}-${m}-${day}`;
}

function addDays(d, n) {
  const r = new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
  return r;
}

const activity = { cells: [], active: -1 };

function renderActivity(days) {
  const counts = new Map();
  for (const d of Array.isArray(days) ? days : []) {
    if (d && typeof d.date === 'string' && isNum(d.count)) counts.set(d.date.slice(0, 10), (counts.get(d.date.slice(0, 10)) || 0) + d.count);
  }
  const now = new Date();
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const start = addDays(today, -364);
  const offset = (start.getDay() + 6) % 7; // Monday = row 0
  const cols = Math.ceil((offset + 365) / 7); // always 53

  let max = 0;
  let total = 0;
  let activeDays = 0;
  let busiest = null;
  const dayList = [];
  for (let i = 0; i < 365; i++) {
    const d = addDays(start, i);
    const key = ymd(d);
    const c = counts.get(key) || 0;
    dayList.push({ key, c, d });
    if (c > 0) {
      activeDays++;
      total += c;
      if (c > max) {
        max = c;
        busiest = key;
      }
    }
  }
  const level = (c) => {
    if (c <= 0) return 0;
    if (max <= 1) return 3;
    return Math.max(1, Math.min(4, Math.ceil((c / max) * 4)));
  };

  const grid = h('div', {
    class: 'cal-grid',
    role: 'img',
    tabindex: '0',
    'aria-label': `Entries per day over the last year: ${plural(total, 'entry', 'entries')} on ${plural(activeDays, 'day', 'days')}. Use the arrow keys to read single days.`,
    'aria-describedby': 'activity-caption',
  });
  grid.style.setProperty('--cols', String(cols));
  for (let i = 0; i < offset; i++) grid.append(h('span', { class: 'pad', 'aria-hidden': 'true' }));
  activity.cells = [];
  for (const { key, c } of dayList) {
    const title = c === 0 ? `No entries on ${key}` : `${plural(c, 'entry', 'entries')} on ${key}`;
    const cell = h('span', { class: 'day', title, data: { date: key, count: c, level: level(c) } });
    activity.cells.push(cell);
    grid.append(cell);
  }

  // month labels: at the column holding the 1st of each month
  const months = h('div', { class: 'cal-months', 'aria-hidden': 'true' });
  months.style.setProperty('--cols', String(cols));
  let lastCol = -10;
  const monthFmt = new Intl.DateTimeFormat('en-US', { month: 'short' });
  for (let i = 0; i < dayList.length; i++) {
    const d = dayList[i].d;
    if (d.getDate() !== 1 && i !== 0) continue;
    const col = Math.floor((offset + i) / 7);
    // the first (partial) month gets a label only if it has room before the next one
    if (i === 0) {
      const daysLeft = new Date(d.getFullYear(), d.getMonth() + 1, 0).getDate() - d.getDate();
      if (daysLeft < 14) continue;
    }
    if (col - lastCol < 3) continue;
    const label = h('span', null, monthFmt.format(d));
    label.style.gridColumnStart = String(col + 1);
    months.append(label);
    lastCol = col;
  }

  const weekdays = h(
    'div',
    { class: 'cal-weekdays', 'aria-hidden': 'true' },
    ['Mon', '', 'Wed', '', 'Fri', '', ''].map((w) => h('span', null, w)),
  );

  const scroller = h('div', { class: 'cal-scroll' }, h('div', { class: 'cal' }, h('span', { class: 'cal-corner' }), months, weekdays, grid));
  replace($('activity'), scroller);
  $('activity').dataset.total = String(total);
  $('activity').dataset.days = String(activeDays);
  // show the most recent weeks first on narrow screens
  scroller.scrollLeft = scroller.scrollWidth;

  setText(
    $('activity-summary'),
    total
      ? `${plural(total, 'entry', 'entries')} on ${plural(activeDays, 'day', 'days')} in the last year${busiest ? ` · busiest day ${busiest} (${fmtNum(max)})` : ''}`
      : 'No dated entries in the last year.',
  );

  activity.active = -1;
  grid.addEventListener('keydown', onCalendarKey);
  grid.addEventListener('focus', () => {
    if (activity.active < 0) setActiveDay(activity.cells.length - 1);
  });
  grid.addEventListener('blur', () => {
    for (const c of grid.querySelectorAll('.day.active')) c.classList.remove('active');
  });
  grid.addEventListener('mouseover', (e) => {
    const cell = e.target.closest && e.target.closest('.day');
    if (cell) setText($('activity-caption'), cell.title);
  });
  setText($('activity-caption'), '');
}

function setActiveDay(i) {
  const cells = activity.cells;
  if (!cells.length) return;
  i = Math.max(0, Math.min(cells.length - 1, i));
  if (activity.active >= 0 && cells[activity.active]) cells[activity.active].classList.remove('active');
  activity.active = i;
  cells[i].classList.add('active');
  setText($('activity-caption'), cells[i].title);
  const scroller = cells[i].closest('.cal-scroll');
  if (scroller) {
    const cr = cells[i].getBoundingClientRect();
    const sr = scroller.getBoundingClientRect();
    if (cr.left < sr.left + 30 || cr.right > sr.right) scroller.scrollLeft += cr.left - sr.left - sr.width / 2;
  }
}

function onCalendarKey(e) {
  const moves = { ArrowLeft: -7, ArrowRight: 7, ArrowUp: -1, ArrowDown: 1, Home: -Infinity, End: Infinity };
  if (!(e.key in moves)) return;
  e.preventDefault();
  const cur = activity.active < 0 ? activity.cells.length - 1 : activity.active;
  const m = moves[e.key];
  setActiveDay(m === -Infinity ? 0 : m === Infinity ? activity.cells.length - 1 : cur + m);
}

async function loadActivity() {
  try {
    const data = await api('/api/activity?days=365');
    renderActivity(data && data.days);
  } catch (err) {
    replace($('activity'), h('p', { class: 'inline-error' }, `Could not load the activity: ${err.message}`));
  }
}

async function loadTags() {
  try {
    const data = await api('/api/tags');
    const tags = (data && Array.isArray(data.tags) ? data.tags : [])
      .filter((t) => t && t.tag !== undefined && t.tag !== null)
      .sort((a, b) => (b.count || 0) - (a.count || 0))
      .slice(0, 12);
    replace($('tags-list'),
      ...tags.map((t) => h('li', { class: 'tag' }, h('span', { class: 'tag-name' }, `#${t.tag}`), h('span', { class: 'tag-count' }, fmtNum(t.count)))),
    );
    $('top-tags').hidden = tags.length === 0;
  } catch {
    $('top-tags').hidden = true; // optional view: stay quiet
  }
}

// ------------------------------------------------------------------- status

async function loadStatus() {
  try {
    const s = await api('/api/status');
    renderStatus(s);
  } catch (err) {
    if (err.status !== 401) {
      showBanner(`Could not load the status: ${err.message}`, () => {
        hideBanner();
        refreshAll();
      });
    }
    renderHealth(state.status ? state.status.health : 'unknown');
  }
}

function refreshAll() {
  return Promise.allSettled([loadStatus(), loadRuns(), loadErrors(), loadActivity(), loadTags()]);
}

let refreshTimer = null;
/** After a run finished: fetch what it may have changed (debounced). */
function scheduleRefreshAfterRun() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    loadStatus();
    loadErrors();
    loadActivity();
    loadTags();
  }, 250);
}

// ------------------------------------------------------------------- resync

function setResyncPending(pending, label) {
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

// ---------------------------------------------------------------- live feed

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

function connectEvents() {
  const url = TOKEN ? `/api/events?token=${encodeURIComponent(TOKEN)}` : '/api/events';
  const es = new EventSource(url);
  eventSource = es;

  es.addEventListener('open', () => {
    state.sseOpen = true;
    retryDelay = 2000;
    setLive('live');
    if (state.sseEverOpened) {
      // reconnected: catch up on whatever we missed
      loadStatus();
      loadRuns({ refresh: true });
      loadErrors();
      loadActivity();
      loadTags();
      if (state.selectedRunId !== null) openRun(state.selectedRunId, { quiet: true });
    }
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
    showProgress({
      id: run.id,
      trigger: run.trigger,
      kind: run.kind,
      processed: 0,
      total: 0,
      startedAt: run.startedAt,
    });
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
    if (state.resyncPending && (state.resyncRunId === null || id >= state.resyncRunId)) setResyncPending(false);
    if (state.selectedRunId === id) openRun(id, { quiet: true });
    scheduleRefreshAfterRun();
  });
}

// --------------------------------------------------------------------- wire

function wire() {
  $('resync').addEventListener('click', resync);
  $('banner-retry').addEventListener('click', () => bannerRetry && bannerRetry());
  $('runs-more').addEventListener('click', () => loadRuns({ older: true }));

  const tbody = $('runs');
  tbody.addEventListener('click', (e) => {
    const row = e.target.closest('tr[data-run-id]');
    if (row) openRun(row.dataset.runId);
  });
  tbody.addEventListener('focusin', (e) => {
    const row = e.target.closest('tr[data-run-id]');
    if (row) {
      state.rovingId = Number(row.dataset.runId);
      syncRovingTab();
    }
  });
  tbody.addEventListener('keydown', (e) => {
    const row = e.target.closest('tr[data-run-id]');
    if (!row || e.target !== row) return;
    let target = null;
    switch (e.key) {
      case 'Enter':
      case ' ':
        e.preventDefault();
        openRun(row.dataset.runId);
        return;
      case 'Escape':
        // a click leaves the focus on the row: Escape closes the details from here too
        if (state.selectedRunId !== null) {
          e.preventDefault();
          closeDetail();
        }
        return;
      case 'ArrowDown':
        target = row.nextElementSibling;
        break;
      case 'ArrowUp':
        target = row.previousElementSibling;
        break;
      case 'Home':
        target = tbody.firstElementChild;
        break;
      case 'End':
        target = tbody.lastElementChild;
        break;
      default:
        return;
    }
    e.preventDefault();
    if (target) target.focus();
  });
  $('run-detail').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeDetail();
  });

  setInterval(tickRelativeTimes, 1000);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) tickRelativeTimes();
  });
}

wire();
renderActivity([]); // an empty grid at once, filled in when the data arrives
connectEvents();
refreshAll();
