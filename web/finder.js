// Switches between the status dashboard and the finder's views as the address changes,
// and moves the focus to what a navigation opened.
import { $ } from './dom.js';
import { currentRoute } from './router.js';
import { showList } from './view-search.js';
import { showEntry } from './view-entry.js';
import { showChanges } from './view-changes.js';
import { set } from './store.js';

let dashboardScroll = 0;

/** The router's handler: shows the view `route` names. */
export function showRoute(route, { previous } = {}) {
  const home = route.view === 'home';
  const wasHome = !previous || previous.view === 'home';
  if (!home && wasHome) dashboardScroll = window.scrollY;
  $('dashboard').hidden = !home;
  $('finder').hidden = home;
  $('results-view').hidden = !['search', 'tag', 'day'].includes(route.view);
  $('entry-view').hidden = route.view !== 'entry';
  $('changes-view').hidden = route.view !== 'changes';
  $('unknown-view').hidden = route.view !== 'unknown';
  document.body.dataset.view = route.view;

  if (home) {
    setViewTitle(route);
    if (!wasHome) {
      if (route.anchor) document.getElementById(route.anchor)?.scrollIntoView();
      else window.scrollTo(0, dashboardScroll);
    }
    return undefined;
  }
  window.scrollTo(0, 0);
  let loaded;
  if (route.view === 'entry') loaded = showEntry(route.id);
  else if (route.view === 'changes') loaded = showChanges(route);
  else if (route.view === 'unknown') loaded = Promise.resolve();
  else loaded = showList(route);
  setViewTitle(route); // the views set their headings before they wait for the server
  // keyboard and screen-reader users continue at the top of what they opened
  const heading = () => $(headingId(route));
  const focusHeading = () => {
    const el = heading();
    if (el && document.activeElement !== $('search-input')) el.focus({ preventScroll: true });
  };
  focusHeading();
  return Promise.resolve(loaded).then(() => {
    focusHeading();
    setViewTitle(route);
  });
}

/** The id of the heading of the view `route` names. */
function headingId(route) {
  return { entry: 'entry-title', unknown: 'unknown-title', changes: 'changes-title' }[route.view] || 'results-title';
}

function setViewTitle(route) {
  const heading = route.view === 'home' ? null : $(headingId(route));
  set({ viewTitle: heading ? heading.textContent.trim() : '' });
}

/** After a run: the entry or list on screen again, kept as it is when nothing changed. */
export function refreshFinder() {
  const route = currentRoute();
  if (route.view === 'entry') return showEntry(route.id, { quiet: true });
  if (route.view === 'changes') return showChanges(route, { quiet: true });
  if (['search', 'tag', 'day'].includes(route.view)) return showList(route, { quiet: true });
  return undefined;
}
