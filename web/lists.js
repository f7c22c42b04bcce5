// Small widgets shared by the views: long lists shown a step at a time, and the paths,
// tags, entry events and file problems that lead to what they name.
import { append, h, setText } from './dom.js';
import { fmtAbs, fmtClock, fmtNum, isNum, relTime } from './format.js';
import { entryHref, tagHref } from './router.js';

/** Renders items into list `step` at a time with a "Show more" button. */
export function renderChunked(list, items, render, step, container, noun) {
  let shown = 0;
  const more = h('button', { type: 'button', class: 'btn btn-small show-more' });
  const showNext = () => {
    const next = items.slice(shown, shown + step);
    append(list, next.map(render));
    shown += next.length;
    const left = items.length - shown;
    if (left > 0) setText(more, `Show ${fmtNum(Math.min(step, left))} more (${fmtNum(left)} ${noun} not shown)`);
    more.hidden = left <= 0;
  };
  more.addEventListener('click', () => {
    const firstNew = shown;
    showNext();
    const el = list.children[firstNew];
    if (!el) return;
    const target = el.querySelector('a, .path') || el;
    if (target.tagName !== 'A') target.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: false });
  });
  container.append(more);
  showNext();
}

/**
 * A path that leads to its entry when the server says which one (`entryId`, null once
 * the entry is gone), else plain text.
 */
export function pathLink(path, entryId, extraClass = '') {
  const text = path ? String(path) : '–';
  const cls = `path${extraClass ? ` ${extraClass}` : ''}`;
  if (isNum(entryId)) return h('a', { class: `${cls} entry-link`, href: entryHref(entryId), data: { entryId } }, text);
  return h('span', { class: cls }, text);
}

/** A tag leading to its entries, with its count when given. */
export function tagLink(tag, count) {
  return h(
    'a',
    { class: 'tag', href: tagHref(tag), data: { tag } },
    h('span', { class: 'tag-name' }, `#${tag}`),
    count !== undefined ? h('span', { class: 'tag-count' }, fmtNum(count)) : null,
  );
}

/**
 * An entry event (a run's, or a day's): its kind, and its path leading to the entry now
 * there (a move shows where it came from). `time`: also the local time it happened.
 */
export function eventItem(ev, { time = false } = {}) {
  const kind = ev && typeof ev.kind === 'string' ? ev.kind : 'changed';
  const entryId = kind === 'removed' ? null : ev && ev.entryId;
  const path = pathLink(ev && ev.path, entryId);
  const body =
    kind === 'moved' && ev.oldPath
      ? [h('span', { class: 'path old-path' }, String(ev.oldPath)), h('span', { class: 'arrow', 'aria-label': 'moved to' }, ' → '), path]
      : [path];
  const at = time && ev && ev.at ? h('time', { class: 'event-time', datetime: String(ev.at), title: fmtAbs(ev.at) }, fmtClock(ev.at)) : null;
  return h('li', { class: 'event', data: { kind } }, at, h('span', { class: 'event-kind' }, kind), h('span', { class: 'event-paths' }, body));
}

/** A file with a problem: its path (leading to its entry when one is indexed), when, and the message. */
export function problemItem(p) {
  return h(
    'li',
    { class: 'problem' },
    h(
      'div',
      { class: 'problem-head' },
      pathLink(p && p.path, p && p.entryId),
      p && p.at ? relTime(p.at, 'problem-when') : null,
    ),
    h('p', { class: 'problem-message' }, p && p.message ? String(p.message) : ''),
  );
}
