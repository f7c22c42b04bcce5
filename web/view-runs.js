// The run history table: one row per run, newest first, one Tab stop (↑ ↓ Home End
// move between rows, Enter opens a run's details).
import { $, h, setText } from './dom.js';
import { api } from './api.js';
import { fmtDuration, fmtNum, isNum, relTime } from './format.js';
import { state } from './state.js';
import { renderLastRun } from './view-status.js';
import { closeDetail, openRun } from './view-run-detail.js';

const RUNS_PAGE = 50;

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

export function statusPill(status) {
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

export function upsertRun(run) {
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

/** The selected (or last focused, or newest) row has tabindex 0, the others -1. */
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

export async function loadRuns({ older = false, refresh = false } = {}) {
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

export function wireRuns() {
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
}
