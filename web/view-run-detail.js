// One run's details: facts, counts, the entries it changed (each leads to its entry
// while it exists) and the file errors it met. The open run is the store's `selectedRunId`.
import { $, h, replace } from './dom.js';
import { api } from './api.js';
import { fmtAbs, fmtDuration, fmtNum, isNum, plural, relTime, statusPill } from './format.js';
import { set, state } from './store.js';
import { upsertRuns } from './indexer-state.js';
import { eventItem, problemItem, renderChunked } from './lists.js';

const EVENTS_SHOWN = 200; // events rendered per "show more" step
const ERRORS_SHOWN = 100;

let seq = 0; // the newest details asked for: an older answer arriving late is dropped

/** Closes the details (the run table then gives the focus back to the run's row). */
export function closeDetail() {
  seq++;
  const detail = $('run-detail');
  detail.hidden = true;
  detail.replaceChildren();
  delete detail.dataset.runId;
  $('run-detail-placeholder').hidden = false;
  set({ selectedRunId: null });
}

function isNarrow() {
  return window.matchMedia('(max-width: 1099px)').matches;
}

export async function openRun(id, { quiet = false } = {}) {
  id = Number(id);
  if (!Number.isFinite(id)) return;
  set({ selectedRunId: id });
  const my = ++seq;
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
    if (my !== seq) return;
    renderDetail(run || { id });
  } catch (err) {
    if (my !== seq) return;
    replace(detail,
      detailHeader(state.runs.get(id) || { id }),
      h('p', { class: 'inline-error', role: 'alert' }, `Could not load this run: ${err.message}`),
    );
  } finally {
    if (my === seq) {
      detail.removeAttribute('aria-busy');
      if (!quiet) revealDetail();
    }
  }
}

/** The open run's details again (its events' entries may have come or gone). */
export function reloadOpenRun() {
  if (state.selectedRunId !== null) return openRun(state.selectedRunId, { quiet: true });
  return undefined;
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
  // (`errors` is the list here, so the summary keeps the count it had)
  const { events: _e, errors: _r, ...summary } = run;
  if (summary.id !== undefined) upsertRuns([summary]);

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
