// One task as the page shows it anywhere: its box, text, and the dates and priority the
// Tasks plugin or Dataview gave it; in lists of tasks, also the note it is in.
import { h } from './dom.js';
import { fmtDay, isNum } from './format.js';
import { entryHref } from './router.js';

/** `today` (YYYY-MM-DD, the browser's local date): open tasks due before it are overdue. */
export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The badges of a task's dates and priority (none for a plain task). */
function facts(t) {
  const out = [];
  const day = (cls, label, date) => h('span', { class: `task-fact ${cls}` }, `${label} `, h('time', { datetime: String(date) }, fmtDay(date)));
  if (t.priority) out.push(h('span', { class: 'task-fact task-priority', data: { priority: String(t.priority) } }, `${String(t.priority)} priority`));
  if (t.due) out.push(day('task-due', 'due', t.due));
  if (t.scheduled) out.push(day('task-scheduled', 'scheduled', t.scheduled));
  if (t.doneDate) out.push(day('task-done-date', 'done', t.doneDate));
  return out;
}

/**
 * A task row. `note`: show the note it is in (a list of tasks across notes), leading to
 * that entry.
 */
export function taskItem(t, { note = false } = {}) {
  const done = t && t.done === true;
  const overdue = !done && t && t.due && String(t.due) < today();
  return h(
    'li',
    { class: 'task', data: { done: done ? 'true' : 'false', overdue: overdue ? 'true' : 'false' } },
    h('span', { class: 'task-box', 'aria-hidden': 'true' }, done ? '☑' : '☐'),
    h('span', { class: 'visually-hidden' }, done ? 'Done: ' : 'Not done: '),
    h('span', { class: 'task-text' }, t && t.text !== undefined ? String(t.text) : ''),
    h('span', { class: 'task-facts' }, ...facts(t || {}), overdue ? h('span', { class: 'task-fact task-overdue' }, 'overdue') : null),
    note && isNum(t.entryId)
      ? h('a', { class: 'task-note', href: entryHref(t.entryId), data: { entryId: t.entryId } }, t.title ? String(t.title) : String(t.path || t.entryId))
      : null,
    isNum(t && t.line) ? h('span', { class: 'task-line muted' }, `line ${t.line}`) : null,
  );
}
