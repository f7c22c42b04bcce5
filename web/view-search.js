// Lists of entries: full-text search results (best match first, hits marked), the
// entries with a tag, the entries of a day, the entries with a field (or a field's value).
// Pages of PAGE entries with a total.
import { $, h, markedText, replace, setText } from './dom.js';
import { api, apiPath } from './api.js';
import { fmtDay, fmtNum, isNum, plural } from './format.js';
import { dayHref, entryHref, fieldHref, searchHref, tagHref } from './router.js';
import { tagLink } from './lists.js';

export const PAGE = 25;

let seq = 0;
let lastKey = null;

function describe(route) {
  switch (route.view) {
    case 'search':
      return {
        title: route.q.trim() ? ['Search: ', h('q', { class: 'query' }, route.q.trim())] : 'Search',
        api: apiPath('/api/entries', { q: route.q.trim(), limit: PAGE, offset: route.offset }),
        href: (offset) => searchHref(route.q, offset),
        none: 'No entries match. Try fewer or other words; a word’s start followed by * matches longer words (garden*).',
        marks: true,
      };
    case 'tag':
      return {
        title: ['Entries tagged ', h('span', { class: 'tag-name' }, `#${route.tag}`)],
        api: apiPath('/api/entries', { tag: route.tag, limit: PAGE, offset: route.offset }),
        href: (offset) => tagHref(route.tag, offset),
        none: `No entries carry the tag #${route.tag}.`,
        marks: false,
      };
    case 'field':
      return {
        title: route.value
          ? ['Entries where ', h('span', { class: 'field-key' }, route.key), ' is ', h('q', { class: 'field-value' }, route.value)]
          : ['Entries with the field ', h('span', { class: 'field-key' }, route.key)],
        api: apiPath('/api/entries', { field: route.value ? `${route.key}:${route.value}` : route.key, limit: PAGE, offset: route.offset }),
        href: (offset) => fieldHref(route.key, route.value, offset),
        none: route.value ? `No entry has ${route.key} = ${route.value}.` : `No entry has a field ${route.key}.`,
        marks: false,
      };
    default:
      return {
        title: ['Entries on ', h('time', { datetime: route.date }, fmtDay(route.date))],
        api: apiPath('/api/entries', { from: route.date, to: route.date, limit: PAGE, offset: route.offset }),
        href: (offset) => dayHref(route.date, offset),
        none: `No entries are dated ${route.date}.`,
        marks: false,
      };
  }
}

/** Shows the list `route` names in #results-view; `quiet` keeps what is shown when nothing changed. */
export async function showList(route, { quiet = false } = {}) {
  const view = $('results-view');
  const d = describe(route);
  const my = ++seq;
  replace($('results-title'), d.title);
  view.dataset.view = route.view;
  // the box follows the address (back, forward, a link), but never overwrites typing with a refresh
  if (route.view === 'search' && !quiet && $('search-input').value !== route.q) $('search-input').value = route.q;

  if (route.view === 'search' && !route.q.trim()) {
    lastKey = null;
    setStatus('Type a word or a phrase in the search box: the results follow as you type. Words are matched in titles and bodies; "quoted words" match a phrase.');
    replace($('results'));
    replace($('results-pager'));
    return;
  }
  if (!quiet) {
    view.setAttribute('aria-busy', 'true');
    setStatus('Searching…');
  }
  try {
    const data = await api(d.api);
    if (my !== seq) return;
    const key = JSON.stringify([d.api, data]);
    if (quiet && key === lastKey) return; // nothing changed: keep the focus where it is
    lastKey = key;
    const entries = data && Array.isArray(data.entries) ? data.entries : [];
    const total = data && isNum(data.total) ? data.total : entries.length;
    if (!entries.length) {
      setStatus(route.offset > 0 && total > 0 ? `No more entries: there are ${fmtNum(total)}.` : d.none, total === 0 ? 'empty' : 'ok');
    } else {
      const from = route.offset + 1;
      const to = route.offset + entries.length;
      setStatus(`${plural(total, route.view === 'search' ? 'match' : 'entry', route.view === 'search' ? 'matches' : 'entries')}${total > entries.length ? ` · showing ${fmtNum(from)}–${fmtNum(to)}` : ''}${route.view === 'search' ? ', best first' : ''}`, 'ok');
    }
    replace($('results'), ...entries.map((e) => resultItem(e, d.marks)));
    replace($('results-pager'), ...pager(route.offset, entries.length, total, d.href));
  } catch (err) {
    if (my !== seq) return;
    lastKey = null;
    replace($('results'));
    replace($('results-pager'));
    setStatus(err.status === 400 && route.view === 'search'
      ? `This search cannot be read: ${err.message}. Try plain words.`
      : `Could not load the entries: ${err.message}`, 'error');
  } finally {
    if (my === seq) view.removeAttribute('aria-busy');
  }
}

function setStatus(text, kind = 'info') {
  const el = $('results-status');
  setText(el, text);
  el.dataset.kind = kind;
}

function resultItem(e, marks) {
  const id = e && e.id;
  const title = e && e.title ? String(e.title) : e && e.path ? String(e.path) : `Entry ${id}`;
  const tags = Array.isArray(e.tags) ? e.tags.filter((t) => t !== null && t !== undefined && t !== '') : [];
  return h(
    'li',
    { class: 'result', data: { entryId: id } },
    h('a', { class: 'result-title', href: entryHref(id) }, title),
    h(
      'p',
      { class: 'result-meta' },
      e.date ? h('a', { class: 'result-date', href: dayHref(e.date) }, h('time', { datetime: String(e.date) }, String(e.date))) : null,
      h('span', { class: 'path' }, e.path ? String(e.path) : ''),
      isNum(e.wordCount) ? h('span', { class: 'muted' }, plural(e.wordCount, 'word', 'words')) : null,
    ),
    e.snippet ? h('p', { class: 'snippet' }, marks ? markedText(e.snippet) : String(e.snippet)) : null,
    tags.length ? h('ul', { class: 'tags-list result-tags', 'aria-label': 'Tags' }, tags.map((t) => h('li', null, tagLink(String(t))))) : null,
  );
}

function pager(offset, shown, total, href) {
  if (total <= PAGE && offset === 0) return [];
  const prev = offset > 0 ? Math.max(0, offset - PAGE) : null;
  const next = offset + shown < total ? offset + PAGE : null;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const page = Math.floor(offset / PAGE) + 1;
  return [
    prev !== null ? h('a', { class: 'btn btn-small', href: href(prev), rel: 'prev' }, '← Previous') : h('span', { class: 'btn btn-small is-disabled', 'aria-hidden': 'true' }, '← Previous'),
    h('span', { class: 'pager-where' }, `Page ${fmtNum(Math.min(page, pages))} of ${fmtNum(pages)}`),
    next !== null ? h('a', { class: 'btn btn-small', href: href(next), rel: 'next' }, 'Next →') : h('span', { class: 'btn btn-small is-disabled', 'aria-hidden': 'true' }, 'Next →'),
  ];
}
