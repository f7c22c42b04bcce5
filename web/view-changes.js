// What changed in the journal on one day (#/changes/2024-01-05, where the Writing
// chart's days lead): that local day's entry events, oldest first, each leading to its
// entry, with the day's figures above them.
import { $, h, replace, setText } from './dom.js';
import { api, apiPath } from './api.js';
import { fmtDay, fmtNum, isNum, plural } from './format.js';
import { eventItem } from './lists.js';
import { dayHref } from './router.js';

/** Events shown at most (the route's limit); the count says how many there were. */
const LIMIT = 1000;

let seq = 0;
let lastKey = null;

/** Shows the changes of `route.date` in #changes-view; `quiet` keeps what is shown when nothing changed. */
export async function showChanges(route, { quiet = false } = {}) {
  const my = ++seq;
  const day = route.date;
  replace($('changes-title'), 'Changes on ', h('time', { datetime: day }, fmtDay(day)));
  replace($('changes-links'), h('a', { href: dayHref(day) }, 'Entries dated this day'));
  if (!quiet) {
    $('changes-view').setAttribute('aria-busy', 'true');
    setStatus('Loading…');
  }
  try {
    const [changes, stats] = await Promise.all([
      api(apiPath('/api/changes', { day, limit: LIMIT })),
      api(apiPath('/api/stats/daily', { from: day, to: day })),
    ]);
    if (my !== seq) return;
    const key = JSON.stringify([changes, stats]);
    if (quiet && key === lastKey) return;
    lastKey = key;
    const events = changes && Array.isArray(changes.changes) ? changes.changes : [];
    const total = changes && isNum(changes.total) ? changes.total : events.length;
    const row = stats && Array.isArray(stats.days) ? stats.days[0] : null;
    setStatus(summary(row, total, events.length), total === 0 ? 'empty' : 'ok');
    replace($('changes'), ...events.map((ev) => eventItem(ev, { time: true })));
  } catch (err) {
    if (my !== seq) return;
    lastKey = null;
    setStatus(`Could not load the changes: ${err.message}`, 'error');
    replace($('changes'));
  } finally {
    if (my === seq) $('changes-view').removeAttribute('aria-busy');
  }
}

/** "4 changes · 523 words added, 40 removed · 812 notes at the end of the day" */
function summary(row, total, shown) {
  if (!row) return total ? plural(total, 'change', 'changes') : 'inkdex did not run on this day: no changes were recorded.';
  const parts = [total ? plural(total, 'change', 'changes') : 'No notes changed'];
  if (row.wordsAdded || row.wordsRemoved) parts.push(`${plural(row.wordsAdded, 'word', 'words')} added, ${fmtNum(row.wordsRemoved)} removed`);
  parts.push(`${plural(row.entries, 'note', 'notes')} at the end of the day`);
  if (shown < total) parts.push(`the first ${fmtNum(shown)} shown`);
  return parts.join(' · ');
}

function setStatus(text, kind = 'ok') {
  const el = $('changes-status');
  setText(el, text);
  el.dataset.kind = kind;
}
