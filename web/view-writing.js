// The Writing panel: words written today and this week, the current streak, and a year
// of words and notes (writing-chart.js); each day of the chart leads to that day's
// changes — click it, or focus the chart, move with the arrow keys and press Enter.
// Its figures live in the store (`writing`), loaded again after every run.
import { $, h, replace, setText } from './dom.js';
import { api, apiPath } from './api.js';
import { fmtDay, fmtNum, isNum, plural } from './format.js';
import { set, state, subscribe } from './store.js';
import { changesHref, go } from './router.js';
import { dayAt, daysUpTo, monthStarts, showCursor, writingChart } from './writing-chart.js';

/** Days the chart shows, today included. */
const SPAN = 365;

let seq = 0;
/** The chart on screen: its svg and days, and the day under the keyboard's cursor. */
const chart = { svg: null, days: [], active: -1 };

/** GET /api/stats/summary, then the daily_stats rows of the year up to its day. */
export async function loadWriting() {
  const my = ++seq;
  try {
    const summary = await api('/api/stats/summary');
    const day = summary && typeof summary.day === 'string' ? summary.day : new Date().toISOString().slice(0, 10);
    const daily = await api(apiPath('/api/stats/daily', { from: daysUpTo(day, SPAN)[0], to: day }));
    if (my !== seq) return;
    set({ writing: { summary, day, days: daily && Array.isArray(daily.days) ? daily.days : [], error: null } });
  } catch (err) {
    if (my !== seq) return;
    set({ writing: { ...(state.writing || { summary: null, day: null, days: [] }), error: err.message } });
  }
}

const words = (period) => (period && isNum(period.wordsAdded) ? period.wordsAdded : null);

function render({ writing }) {
  if (!writing) return;
  const s = writing.summary;
  setText($('words-today'), fmtNum(words(s && s.today)));
  setText($('words-week'), fmtNum(words(s && s.week)));
  setText($('streak'), s && isNum(s.streakDays) ? fmtNum(s.streakDays) : '–');
  setText($('streak-label'), s && s.streakDays === 1 ? 'day' : 'days');
  setText(
    $('streak-longest'),
    `in a row with words written${s && isNum(s.longestStreakDays) && s.longestStreakDays > 0 ? ` · longest ${plural(s.longestStreakDays, 'day', 'days')}` : ''}`,
  );
  if (writing.error) setText($('writing-note'), `Could not load the writing figures: ${writing.error}`);
  if (!writing.day) return;

  const drawn = writingChart(writing.days, writing.day, SPAN);
  chart.svg = drawn.svg;
  chart.days = drawn.days;
  chart.active = -1;
  // Month names under the chart, each where its month begins (a share of the width: the svg stretches).
  const months = h('div', { class: 'writing-months', 'aria-hidden': 'true' });
  for (const m of monthStarts(drawn.days)) {
    const label = h('span', null, m.label);
    label.style.left = `${((m.index / drawn.days.length) * 100).toFixed(2)}%`;
    months.append(label);
  }
  replace($('writing-chart'), drawn.svg, months);
  const written = drawn.days.reduce((n, d) => n + (d.row && isNum(d.row.wordsAdded) ? d.row.wordsAdded : 0), 0);
  const ran = drawn.days.filter((d) => d.row).length;
  $('writing-chart').setAttribute(
    'aria-label',
    `Words written per day over the last year: ${plural(written, 'word', 'words')} on ${plural(ran, 'day', 'days')} inkdex ran; ` +
      `notes ${fmtNum(drawn.notes.first)} to ${fmtNum(drawn.notes.last)}. Use the arrow keys to read single days and Enter to see a day’s changes.`,
  );
  if (!writing.error) {
    setText(
      $('writing-note'),
      ran ? `${plural(written, 'word', 'words')} written in the last year · notes: ${fmtNum(drawn.notes.first)} → ${fmtNum(drawn.notes.last)}` : 'No figures yet: they start with the first sync.',
    );
  }
  setText($('writing-caption'), '');
}

/** "Thu, Mar 14, 2024: 523 words added, 40 removed · 2 notes added, 3 updated · 812 notes" */
function describeDay(d) {
  if (!d) return '';
  const r = d.row;
  if (!r) return `${fmtDay(d.day)}: inkdex did not run${d.notes !== null ? ` · ${plural(d.notes, 'note', 'notes')}` : ''}`;
  const parts = [`${plural(r.wordsAdded, 'word', 'words')} added, ${fmtNum(r.wordsRemoved)} removed`];
  const changed = ['added', 'updated', 'moved', 'removed'].filter((k) => r[k] > 0).map((k) => `${fmtNum(r[k])} ${k}`);
  parts.push(changed.length ? `notes: ${changed.join(', ')}` : 'no notes changed');
  parts.push(plural(r.entries, 'note', 'notes'));
  return `${fmtDay(d.day)}: ${parts.join(' · ')}`;
}

function setActive(i) {
  if (!chart.svg || !chart.days.length) return;
  chart.active = Math.max(0, Math.min(chart.days.length - 1, i));
  showCursor(chart.svg, chart.active);
  setText($('writing-caption'), describeDay(chart.days[chart.active]));
}

function onKey(e) {
  if ((e.key === 'Enter' || e.key === ' ') && chart.active >= 0) {
    e.preventDefault();
    go(changesHref(chart.days[chart.active].day));
    return;
  }
  const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7, Home: -Infinity, End: Infinity };
  if (!(e.key in moves)) return;
  e.preventDefault();
  const cur = chart.active < 0 ? chart.days.length - 1 : chart.active;
  const m = moves[e.key];
  setActive(m === -Infinity ? 0 : m === Infinity ? chart.days.length - 1 : cur + m);
}

export function wireWriting() {
  subscribe(['writing'], render);
  const box = $('writing-chart');
  box.addEventListener('keydown', onKey);
  box.addEventListener('focus', () => {
    if (chart.active < 0) setActive(chart.days.length - 1);
  });
  box.addEventListener('blur', () => {
    chart.active = -1;
    if (chart.svg) showCursor(chart.svg, null);
  });
  box.addEventListener('pointermove', (e) => {
    const i = chart.svg ? dayAt(chart.svg, e.clientX, chart.days.length) : null;
    if (i === null) return;
    showCursor(chart.svg, i);
    setText($('writing-caption'), describeDay(chart.days[i]));
  });
  box.addEventListener('pointerleave', () => {
    if (chart.svg && chart.active < 0) showCursor(chart.svg, null);
  });
  box.addEventListener('click', (e) => {
    const i = chart.svg ? dayAt(chart.svg, e.clientX, chart.days.length) : null;
    if (i !== null) go(changesHref(chart.days[i].day));
  });
}
