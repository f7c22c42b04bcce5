// The writing chart, drawn by hand as SVG (smaller than any charting library, and no
// inline style for the CSP to refuse): a year of days up to today, words added per day
// as bars above a baseline and words removed below it (one scale for both, so a day of
// rewriting shows as such), and the number of notes as a line on its own scale. Pure:
// rows in, an <svg> element and its days out; the view adds hover, keys and clicks.

const NS = 'http://www.w3.org/2000/svg';
const DAY_MS = 86_400_000;
/** Width of a day and height of the plot, in SVG units (the element scales to its box). */
const DAY_W = 2;
const PLOT_H = 120;
const PAD_TOP = 6;

function svg(tag, attrs) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}

/** The `n` calendar days up to and including `today` (YYYY-MM-DD), oldest first. */
export function daysUpTo(today, n) {
  const end = Date.parse(`${today}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(end - (n - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * The chart of `rows` (daily_stats rows, any order) over the `span` days up to `today`.
 * A day without a row had no run: no bars, and the notes line keeps the last total.
 * @returns {{svg: SVGSVGElement, days: Array<{day: string, row: object|null, notes: number|null}>, peak: number, notes: {first: number|null, last: number|null}}}
 */
export function writingChart(rows, today, span = 365) {
  const byDay = new Map();
  for (const r of Array.isArray(rows) ? rows : []) if (r && typeof r.day === 'string') byDay.set(r.day, r);
  // The notes total before the window: the last row before it, if any.
  let notes = null;
  const first = daysUpTo(today, span)[0];
  for (const r of byDay.values()) if (r.day < first && (notes === null || r.day > notes.day)) notes = r;
  let carried = notes ? num(notes.entries) : null;

  const days = daysUpTo(today, span).map((day) => {
    const row = byDay.get(day) || null;
    if (row) carried = num(row.entries);
    return { day, row, notes: carried };
  });
  const peakAdded = Math.max(0, ...days.map((d) => num(d.row && d.row.wordsAdded)));
  const peakRemoved = Math.max(0, ...days.map((d) => num(d.row && d.row.wordsRemoved)));
  const scale = peakAdded + peakRemoved > 0 ? PLOT_H / (peakAdded + peakRemoved) : 0;
  const base = PAD_TOP + peakAdded * scale;

  const width = span * DAY_W;
  const root = svg('svg', { viewBox: `0 0 ${width} ${PLOT_H + PAD_TOP * 2}`, class: 'writing-svg', preserveAspectRatio: 'none', 'aria-hidden': 'true' });
  root.append(svg('line', { x1: 0, x2: width, y1: base, y2: base, class: 'writing-base' }));
  const added = svg('g', { class: 'writing-added' });
  const removed = svg('g', { class: 'writing-removed' });
  days.forEach((d, i) => {
    const up = num(d.row && d.row.wordsAdded) * scale;
    const down = num(d.row && d.row.wordsRemoved) * scale;
    if (up > 0) added.append(svg('rect', { x: i * DAY_W, y: base - up, width: DAY_W * 0.8, height: Math.max(up, 0.5) }));
    if (down > 0) removed.append(svg('rect', { x: i * DAY_W, y: base, width: DAY_W * 0.8, height: Math.max(down, 0.5) }));
  });
  root.append(added, removed);

  // The notes line, scaled from the window's fewest to its most notes.
  const counts = days.map((d) => d.notes).filter((n) => n !== null);
  const lo = counts.length ? Math.min(...counts) : 0;
  const hi = counts.length ? Math.max(...counts) : 0;
  const y = (n) => (hi > lo ? PAD_TOP + PLOT_H - ((n - lo) / (hi - lo)) * PLOT_H : PAD_TOP + PLOT_H / 2);
  const points = [];
  days.forEach((d, i) => {
    if (d.notes !== null) points.push(`${i * DAY_W + DAY_W / 2},${y(d.notes).toFixed(1)}`);
  });
  if (points.length) root.append(svg('polyline', { points: points.join(' '), class: 'writing-notes' }));

  // The day under the pointer or the keyboard's cursor.
  root.append(svg('rect', { x: 0, y: 0, width: DAY_W, height: PLOT_H + PAD_TOP * 2, class: 'writing-cursor', visibility: 'hidden' }));
  return { svg: root, days, peak: peakAdded, notes: { first: counts.length ? counts[0] : null, last: counts.length ? counts[counts.length - 1] : null } };
}

/** Where the months begin among `days` ([{day}]): [{index, label}], the label the month's short name. */
export function monthStarts(days) {
  const fmt = new Intl.DateTimeFormat('en-US', { month: 'short', timeZone: 'UTC' });
  return days
    .map((d, index) => ({ d, index }))
    .filter(({ d }) => d.day.endsWith('-01'))
    .map(({ d, index }) => ({ index, label: fmt.format(new Date(`${d.day}T00:00:00Z`)) }));
}

/** Moves the chart's cursor to day `i` (null hides it). */
export function showCursor(root, i) {
  const cursor = root.querySelector('.writing-cursor');
  if (!cursor) return;
  if (i === null) cursor.setAttribute('visibility', 'hidden');
  else {
    cursor.setAttribute('x', String(i * DAY_W));
    cursor.setAttribute('visibility', 'visible');
  }
}

/** The day under a pointer event on the chart (its index), from where it lands in the element's box. */
export function dayAt(root, clientX, span) {
  const box = root.getBoundingClientRect();
  if (box.width <= 0) return null;
  const i = Math.floor(((clientX - box.left) / box.width) * span);
  return i >= 0 && i < span ? i : null;
}
