// The dashboard's "Open tasks" panel: how many there are and the next few due, each
// leading to its note, and a link to all of them (#/tasks).
import { $, replace, setText } from './dom.js';
import { api } from './api.js';
import { isNum, plural } from './format.js';
import { taskItem } from './task-item.js';

const SHOWN = 5;

export async function loadDueTasks() {
  try {
    const data = await api(`/api/tasks?status=open&limit=${SHOWN}`);
    const tasks = data && Array.isArray(data.tasks) ? data.tasks : [];
    const total = data && isNum(data.total) ? data.total : tasks.length;
    setText($('due-summary'), total ? `${plural(total, 'open task', 'open tasks')}, the soonest due first` : 'No open tasks.');
    replace($('due-list'), ...tasks.map((t) => taskItem(t, { note: true })));
    $('due-all').hidden = total === 0;
    $('due-panel').hidden = false;
  } catch {
    $('due-panel').hidden = true; // optional view: stay quiet
  }
}
