// One entry: title, date, path, tags, frontmatter, tasks, outgoing links, backlinks,
// history and the body — all as text.
import { $, h, replace } from './dom.js';
import { api } from './api.js';
import { fmtAbs, fmtDay, fmtNum, isNum, plural, relTime } from './format.js';
import { dayHref, entryHref } from './router.js';
import { tagLink } from './lists.js';

let seq = 0;
let lastKey = null;

/** Shows entry `id` in #entry-view; `quiet` keeps what is shown when nothing changed. */
export async function showEntry(id, { quiet = false } = {}) {
  const view = $('entry-view');
  const my = ++seq;
  view.dataset.entryId = String(id);
  if (!quiet) {
    lastKey = null;
    view.setAttribute('aria-busy', 'true');
    replace($('entry'), h('h2', { id: 'entry-title', class: 'entry-title', tabindex: '-1' }, `Entry ${id}`), h('p', { class: 'muted' }, 'Loading…'));
  }
  try {
    const e = await api(`/api/entries/${encodeURIComponent(String(id))}`);
    if (my !== seq) return;
    const key = JSON.stringify(e);
    if (quiet && key === lastKey) return;
    lastKey = key;
    renderEntry(e || { id });
  } catch (err) {
    if (my !== seq) return;
    lastKey = null;
    replace($('entry'),
      h('h2', { id: 'entry-title', class: 'entry-title', tabindex: '-1' }, err.status === 404 ? 'Entry not found' : `Entry ${id}`),
      h('p', { class: err.status === 404 ? 'muted' : 'inline-error', role: 'alert' },
        err.status === 404
          ? `There is no entry ${id} in the index: its file may have been deleted. Search for it, or go back.`
          : `Could not load this entry: ${err.message}`),
    );
  } finally {
    if (my === seq) view.removeAttribute('aria-busy');
  }
}

function section(name, title, count, ...content) {
  return h(
    'section',
    { class: `entry-part entry-${name}`, 'aria-labelledby': `entry-${name}-title` },
    h('h3', { id: `entry-${name}-title`, class: 'minor-title' }, title, isNum(count) ? h('span', { class: 'count' }, ` (${fmtNum(count)})`) : null),
    ...content,
  );
}

/** A frontmatter value as text: strings as they are, the rest as JSON. */
function valueText(v) {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) return v.map((x) => String(x)).join(', ');
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

function renderEntry(e) {
  const title = e.title ? String(e.title) : e.path ? String(e.path) : `Entry ${e.id}`;
  const tags = Array.isArray(e.tags) ? e.tags.filter((t) => t !== null && t !== undefined && t !== '') : [];
  const fm = e.frontmatter && typeof e.frontmatter === 'object' && !Array.isArray(e.frontmatter) ? Object.entries(e.frontmatter) : [];
  const tasks = Array.isArray(e.tasks) ? e.tasks : [];
  const links = Array.isArray(e.links) ? e.links : [];
  const backlinks = Array.isArray(e.backlinks) ? e.backlinks : null;
  const history = Array.isArray(e.history) ? e.history : [];
  const broken = links.filter((l) => !isNum(l && l.targetId)).length;

  const head = h(
    'header',
    { class: 'entry-head' },
    h('h2', { id: 'entry-title', class: 'entry-title', tabindex: '-1' }, title),
    h(
      'p',
      { class: 'entry-meta' },
      e.date ? h('a', { class: 'entry-date', href: dayHref(e.date) }, h('time', { datetime: String(e.date) }, fmtDay(e.date))) : h('span', { class: 'muted' }, 'No date'),
      h('span', { class: 'path entry-path' }, e.path ? String(e.path) : ''),
      isNum(e.wordCount) ? h('span', { class: 'muted' }, plural(e.wordCount, 'word', 'words')) : null,
    ),
    tags.length ? h('ul', { class: 'tags-list entry-tags', 'aria-label': 'Tags' }, tags.map((t) => h('li', null, tagLink(String(t))))) : null,
    e.error ? h('p', { class: 'entry-error', role: 'note' }, `Frontmatter not read: ${String(e.error)}`) : null,
  );

  const side = h(
    'div',
    { class: 'entry-side' },
    section('links', 'Links', links.length,
      links.length
        ? h('ul', { class: 'link-list' }, links.map(linkItem))
        : h('p', { class: 'muted' }, 'This entry links to no other note.'),
      broken ? h('p', { class: 'muted small' }, `${plural(broken, 'link leads', 'links lead')} to no entry.`) : null,
    ),
    section('backlinks', 'Backlinks', backlinks ? backlinks.length : null,
      backlinks === null
        ? h('p', { class: 'muted' }, 'This server does not list backlinks.')
        : backlinks.length
          ? h('ul', { class: 'link-list' }, backlinks.map(backlinkItem))
          : h('p', { class: 'muted' }, 'No other entry links here.'),
    ),
    section('tasks', 'Tasks', tasks.length,
      tasks.length
        ? h('ul', { class: 'task-list' }, tasks.map(taskItem))
        : h('p', { class: 'muted' }, 'No tasks.'),
    ),
    section('frontmatter', 'Frontmatter', fm.length,
      fm.length
        ? h('dl', { class: 'fm-list' }, fm.map(([k, v]) => h('div', { class: 'fm-row' }, h('dt', null, String(k)), h('dd', null, valueText(v)))))
        : h('p', { class: 'muted' }, 'None.'),
    ),
    section('history', 'History', history.length,
      history.length
        ? h('ul', { class: 'history-list' }, history.map(historyItem))
        : h('p', { class: 'muted' }, 'No recorded changes.'),
    ),
  );

  const text = e.body === null || e.body === undefined ? '' : String(e.body).replace(/^\s*\n/, '');
  const body = section('text', 'Text', null, h('pre', { class: 'entry-body', tabindex: '0', 'aria-label': 'The entry’s text' }, text));
  replace($('entry'), head, h('div', { class: 'entry-layout' }, body, side));
}

function linkItem(l) {
  const target = l && l.target !== undefined && l.target !== null ? String(l.target) : '';
  const kind = l && typeof l.kind === 'string' ? l.kind : '';
  const label = kind === 'wiki' ? `[[${target}]]` : target;
  const content = isNum(l && l.targetId)
    ? h('a', { class: 'link-target', href: entryHref(l.targetId), data: { targetId: l.targetId } }, label)
    : h('span', { class: 'link-target is-broken' }, label, h('span', { class: 'broken-badge' }, 'broken'));
  return h('li', { data: { kind, broken: isNum(l && l.targetId) ? 'false' : 'true' } }, content, kind === 'markdown' ? h('span', { class: 'link-kind muted' }, 'markdown link') : null);
}

function backlinkItem(b) {
  return h(
    'li',
    null,
    h('a', { class: 'backlink', href: entryHref(b.id), data: { entryId: b.id } }, b.title ? String(b.title) : String(b.path || b.id)),
    b.path ? h('span', { class: 'path muted' }, String(b.path)) : null,
  );
}

function taskItem(t) {
  const done = t && t.done === true;
  return h(
    'li',
    { class: 'task', data: { done: done ? 'true' : 'false' } },
    h('span', { class: 'task-box', 'aria-hidden': 'true' }, done ? '☑' : '☐'),
    h('span', { class: 'visually-hidden' }, done ? 'Done: ' : 'Not done: '),
    h('span', { class: 'task-text' }, t && t.text !== undefined ? String(t.text) : ''),
    isNum(t && t.line) ? h('span', { class: 'task-line muted' }, `line ${t.line}`) : null,
  );
}

function historyItem(ev) {
  const kind = ev && typeof ev.kind === 'string' ? ev.kind : 'changed';
  return h(
    'li',
    { class: 'event', data: { kind } },
    h('span', { class: 'event-kind' }, kind),
    h(
      'span',
      { class: 'event-paths' },
      ev.at ? h('span', { title: fmtAbs(ev.at) }, relTime(ev.at)) : null,
      kind === 'moved' && ev.oldPath ? [' · from ', h('span', { class: 'path old-path' }, String(ev.oldPath))] : null,
      isNum(ev.runId) ? h('span', { class: 'muted' }, ` · run #${ev.runId}`) : null,
    ),
  );
}
