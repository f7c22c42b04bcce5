// The page's header: the journal, the live feed's connection and the version in the top
// bar, and the browser tab's title and icon (the health, or how far a run has got).
import { $, setText } from './dom.js';
import { isNum } from './format.js';
import { state, subscribe } from './store.js';
import { isFirstBuild, shownHealth } from './indexer-state.js';

const LIVE_WORDS = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline — retrying' };
const HEALTH_COLOURS = { healthy: '#1b7a46', degraded: '#b7791f', unhealthy: '#c0392b', unknown: '#3456b5', building: '#3456b5' };

function renderTopBar({ status: s }) {
  if (!s) return;
  setText($('journal'), s.journal || '–');
  if (s.journal) $('journal').title = s.journal;
  setText($('version'), s.version ? `v${String(s.version).replace(/^v/, '')}` : '');
}

function renderLive({ live: mode }) {
  const el = $('live');
  el.dataset.live = mode;
  setText(el, LIVE_WORDS[mode] || mode);
  el.title =
    mode === 'live'
      ? 'Receiving live updates from the server'
      : 'Live updates are interrupted; the page will catch up when the connection is back';
}

/** The tab: "Search: zeppelin — inkdex · syncing 40%", and an icon in the health's colour. */
function renderTab({ status: s, current, viewTitle }) {
  let title = 'inkdex';
  if (current) {
    const { processed, total } = current;
    const what = isFirstBuild() ? 'building' : 'syncing';
    title += isNum(total) && total > 0 && isNum(processed)
      ? ` · ${what} ${Math.min(100, Math.floor((processed / total) * 100))}%`
      : ` · ${what}`;
  } else if (s && typeof s.health === 'string') {
    title += ` · ${s.health}`;
  }
  // in the finder, what is shown comes first (tabs and the back button's list name it)
  if (viewTitle) title = `${viewTitle} — ${title}`;
  if (document.title !== title) document.title = title;
  setFavicon(shownHealth());
}

function setFavicon(health) {
  const colour = HEALTH_COLOURS[health] || HEALTH_COLOURS.unknown;
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
    `<rect x="2" y="2" width="28" height="28" rx="7" fill="${colour}"/>` +
    '<path d="M10 22V10M16 22V14M22 22V8" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>';
  const href = `data:image/svg+xml,${encodeURIComponent(svg)}`;
  if ($('favicon').getAttribute('href') !== href) $('favicon').setAttribute('href', href);
}

export function wireHeader() {
  subscribe(['status'], renderTopBar);
  subscribe(['live'], renderLive);
  subscribe(['status', 'current', 'runs', 'viewTitle'], renderTab);
}
