// Switches between the status dashboard and the finder's views as the address changes,
// and moves the focus to what a navigation opened.
import { $ } from './dom.js';
import { currentRoute } from './router.js';
import { showList } from './view-search.js';
import { showEntry } from './view-entry.js';
import { showTasks } from './view-tasks.js';
import { showChanges } from './view-changes.js';
import { set } from './store.js';

let dashboardScroll = 0;

/** The views that are lists of entries (view-search.js). */
const LISTS = ['search', 'tag', 'day', 'field'];

/** The router's handler: shows the view `route` names. */
export function showRoute(route, { previous } = {}) {
  const home = route.view === 'home';
  const wasHome = !previous || previous.view === 'home';
  if (!home && wasHome) dashboardScroll = window.scrollY;
  $('dashboard').hidden = !home;
  $('finder').hidden = home;
  $('results-view').hidden = !LISTS.includes(route.view);
  $('entry-view').hidden = route.view !== 'entry';
  $('tasks-view').hidden = route.view !== 'tasks';
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
  else if (route.view === 'tasks') loaded = showTasks(route);
  else if (route.view === 'changes') loaded = showChanges(route);
  else if (route.view === 'unknown') loaded = Promise.resolve();
  else loaded = showList(route);
  setViewTitle(route); // the views set their headings before they wait for the server
  // keyboard and screen-reader users continue at the top of what they opened
  const heading = () => headingOf(route);
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

/** The heading of each view that has its own section; the lists share #results-title. */
const HEADINGS = { entry: 'entry-title', unknown: 'unknown-title', tasks: 'tasks-title', changes: 'changes-title' };

/** The heading of the view `route` names (null on the dashboard). */
function headingOf(route) {
  if (route.view === 'home') return null;
  return $(HEADINGS[route.view] || 'results-title');
}

function setViewTitle(route) {
  const heading = headingOf(route);
  set({ viewTitle: heading ? heading.textContent.trim() : '' });
}

/** After a run: the entry or list on screen again, kept as it is when nothing changed. */
export function refreshFinder() {
  const route = currentRoute();
  if (route.view === 'entry') return showEntry(route.id, { quiet: true });
  if (route.view === 'tasks') return showTasks(route, { quiet: true });
  if (route.view === 'changes') return showChanges(route, { quiet: true });
  if (LISTS.includes(route.view)) return showList(route, { quiet: true });
  return undefined;
}
