// Journal activity: entries per day for one calendar year (any year that has entries,
// the latest by default). A day leads to its entries: click it, or focus the grid,
// move with the arrow keys and press Enter.
import { $, h, replace, setText } from './dom.js';
import { api, apiPath } from './api.js';
import { fmtDay, fmtNum, isNum, plural } from './format.js';
import { isFirstBuild } from './indexer-state.js';
import { dayHref, go } from './router.js';

const DAY_MS = 86_400_000;

const activity = {
  cells: [],
  active: -1,
  /** The year the person picked; null follows the latest year with entries. */
  chosenYear: null,
  shownYear: null,
  seq: 0,
};

const ymd = (t) => new Date(t).toISOString().slice(0, 10);

/** Renders `year`'s calendar (or today's year when there is none) with `days` [{date,count}]. */
export function renderActivity(year, days, years, { placeholder = false } = {}) {
  const y = isNum(year) ? year : new Date().getUTCFullYear();
  activity.shownYear = isNum(year) ? year : null;
  const counts = new Map();
  for (const d of Array.isArray(days) ? days : []) {
    if (d && typeof d.date === 'string' && isNum(d.count)) {
      const key = d.date.slice(0, 10);
      if (key.startsWith(`${y}-`)) counts.set(key, (counts.get(key) || 0) + d.count);
    }
  }
  const start = Date.UTC(y, 0, 1);
  const n = Math.round((Date.UTC(y + 1, 0, 1) - start) / DAY_MS);
  const offset = (new Date(start).getUTCDay() + 6) % 7; // Monday = row 0
  const cols = Math.ceil((offset + n) / 7);

  let max = 0;
  let total = 0;
  let activeDays = 0;
  let busiest = null;
  const dayList = [];
  for (let i = 0; i < n; i++) {
    const t = start + i * DAY_MS;
    const key = ymd(t);
    const c = counts.get(key) || 0;
    dayList.push({ key, c, t });
    if (c > 0) {
      activeDays++;
      total += c;
      if (c > max) {
        max = c;
        busiest = key;
      }
    }
  }
  const level = (c) => {
    if (c <= 0) return 0;
    if (max <= 1) return 3;
    return Math.max(1, Math.min(4, Math.ceil((c / max) * 4)));
  };

  const grid = h('div', {
    class: 'cal-grid',
    role: 'group',
    tabindex: '0',
    'aria-label': `Entries per day in ${y}: ${plural(total, 'entry', 'entries')} on ${plural(activeDays, 'day', 'days')}. Use the arrow keys to read single days and Enter to list a day’s entries.`,
    'aria-describedby': 'activity-caption',
  });
  grid.style.setProperty('--cols', String(cols));
  for (let i = 0; i < offset; i++) grid.append(h('span', { class: 'pad', 'aria-hidden': 'true' }));
  activity.cells = [];
  for (const { key, c } of dayList) {
    const title = c === 0 ? `No entries on ${fmtDay(key)}` : `${plural(c, 'entry', 'entries')} on ${fmtDay(key)}`;
    const cell = h('span', { class: 'day', title, data: { date: key, count: c, level: level(c) } });
    activity.cells.push(cell);
    grid.append(cell);
  }

  // month labels: at the column holding the 1st of each month
  const months = h('div', { class: 'cal-months', 'aria-hidden': 'true' });
  months.style.setProperty('--cols', String(cols));
  const monthFmt = new Intl.DateTimeFormat('en-US', { month: 'short', timeZone: 'UTC' });
  let lastCol = -10;
  for (let i = 0; i < dayList.length; i++) {
    const d = new Date(dayList[i].t);
    if (d.getUTCDate() !== 1) continue;
    const col = Math.floor((offset + i) / 7);
    if (col - lastCol < 3) continue;
    const label = h('span', null, monthFmt.format(d));
    label.style.gridColumnStart = String(col + 1);
    months.append(label);
    lastCol = col;
  }

  const weekdays = h(
    'div',
    { class: 'cal-weekdays', 'aria-hidden': 'true' },
    ['Mon', '', 'Wed', '', 'Fri', '', ''].map((w) => h('span', null, w)),
  );

  const scroller = h('div', { class: 'cal-scroll' }, h('div', { class: 'cal' }, h('span', { class: 'cal-corner' }), months, weekdays, grid));
  const box = $('activity');
  replace(box, scroller);
  box.dataset.total = String(total);
  box.dataset.days = String(activeDays);
  box.dataset.year = isNum(year) ? String(year) : '';
  // on narrow screens show the part of the year with the latest entries first
  const lastActive = findLastActive(dayList);
  if (lastActive >= 0) {
    requestAnimationFrame(() => {
      const cell = activity.cells[lastActive];
      if (cell) scroller.scrollLeft = Math.max(0, cell.offsetLeft - scroller.clientWidth + 60);
    });
  }

  renderYears(years, year);
  let summary;
  if (placeholder) summary = '';
  else if (isFirstBuild() && !total) summary = 'The index is being built: the calendar fills in as files are read.';
  else if (!isNum(year)) summary = 'No dated entries yet.';
  else if (total) summary = `${plural(total, 'entry', 'entries')} on ${plural(activeDays, 'day', 'days')} in ${y}${busiest ? ` · busiest day ${busiest} (${fmtNum(max)})` : ''}`;
  else summary = `No dated entries in ${y}.`;
  setText($('activity-summary'), summary);

  activity.active = -1;
  grid.addEventListener('keydown', onCalendarKey);
  grid.addEventListener('focus', () => {
    if (activity.active < 0) setActiveDay(lastActive >= 0 ? lastActive : 0);
  });
  grid.addEventListener('blur', () => {
    for (const c of grid.querySelectorAll('.day.active')) c.classList.remove('active');
    activity.active = -1;
  });
  grid.addEventListener('mouseover', (e) => {
    const cell = e.target.closest && e.target.closest('.day');
    if (cell) setText($('activity-caption'), cell.title);
  });
  grid.addEventListener('click', (e) => {
    const cell = e.target.closest && e.target.closest('.day[data-date]');
    if (cell) go(dayHref(cell.dataset.date));
  });
  setText($('activity-caption'), '');
}

function findLastActive(dayList) {
  for (let i = dayList.length - 1; i >= 0; i--) if (dayList[i].c > 0) return i;
  return -1;
}

function renderYears(years, year) {
  const select = $('activity-year');
  const list = (Array.isArray(years) ? years : [])
    .filter((y) => y && isNum(Number(y.year)))
    .sort((a, b) => Number(b.year) - Number(a.year));
  replace(select, ...list.map((y) =>
    h('option', { value: String(y.year), selected: Number(y.year) === year }, `${y.year} (${fmtNum(y.count)})`)));
  if (isNum(year)) select.value = String(year);
  $('activity-year-picker').hidden = list.length === 0;
}

function setActiveDay(i) {
  const cells = activity.cells;
  if (!cells.length) return;
  i = Math.max(0, Math.min(cells.length - 1, i));
  if (activity.active >= 0 && cells[activity.active]) cells[activity.active].classList.remove('active');
  activity.active = i;
  cells[i].classList.add('active');
  setText($('activity-caption'), cells[i].title);
  const scroller = cells[i].closest('.cal-scroll');
  if (scroller) {
    const cr = cells[i].getBoundingClientRect();
    const sr = scroller.getBoundingClientRect();
    if (cr.left < sr.left + 30 || cr.right > sr.right) scroller.scrollLeft += cr.left - sr.left - sr.width / 2;
  }
}

function onCalendarKey(e) {
  if ((e.key === 'Enter' || e.key === ' ') && activity.active >= 0) {
    e.preventDefault();
    const cell = activity.cells[activity.active];
    if (cell) go(dayHref(cell.dataset.date));
    return;
  }
  const moves = { ArrowLeft: -7, ArrowRight: 7, ArrowUp: -1, ArrowDown: 1, Home: -Infinity, End: Infinity };
  if (!(e.key in moves)) return;
  e.preventDefault();
  const cur = activity.active < 0 ? activity.cells.length - 1 : activity.active;
  const m = moves[e.key];
  setActiveDay(m === -Infinity ? 0 : m === Infinity ? activity.cells.length - 1 : cur + m);
}

/**
 * GET /api/activity?year=Y → {year, years:[{year,count}], days:[{date,count}]}; without a
 * year the server answers for the latest year with dated entries.
 */
export async function loadActivity() {
  const seq = ++activity.seq;
  try {
    const data = await api(apiPath('/api/activity', { year: activity.chosenYear }));
    if (seq !== activity.seq) return;
    const days = data && Array.isArray(data.days) ? data.days : [];
    let years = data && Array.isArray(data.years) ? data.years : null;
    let year = data && isNum(data.year) ? data.year : null;
    if (!years) {
      // an older server (`{days}` for the last year only): show the latest year it gave
      const counts = new Map();
      for (const d of days) if (d && typeof d.date === 'string') counts.set(Number(d.date.slice(0, 4)), (counts.get(Number(d.date.slice(0, 4))) || 0) + (d.count || 0));
      years = [...counts].map(([y, count]) => ({ year: y, count }));
      year = years.length ? Math.max(...years.map((y) => y.year)) : null;
    }
    renderActivity(year, days, years);
  } catch (err) {
    if (seq !== activity.seq) return;
    replace($('activity'), h('p', { class: 'inline-error' }, `Could not load the activity: ${err.message}`));
  }
}

export function wireActivity() {
  $('activity-year').addEventListener('change', (e) => {
    const y = Number(e.target.value);
    activity.chosenYear = Number.isInteger(y) ? y : null;
    loadActivity();
  });
}
