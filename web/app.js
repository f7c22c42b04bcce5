// inkdex page — plain ES modules, no build step, no dependencies. This file wires the
// page together: views render from the one store (store.js, indexer-state.js) and never
// import each other; the shared pieces are dom.js (text-only DOM building), api.js,
// router.js, refresh.js, format.js and lists.js.
//
// Safety rule for every module: strings from the server or the journal are inserted as
// text (text nodes, textContent, attribute values), never parsed as HTML.
import { $ } from './dom.js';
import { tickRelativeTimes } from './format.js';
import { subscribe } from './store.js';
import { isFirstBuild } from './indexer-state.js';
import { wireBanner } from './banner.js';
import { registerLoader, refreshIndexViews } from './refresh.js';
import { wireHeader } from './view-header.js';
import { loadStatus, wireStatus } from './view-status.js';
import { wireProgress } from './view-progress.js';
import { loadRuns, wireRuns } from './view-runs.js';
import { closeDetail, openRun, reloadOpenRun } from './view-run-detail.js';
import { loadErrors } from './view-errors.js';
import { loadActivity, renderActivity, wireActivity } from './view-activity.js';
import { loadTags } from './view-tags.js';
import { loadDueTasks } from './view-due.js';
import { loadFields, wireFieldFilter } from './view-fields.js';
import { loadWriting, wireWriting } from './view-writing.js';
import { wireSearch } from './search-box.js';
import { wireResync } from './resync.js';
import { connectEvents } from './live.js';
import { startRouter } from './router.js';
import { refreshFinder, showRoute } from './finder.js';

// Everything a run can change, in one list: refreshIndexViews() runs them all (first
// load, after each finished run, after the live stream reconnects).
registerLoader('status', loadStatus);
registerLoader('runs', () => loadRuns({ refresh: true }));
registerLoader('run-detail', reloadOpenRun);
registerLoader('errors', loadErrors);
registerLoader('activity', loadActivity);
registerLoader('tags', loadTags);
registerLoader('due-tasks', loadDueTasks);
registerLoader('fields', loadFields);
registerLoader('writing', loadWriting);
registerLoader('finder', refreshFinder);

wireBanner();
wireHeader();
wireStatus();
wireProgress();
wireResync();
wireRuns({ openRun, closeDetail });
wireActivity();
wireWriting();
wireSearch();
wireFieldFilter();
$('run-detail').addEventListener('keydown', (e) => {
  if (e.key === 'Escape') closeDetail();
});
setInterval(tickRelativeTimes, 1000);
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) tickRelativeTimes();
});

// When the first build ends, the views that spoke of it ("being built") say what is there now.
let wasFirstBuild = false;
subscribe(['status', 'current', 'runs'], () => {
  const now = isFirstBuild();
  document.body.dataset.firstBuild = now ? 'true' : 'false';
  if (wasFirstBuild && !now) refreshIndexViews();
  wasFirstBuild = now;
});

renderActivity(null, [], [], { placeholder: true }); // an empty grid at once, filled in when the data arrives
startRouter(showRoute);
connectEvents();
// the first load: the finder's view (if the address names one) was loaded by the router
refreshIndexViews();
