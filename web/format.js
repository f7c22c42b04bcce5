// Number, size, duration and time formats, the <time> elements kept relative, and the run status pill.
import { h, setText } from './dom.js';

const nf = new Intl.NumberFormat('en-US');
export const isNum = (n) => typeof n === 'number' && Number.isFinite(n);
export const fmtNum = (n) => (isNum(n) ? nf.format(n) : '–');
export const plural = (n, one, many) => `${fmtNum(n)} ${n === 1 ? one : many}`;

export function fmtBytes(bytes) {
  if (!isNum(bytes)) return '–';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 999.95 && i < units.length - 1);
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function fmtDuration(ms) {
  if (!isNum(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function parseTime(iso) {
  if (!iso) return NaN;
  return Date.parse(iso);
}

export function fmtAbs(iso) {
  const t = parseTime(iso);
  if (Number.isNaN(t)) return '';
  return new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

function fmtShortDate(t) {
  const d = new Date(t);
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return d.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    year: sameYear ? undefined : 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

export function fmtRel(iso, now = Date.now()) {
  const t = parseTime(iso);
  if (Number.isNaN(t)) return iso ? String(iso) : 'never';
  const sec = Math.max(0, Math.round((now - t) / 1000));
  if (sec < 1) return 'just now';
  if (sec < 60) return `${sec} s ago`;
  const min = Math.floor(sec / 60);
  if (min < 60) return `${min} min ago`;
  const hr = Math.floor(min / 60);
  if (hr < 24) return `${hr} h ago`;
  const days = Math.floor(hr / 24);
  if (days < 7) return `${days} d ago`;
  return fmtShortDate(t);
}

/** A calendar date `YYYY-MM-DD` as words ("Fri, Jan 5, 2024"), never shifted by the time zone. */
export function fmtDay(date) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(date || ''));
  if (!m) return date ? String(date) : '';
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toLocaleDateString('en-US', { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** The local time of day of an instant ("14:05"). */
export function fmtClock(iso) {
  const t = parseTime(iso);
  if (Number.isNaN(t)) return '';
  return new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** A <time> whose text is kept relative ("12 s ago") by the ticker. */
export function relTime(iso, cls) {
  const el = h('time', { class: cls, datetime: iso || null, title: fmtAbs(iso) || null });
  el.dataset.rel = iso || '';
  el.textContent = fmtRel(iso);
  return el;
}

export function setRelTime(el, iso) {
  el.dataset.rel = iso || '';
  if (iso) {
    el.setAttribute('datetime', iso);
    el.title = fmtAbs(iso);
  } else {
    el.removeAttribute('datetime');
    el.removeAttribute('title');
  }
  setText(el, iso ? fmtRel(iso) : 'never');
}

export function tickRelativeTimes() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-rel]')) {
    const iso = el.dataset.rel;
    setText(el, iso ? fmtRel(iso, now) : 'never');
  }
}

/** A run's status as a coloured word ("succeeded", "failed", "running"). */
export function statusPill(status) {
  const s = typeof status === 'string' && status ? status : 'unknown';
  return h('span', { class: 'pill', data: { status: s } }, s);
}
