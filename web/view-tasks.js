// The open tasks of the whole journal (#/tasks), by due date — undated last — each
// leading to its note. Pages of PAGE tasks with a total.
import { $, h, replace, setText } from './dom.js';
import { api, apiPath } from './api.js';
import { fmtNum, isNum, plural } from './format.js';
import { tasksHref } from './router.js';
import { taskItem } from './task-item.js';

export const PAGE = 50;

let seq = 0;
let lastKey = null;

/** Shows the open tasks in #tasks-view; `quiet` keeps what is shown when nothing changed. */
export async function showTasks(route, { quiet = false } = {}) {
  const view = $('tasks-view');
  const my = ++seq;
  if (!quiet) {
    view.setAttribute('aria-busy', 'true');
    setStatus('Loading…');
  }
  try {
    const data = await api(apiPath('/api/tasks', { status: 'open', limit: PAGE, offset: route.offset }));
    if (my !== seq) return;
    const key = JSON.stringify([route.offset, data]);
    if (quiet && key === lastKey) return;
    lastKey = key;
    const tasks = data && Array.isArray(data.tasks) ? data.tasks : [];
    const total = data && isNum(data.total) ? data.total : tasks.length;
    if (!tasks.length) setStatus(route.offset > 0 && total > 0 ? `No more tasks: there are ${fmtNum(total)}.` : 'No open tasks. Tasks are list items like “- [ ] call Ann 📅 2024-06-01”.', total === 0 ? 'empty' : 'ok');
    else setStatus(`${plural(total, 'open task', 'open tasks')}, the soonest due first${total > tasks.length ? ` · showing ${fmtNum(route.offset + 1)}–${fmtNum(route.offset + tasks.length)}` : ''}`, 'ok');
    replace($('tasks'), ...tasks.map((t) => taskItem(t, { note: true })));
    replace($('tasks-pager'), ...pager(route.offset, tasks.length, total));
  } catch (err) {
    if (my !== seq) return;
    lastKey = null;
    replace($('tasks'));
    replace($('tasks-pager'));
    setStatus(`Could not load the tasks: ${err.message}`, 'error');
  } finally {
    if (my === seq) view.removeAttribute('aria-busy');
  }
}

function setStatus(text, kind = 'info') {
  const el = $('tasks-status');
  setText(el, text);
  el.dataset.kind = kind;
}

function pager(offset, shown, total) {
  if (total <= PAGE && offset === 0) return [];
  const prev = offset > 0 ? Math.max(0, offset - PAGE) : null;
  const next = offset + shown < total ? offset + PAGE : null;
  return [
    prev !== null ? h('a', { class: 'btn btn-small', href: tasksHref(prev), rel: 'prev' }, '← Previous') : null,
    next !== null ? h('a', { class: 'btn btn-small', href: tasksHref(next), rel: 'next' }, 'Next →') : null,
  ];
}
