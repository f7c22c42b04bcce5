// One entry: title, aliases, date, path, tags, fields, headings, frontmatter, tasks (with
// their dates), outgoing links (with their anchors), backlinks, history and the body —
// all as text.
import { $, h, replace } from './dom.js';
import { api } from './api.js';
import { fmtAbs, fmtDay, fmtNum, isNum, plural, relTime } from './format.js';
import { dayHref, entryHref, fieldHref } from './router.js';
import { tagLink } from './lists.js';
import { taskItem } from './task-item.js';

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
  const aliases = Array.isArray(e.aliases) ? e.aliases.filter((a) => typeof a === 'string' && a !== '') : [];
  const headings = Array.isArray(e.headings) ? e.headings : [];
  const fields = Array.isArray(e.fields) ? e.fields : [];
  const broken = links.filter((l) => !isNum(l && l.targetId)).length;
  const missingAnchors = links.filter((l) => l && l.anchorOk === false).length;

  const head = h(
    'header',
    { class: 'entry-head' },
    h('h2', { id: 'entry-title', class: 'entry-title', tabindex: '-1' }, title),
    aliases.length
      ? h('p', { class: 'entry-aliases' }, h('span', { class: 'muted' }, 'Also called '), aliases.map((a, i) => [i > 0 ? ', ' : null, h('span', { class: 'alias' }, a)]))
      : null,
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
      missingAnchors ? h('p', { class: 'muted small' }, `${plural(missingAnchors, 'link names', 'links name')} a heading or block its note does not have.`) : null,
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
        ? h('ul', { class: 'task-list' }, tasks.map((t) => taskItem(t)))
        : h('p', { class: 'muted' }, 'No tasks.'),
    ),
    section('fields', 'Fields', fields.length,
      fields.length
        ? h('dl', { class: 'field-list' }, fields.map(fieldRow))
        : h('p', { class: 'muted' }, 'None.'),
    ),
    section('headings', 'Headings', headings.length,
      headings.length
        ? h('ol', { class: 'heading-list' }, headings.map(headingItem))
        : h('p', { class: 'muted' }, 'None.'),
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
  const anchor = l && typeof l.anchor === 'string' && l.anchor !== '' ? `#${l.anchor}` : '';
  const label = kind === 'markdown' ? `${target}${anchor}` : `${kind === 'embed' ? '!' : ''}[[${target}${anchor}]]`;
  const resolved = isNum(l && l.targetId);
  const anchorMissing = l && l.anchorOk === false;
  const content = resolved
    ? h('a', { class: 'link-target', href: entryHref(l.targetId), data: { targetId: l.targetId } }, label)
    : h('span', { class: 'link-target is-broken' }, label, h('span', { class: 'broken-badge' }, 'broken'));
  return h(
    'li',
    { data: { kind, broken: resolved ? 'false' : 'true', anchorOk: l && typeof l.anchorOk === 'boolean' ? String(l.anchorOk) : '' } },
    content,
    anchorMissing ? h('span', { class: 'broken-badge anchor-badge' }, String(l.anchor).startsWith('^') ? 'no such block' : 'no such heading') : null,
    kind === 'markdown' ? h('span', { class: 'link-kind muted' }, 'markdown link') : kind === 'embed' ? h('span', { class: 'link-kind muted' }, 'embed') : null,
    isNum(l && l.line) ? h('span', { class: 'task-line muted' }, `line ${l.line}`) : null,
  );
}

/** A field: its key and value, the value leading to the entries that share it. */
function fieldRow(f) {
  const key = f && f.key !== undefined ? String(f.key) : '';
  const value = f && f.value !== undefined ? String(f.value) : '';
  return h(
    'div',
    { class: 'field-row', data: { type: f && f.type ? String(f.type) : '', source: f && f.source ? String(f.source) : '' } },
    h('dt', null, h('a', { class: 'field-key', href: fieldHref(key) }, key)),
    h(
      'dd',
      null,
      h('a', { class: 'field-value', href: fieldHref(key, value) }, value),
      f && f.type && f.type !== 'text' ? h('span', { class: 'field-type muted' }, String(f.type)) : null,
      isNum(f && f.line) ? h('span', { class: 'task-line muted' }, `line ${f.line}`) : null,
    ),
  );
}

function headingItem(hd) {
  const level = isNum(hd && hd.level) ? Math.min(6, Math.max(1, hd.level)) : 1;
  return h(
    'li',
    { class: 'heading-item', data: { level } },
    h('span', { class: 'heading-text' }, hd && hd.text !== undefined ? String(hd.text) : ''),
    isNum(hd && hd.line) ? h('span', { class: 'task-line muted' }, `line ${hd.line}`) : null,
  );
}

function backlinkItem(b) {
  return h(
    'li',
    null,
    h('a', { class: 'backlink', href: entryHref(b.id), data: { entryId: b.id } }, b.title ? String(b.title) : String(b.path || b.id)),
    b.path ? h('span', { class: 'path muted' }, String(b.path)) : null,
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
