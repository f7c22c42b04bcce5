// The run history table, rendered from the store's runs: one row per run, newest first,
// one Tab stop (↑ ↓ Home End move between rows, Enter opens a run's details).
import { $, h, setText } from './dom.js';
import { api } from './api.js';
import { fmtDuration, fmtNum, isNum, relTime, statusPill } from './format.js';
import { set, state, subscribe } from './store.js';
import { upsertRuns } from './indexer-state.js';

const RUNS_PAGE = 50;

/** How far back the history was fetched (`/api/runs` pages), and whether there is more. */
const paging = { oldest: null, hasOlder: false, hasOlderKnown: false };

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
  markSelected(row, state.selectedRunId === id);
  return row;
}

function markSelected(row, selected) {
  row.classList.toggle('selected', selected);
  if (selected) row.setAttribute('aria-current', 'true');
  else row.removeAttribute('aria-current');
}

const rows = new Map(); // run id -> {run, el}: a row is rebuilt only when its run changed
let rovingId = null; // the row last focused
let shownSelection = null;

/** The rows in step with `state.runs`, newest first; a rebuilt row keeps the focus. */
function renderRows({ runs }) {
  const tbody = $('runs');
  for (const [id, r] of rows) {
    if (!runs.has(id)) {
      r.el.remove();
      rows.delete(id);
    }
  }
  let before = tbody.firstElementChild;
  for (const id of [...runs.keys()].sort((a, b) => b - a)) {
    const run = runs.get(id);
    let r = rows.get(id);
    if (!r || r.run !== run) {
      const el = runRow(run);
      if (r) {
        const hadFocus = document.activeElement === r.el;
        if (before === r.el) before = el;
        r.el.replaceWith(el);
        if (hadFocus) el.focus({ preventScroll: true });
      }
      r = { run, el };
      rows.set(id, r);
    }
    if (r.el !== before) tbody.insertBefore(r.el, before);
    before = r.el.nextElementSibling;
  }
  if (runs.size) $('runs-empty').hidden = true;
  syncRovingTab();
}

/** The open run's row is marked; when its details close, the focus returns to it. */
function renderSelection({ selectedRunId }) {
  for (const [id, r] of rows) markSelected(r.el, id === selectedRunId);
  if (selectedRunId === null && shownSelection !== null) rows.get(shownSelection)?.el.focus();
  shownSelection = selectedRunId;
  syncRovingTab();
}

/** The selected (or last focused, or newest) row has tabindex 0, the others -1. */
function syncRovingTab() {
  const trs = $('runs').rows;
  if (!trs.length) return;
  const want = rovingId ?? state.selectedRunId;
  const target = (want !== null && rows.get(want)?.el) || trs[0];
  for (const r of trs) {
    const t = r === target ? '0' : '-1';
    if (r.getAttribute('tabindex') !== t) r.setAttribute('tabindex', t);
  }
}

export async function loadRuns({ older = false, refresh = false } = {}) {
  const btn = $('runs-more');
  const params = new URLSearchParams({ limit: String(RUNS_PAGE) });
  if (older && paging.oldest !== null) params.set('before', String(paging.oldest));
  if (older) {
    btn.disabled = true;
    setText(btn, 'Loading…');
  }
  try {
    const data = await api(`/api/runs?${params}`);
    const runs = data && Array.isArray(data.runs) ? data.runs : [];
    if (refresh && runs.length >= RUNS_PAGE && state.runs.size && !runs.some((r) => state.runs.has(Number(r.id)))) {
      // we were away for more than a page of runs: start the history afresh instead of leaving a gap
      set({ runs: new Map() });
      paging.oldest = null;
      paging.hasOlderKnown = false;
    }
    upsertRuns(runs);
    const ids = runs.map((r) => Number(r.id)).filter(Number.isFinite);
    if (ids.length) {
      const min = Math.min(...ids);
      paging.oldest = paging.oldest === null ? min : Math.min(paging.oldest, min);
    }
    if (older || !paging.hasOlderKnown) {
      paging.hasOlder = runs.length >= RUNS_PAGE;
      paging.hasOlderKnown = true;
    }
    $('runs-error').hidden = true;
    $('runs-empty').hidden = state.runs.size > 0;
  } catch (err) {
    const e = $('runs-error');
    setText(e, `Could not load the run history: ${err.message}`);
    e.hidden = false;
  } finally {
    btn.disabled = false;
    setText(btn, 'Load older runs');
    btn.hidden = !paging.hasOlder;
    $('runs-end').hidden = paging.hasOlder || state.runs.size === 0 || !older;
  }
}

/**
 * Renders the table from the store from now on; `openRun(id)` and `closeDetail()` are
 * the run details' (given by app.js, so that neither view imports the other).
 */
export function wireRuns({ openRun, closeDetail }) {
  subscribe(['runs'], renderRows);
  subscribe(['selectedRunId'], renderSelection);
  $('runs-more').addEventListener('click', () => loadRuns({ older: true }));
  const tbody = $('runs');
  tbody.addEventListener('click', (e) => {
    const row = e.target.closest('tr[data-run-id]');
    if (row) openRun(row.dataset.runId);
  });
  tbody.addEventListener('focusin', (e) => {
    const row = e.target.closest('tr[data-run-id]');
    if (row) {
      rovingId = Number(row.dataset.runId);
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
}
